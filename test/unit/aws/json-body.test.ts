import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import {BatchGetTracesCommand, BatchGetTracesResult$, GetTraceSummariesCommand, GetTraceSummariesResult$, XRayClient} from '@aws-sdk/client-xray'
import {NormalizedSchema} from '@smithy/core/schema'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {compileReader, FastJsonProtocol, readBody} from '../../../src/aws/json-body.js'
import {summarise} from '../../harness/xray-summaries.js'

/**
 * The compiled readers against the SDK's own restJson1 deserializer: the same bytes through a stock
 * XRayClient and through one with FastJsonProtocol must give the same output (Dates, NaN, key order and
 * $metadata included), or the same error.
 */

const FIXTURES = join(import.meta.dirname, '../../fixtures/xray')
const SILENT = {trace() {}, debug() {}, info() {}, warn() {}, error() {}}

function clientAnswering(text: string, status: number, fast: boolean): XRayClient {
  const requestHandler = {
    handle: async () => ({
      response: {statusCode: status, headers: {'content-type': 'application/json', 'x-amzn-requestid': 'req-1'}, body: Readable.from([Buffer.from(text)])},
    }),
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  }
  return new XRayClient({
    region: 'us-east-1',
    credentials: {accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example'},
    logger: SILENT,
    maxAttempts: 1,
    requestHandler,
    ...(fast ? {protocol: FastJsonProtocol} : {}),
  })
}

type Operation = 'GetTraceSummaries' | 'BatchGetTraces'

async function answer(operation: Operation, text: string, fast: boolean, status = 200): Promise<{output?: unknown; error?: string}> {
  const client = clientAnswering(text, status, fast)
  const command =
    operation === 'GetTraceSummaries'
      ? new GetTraceSummariesCommand({StartTime: new Date(0), EndTime: new Date(1000)})
      : new BatchGetTracesCommand({TraceIds: ['1-5759e988-bd862e3fe1be46a994272793']})
  try {
    return {output: await client.send(command as GetTraceSummariesCommand)}
  } catch (error) {
    const e = error as Error
    return {error: `${e.name}: ${e.message}`}
  }
}

async function expectSame(operation: Operation, text: string, status = 200): Promise<void> {
  const [ours, sdk] = await Promise.all([answer(operation, text, true, status), answer(operation, text, false, status)])
  expect(ours).toStrictEqual(sdk)
  // toStrictEqual ignores key order; a --json listing does not.
  expect(JSON.stringify(ours)).toBe(JSON.stringify(sdk))
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8')

/** Every BatchGetTraces fixture's traces, summarised as X-Ray would (test/harness/xray-summaries.ts). */
function summariesPage(): string {
  const files = readdirSync(FIXTURES).filter((name) => name.includes('batch-get-traces') && name.endsWith('.json'))
  files.push(...readdirSync(join(FIXTURES, 'sdk-generated')).filter((name) => name.endsWith('batch-get-traces.json')).map((name) => join('sdk-generated', name)))
  const summaries = files.flatMap((name) =>
    (JSON.parse(fixture(name)) as {Traces: {Id: string; Segments: {Document: string}[]}[]}).Traces.map((trace) =>
      summarise(
        trace.Id,
        trace.Segments.map((segment) => segment.Document),
        '123456789012',
      ),
    ),
  )
  expect(summaries.length).toBeGreaterThan(3)
  return JSON.stringify({TraceSummaries: summaries.map((summary) => summary.wire), ApproximateTime: 1_499_473_500, TracesProcessedCount: summaries.length})
}

const SUMMARIES = NormalizedSchema.of(GetTraceSummariesResult$)
const TRACES = NormalizedSchema.of(BatchGetTracesResult$)

/** What the compiled reader alone makes of a body: undefined when it leaves the body to the SDK. */
const readers = new Map([SUMMARIES, TRACES].map((schema) => [schema, compileReader(schema)!]))
const readHere = (schema: NormalizedSchema, text: string) => readBody(readers.get(schema)!, Buffer.from(text))

describe('compiled readers of X-Ray bodies', () => {
  it('compile for both operations read here', () => {
    expect(compileReader(SUMMARIES)).toBeTypeOf('function')
    expect(compileReader(TRACES)).toBeTypeOf('function')
  })

  it('leave shapes with anything that changes how a value is read to the SDK', () => {
    const of = (schema: unknown) => compileReader(NormalizedSchema.of(schema as Parameters<typeof NormalizedSchema.of>[0]))
    const inner = [3, 'test', 'Inner', 0, ['A'], [0]]
    // The same shape twice, the second time as an HTTP-bound member: the member's trait counts, though the shape is compiled.
    expect(of([3, 'test', 'Out', 0, ['Plain', 'Header'], [inner, [inner, {httpHeader: 'x-inner'}]]])).toBeUndefined()
    expect(of([3, 'test', 'Blob', 0, ['Data'], [21]])).toBeUndefined()
    expect(of([3, 'test', 'DateTime', 0, ['At'], [5]])).toBeUndefined()
    expect(of([3, 'test', 'Doc', 0, ['Any'], [15]])).toBeUndefined()
    expect(of([3, 'test', 'Media', 0, ['Policy'], [[0, {mediaType: 'application/json'}]]])).toBeUndefined()
    const renamed = of([3, 'test', 'Renamed', 0, ['Name'], [[0, {jsonName: 'name'}]]])!
    expect(readBody(renamed, Buffer.from('{"name":"a","Name":"b"}'))).toStrictEqual({Name: 'a'})
  })

  it('read real bodies themselves, as the SDK does', async () => {
    const bodies: [Operation, string][] = [
      ['GetTraceSummaries', fixture('awsdocs-get-trace-summaries-scorekeep.json')],
      ['GetTraceSummaries', summariesPage()],
      ['BatchGetTraces', fixture('awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json')],
      ['BatchGetTraces', fixture('awscli-example-batch-get-traces-scorekeep-dynamodb.json')],
      ['BatchGetTraces', fixture('sdk-generated/node-xray-sdk-checkout-inventory-streamed.batch-get-traces.json')],
    ]
    for (const [operation, text] of bodies) {
      // Read here, not declined: otherwise the comparison below would only compare the SDK with itself.
      expect(readHere(operation === 'GetTraceSummaries' ? SUMMARIES : TRACES, text)).toBeDefined()
      await expectSame(operation, text)
    }
  })

  it('turn epoch seconds into Dates and spelled-out non-finite numbers into numbers', async () => {
    const text = JSON.stringify({TraceSummaries: [{Id: '1-a', StartTime: 1_499_473_411.677_49, Duration: 'NaN', ResponseTime: '-Infinity', MatchedEventTime: 1.5e9, Extra: 1, Http: null}], ApproximateTime: 1.5e9})
    const read = readHere(SUMMARIES, text) as {TraceSummaries: Record<string, unknown>[]}
    expect(read.TraceSummaries[0]).toStrictEqual({Id: '1-a', StartTime: new Date(1_499_473_411_677), Duration: Number.NaN, ResponseTime: -Infinity, MatchedEventTime: new Date(1.5e12)})
    await expectSame('GetTraceSummaries', text)
  })

  it.each([
    ['a __type field', {TraceSummaries: [{Id: '1-a', __type: 'x'}]}],
    ['an unknown union member', {TraceSummaries: [{Id: '1-a', Annotations: {k: [{AnnotationValue: {DateValue: 3}}]}}]}],
    ['a map key __proto__', JSON.parse('{"TraceSummaries":[{"Id":"1-a","Annotations":{"__proto__":[{"AnnotationValue":{"NumberValue":1}}]}}]}') as object],
    ['a timestamp that is a numeric string', {TraceSummaries: [{Id: '1-a', StartTime: '1499473411.5'}]}],
    ['a body that is an array', []],
  ])('leave %s to the SDK', async (_, body) => {
    const text = JSON.stringify(body)
    expect(readHere(SUMMARIES, text)).toBeUndefined()
    await expectSame('GetTraceSummaries', text)
  })

  it('leave a timestamp the SDK refuses to the SDK, which says why', async () => {
    const text = JSON.stringify({TraceSummaries: [{Id: '1-a', StartTime: 'yesterday'}]})
    const ours = await answer('GetTraceSummaries', text, true)
    expect(ours.error).toMatch(/^TypeError: .*(numeric string invalid|Expected real number)/)
    await expectSame('GetTraceSummaries', text)
  })

  it('leave errors, empty bodies and broken JSON to the SDK', async () => {
    await expectSame('GetTraceSummaries', JSON.stringify({__type: 'InvalidRequestException', message: 'Time range too long'}), 400)
    await expectSame('GetTraceSummaries', JSON.stringify({__type: 'ThrottledException', message: 'slow down'}), 429)
    await expectSame('GetTraceSummaries', '')
    await expectSame('GetTraceSummaries', '{"TraceSummaries": [')
  })

  it('agree with the SDK on bodies of any shape and content', async () => {
    const readCount = {GetTraceSummaries: 0, BatchGetTraces: 0}
    const runs = Number(process.env.FUZZ_RUNS ?? 150)
    for (const [operation, schema] of [['GetTraceSummaries', SUMMARIES], ['BatchGetTraces', TRACES]] as const) {
      await fc.assert(
        fc.asyncProperty(bodyFor(schema, 0), async (body) => {
          const text = JSON.stringify(body)
          if (readHere(schema, text)) readCount[operation]++
          await expectSame(operation, text)
        }),
        {numRuns: runs},
      )
    }
    // Most generated bodies are read here (the rest carry something declined): the property compares both readers.
    expect(readCount.GetTraceSummaries).toBeGreaterThan(runs / 3)
    expect(readCount.BatchGetTraces).toBeGreaterThan(runs / 3)
  })
})

/** Mostly what the model declares, sometimes anything else a broken or future endpoint might send. */
const odd = fc.constantFrom<unknown>(null, 'NaN', 'Infinity', '-Infinity', '12.5', 'yesterday', {}, [], true, 0, -1.5, 'x')

function bodyFor(schema: NormalizedSchema, depth: number): fc.Arbitrary<unknown> {
  const typed = typedFor(schema, depth)
  return depth === 0 ? typed : fc.oneof({weight: 12, arbitrary: typed}, {weight: 1, arbitrary: odd})
}

function typedFor(schema: NormalizedSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.isStringSchema()) return fc.string({maxLength: 6})
  if (schema.isBooleanSchema()) return fc.boolean()
  if (schema.isNumericSchema()) return fc.oneof(fc.integer(), fc.double({noNaN: true, noDefaultInfinity: true}))
  if (schema.isTimestampSchema()) return fc.oneof(fc.integer({min: 0, max: 2e9}), fc.double({min: 0, max: 2e9, noNaN: true}))
  if (depth > 5) return fc.constant(null)
  if (schema.isListSchema()) return fc.array(bodyFor(schema.getValueSchema(), depth + 1), {maxLength: 3})
  if (schema.isMapSchema()) {
    return fc.array(fc.tuple(fc.constantFrom('a', 'b', 'tier', '__proto__'), bodyFor(schema.getValueSchema(), depth + 1)), {maxLength: 3}).map((entries) => Object.fromEntries(entries))
  }
  const members = [...schema.structIterator()]
  const extra = fc.array(fc.tuple(fc.constantFrom('Unknown', '__type', 'id'), fc.oneof(fc.string({maxLength: 3}), fc.integer())), {maxLength: 1})
  if (schema.isUnionSchema()) {
    const one = fc.constantFrom(...members).chain(([name, member]) => bodyFor(member, depth + 1).map((value) => [[name, value]] as [string, unknown][]))
    return fc.tuple(one, fc.oneof({weight: 6, arbitrary: fc.constant([])}, {weight: 1, arbitrary: extra})).map(([known, more]) => Object.fromEntries([...known, ...more]))
  }
  const fields = Object.fromEntries(members.map(([name, member]) => [name, bodyFor(member, depth + 1)]))
  return fc
    .tuple(fc.record(fields, {requiredKeys: []}), fc.oneof({weight: 8, arbitrary: fc.constant([])}, {weight: 1, arbitrary: extra}))
    .map(([record, more]) => Object.fromEntries([...Object.entries(record), ...more]))
}
