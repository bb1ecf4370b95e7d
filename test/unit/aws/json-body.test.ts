import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import {GetFunctionCommand, GetFunctionResponse$, LambdaClient, ListAliasesCommand, ListAliasesResponse$, ListFunctionsCommand, ListFunctionsResponse$} from '@aws-sdk/client-lambda'
import {BatchGetTracesCommand, BatchGetTracesResult$, GetServiceGraphCommand, GetServiceGraphResult$, GetTraceSummariesCommand, GetTraceSummariesResult$, XRayClient} from '@aws-sdk/client-xray'
import {NormalizedSchema} from '@smithy/core/schema'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {collectAnswerBody, collectNodeStream} from '../../../src/aws/collect-body.js'
import {compileReader, FAST_OPERATIONS, FastJsonProtocol, readBody} from '../../../src/aws/json-body.js'
import {summarise} from '../../harness/xray-summaries.js'

/**
 * The compiled readers against the SDK's own restJson1 deserializer: the same bytes through a stock
 * client and through one with FastJsonProtocol must give the same output (Dates, NaN, key order and
 * $metadata included), or the same error.
 */

const FIXTURES = join(import.meta.dirname, '../../fixtures')
const SILENT = {trace() {}, debug() {}, info() {}, warn() {}, error() {}}

/** The operations read here, each with the request that asks for it and its output's schema. */
const OPERATIONS = {
  GetTraceSummaries: {service: 'xray', output: GetTraceSummariesResult$, command: () => new GetTraceSummariesCommand({StartTime: new Date(0), EndTime: new Date(1000)})},
  BatchGetTraces: {service: 'xray', output: BatchGetTracesResult$, command: () => new BatchGetTracesCommand({TraceIds: ['1-5759e988-bd862e3fe1be46a994272793']})},
  GetServiceGraph: {service: 'xray', output: GetServiceGraphResult$, command: () => new GetServiceGraphCommand({StartTime: new Date(0), EndTime: new Date(1000)})},
  ListFunctions: {service: 'lambda', output: ListFunctionsResponse$, command: () => new ListFunctionsCommand({})},
  GetFunction: {service: 'lambda', output: GetFunctionResponse$, command: () => new GetFunctionCommand({FunctionName: 'my-function'})},
  ListAliases: {service: 'lambda', output: ListAliasesResponse$, command: () => new ListAliasesCommand({FunctionName: 'my-function'})},
} as const
type Operation = keyof typeof OPERATIONS

/** A body as text, or as a stream made anew for each client. */
type Body = string | (() => Readable)

function clientAnswering(operation: Operation, body: Body, status: number, fast: boolean): {send(command: unknown): Promise<unknown>} {
  const requestHandler = {
    handle: async () => ({
      response: {
        statusCode: status,
        headers: {'content-type': 'application/json', 'x-amzn-requestid': 'req-1'},
        body: typeof body === 'string' ? Readable.from([Buffer.from(body)]) : body(),
      },
    }),
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  }
  const config = {
    region: 'us-east-1',
    credentials: {accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example'},
    logger: SILENT,
    maxAttempts: 1,
    requestHandler,
    // As aws/clients.ts builds every client: the fast protocol with our collector.
    ...(fast ? {protocol: FastJsonProtocol, streamCollector: collectAnswerBody} : {}),
  }
  const client = OPERATIONS[operation].service === 'xray' ? new XRayClient(config) : new LambdaClient(config)
  return client as unknown as {send(command: unknown): Promise<unknown>}
}

async function answer(operation: Operation, body: Body, fast: boolean, status = 200): Promise<{output?: unknown; error?: string}> {
  const client = clientAnswering(operation, body, status, fast)
  try {
    return {output: await client.send(OPERATIONS[operation].command())}
  } catch (error) {
    const e = error as Error
    return {error: `${e.name}: ${e.message}`}
  }
}

async function expectSame(operation: Operation, body: Body, status = 200): Promise<void> {
  const [ours, sdk] = await Promise.all([answer(operation, body, true, status), answer(operation, body, false, status)])
  expect(ours).toStrictEqual(sdk)
  // toStrictEqual ignores key order; a --json listing does not.
  expect(JSON.stringify(ours)).toBe(JSON.stringify(sdk))
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8')
const xrayFixture = (name: string) => fixture(join('xray', name))

/** Every BatchGetTraces fixture's traces, summarised as X-Ray would (test/harness/xray-summaries.ts). */
function summariesPage(): string {
  const files = readdirSync(join(FIXTURES, 'xray')).filter((name) => name.includes('batch-get-traces') && name.endsWith('.json'))
  files.push(...readdirSync(join(FIXTURES, 'xray/sdk-generated')).filter((name) => name.endsWith('batch-get-traces.json')).map((name) => join('sdk-generated', name)))
  const summaries = files.flatMap((name) =>
    (JSON.parse(xrayFixture(name)) as {Traces: {Id: string; Segments: {Document: string}[]}[]}).Traces.map((trace) =>
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

const OPERATION_NAMES = Object.keys(OPERATIONS) as Operation[]
const schemaOf = (operation: Operation) => NormalizedSchema.of(OPERATIONS[operation].output)

/** What the compiled reader alone makes of a body: undefined when it leaves the body to the SDK. */
const readers = new Map(OPERATION_NAMES.map((operation) => [operation, compileReader(schemaOf(operation))!]))
const readHere = (operation: Operation, text: string) => readBody(readers.get(operation)!, Buffer.from(text))

describe('compiled readers of X-Ray and Lambda bodies', () => {
  it('are the operations tested here, no more and no fewer', () => {
    expect([...FAST_OPERATIONS].sort()).toStrictEqual([...OPERATION_NAMES].sort())
  })

  it.each(OPERATION_NAMES)('compile for %s', (operation) => {
    expect(compileReader(schemaOf(operation))).toBeTypeOf('function')
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
      ['GetTraceSummaries', xrayFixture('awsdocs-get-trace-summaries-scorekeep.json')],
      ['GetTraceSummaries', summariesPage()],
      ['BatchGetTraces', xrayFixture('awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json')],
      ['BatchGetTraces', xrayFixture('awscli-example-batch-get-traces-scorekeep-dynamodb.json')],
      ['BatchGetTraces', xrayFixture('sdk-generated/node-xray-sdk-checkout-inventory-streamed.batch-get-traces.json')],
      ['GetServiceGraph', xrayFixture('awsdocs-get-service-graph-beanstalk-dynamodb-sns.json')],
      ['ListFunctions', fixture('lambda/awscli-example-list-functions.json')],
      ['GetFunction', fixture('lambda/awscli-example-get-function.json')],
    ]
    for (const [operation, text] of bodies) {
      // Read here, not declined: otherwise the comparison below would only compare the SDK with itself.
      expect(readHere(operation, text)).toBeDefined()
      await expectSame(operation, text)
    }
  })

  it('turn epoch seconds into Dates and spelled-out non-finite numbers into numbers', async () => {
    const text = JSON.stringify({TraceSummaries: [{Id: '1-a', StartTime: 1_499_473_411.677_49, Duration: 'NaN', ResponseTime: '-Infinity', MatchedEventTime: 1.5e9, Extra: 1, Http: null}], ApproximateTime: 1.5e9})
    const read = readHere('GetTraceSummaries', text) as {TraceSummaries: Record<string, unknown>[]}
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
    expect(readHere('GetTraceSummaries', text)).toBeUndefined()
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
    await expectSame('GetFunction', JSON.stringify({Type: 'User', message: 'Function not found: arn:aws:lambda:us-west-2:123456789012:function:my-function'}), 404)
    await expectSame('ListFunctions', JSON.stringify({message: 'Rate exceeded'}), 429)
  })

  it('agree with the SDK on bodies of any shape and content', async () => {
    const runs = Number(process.env.FUZZ_RUNS ?? 100)
    for (const operation of OPERATION_NAMES) {
      let read = 0
      await fc.assert(
        fc.asyncProperty(bodyFor(schemaOf(operation), 0), async (body) => {
          const text = JSON.stringify(body)
          if (readHere(operation, text)) read++
          await expectSame(operation, text)
        }),
        {numRuns: runs},
      )
      // Most generated bodies are read here (the rest carry something declined): the property compares both readers.
      expect(read, operation).toBeGreaterThan(runs / 3)
    }
  })
})

describe('bodies read off the stream', () => {
  const text = fixture('lambda/awscli-example-list-functions.json')
  const bytes = Buffer.from(text.replace('helloworld', 'héllo wörld ✓'))

  it('give the same output however the body is cut into chunks, a character split included', async () => {
    // Every 7 bytes: the two- and three-byte characters above are cut between chunks.
    const chunks = Array.from({length: Math.ceil(bytes.length / 7)}, (_, i) => bytes.subarray(i * 7, i * 7 + 7))
    await expectSame('ListFunctions', () => Readable.from(chunks))
    expect(Buffer.from(await collectNodeStream(Readable.from(chunks))).equals(bytes)).toBe(true)
  })

  it('fail as the SDK does when the stream fails part way', async () => {
    const failing = () =>
      new Readable({
        read() {
          this.push(bytes.subarray(0, 100))
          this.destroy(Object.assign(new Error('read ECONNRESET'), {code: 'ECONNRESET'}))
        },
      })
    const ours = await answer('ListFunctions', failing, true)
    expect(ours.error).toMatch(/^Error: read ECONNRESET\n/)
    await expectSame('ListFunctions', failing)
  })

  it('end with a reset connection, not a wait for ever, when the stream closes short of its end', async () => {
    const cut = new Readable({
      read() {
        this.push(bytes.subarray(0, 100))
        this.destroy()
      },
    })
    await expect(collectNodeStream(cut)).rejects.toMatchObject({code: 'ECONNRESET', message: 'the connection closed before the whole answer arrived'})
  })

  it('are every client\'s collector: a Node stream, a web stream or a Blob gives the same bytes', async () => {
    const chunks = Array.from({length: Math.ceil(bytes.length / 7)}, (_, i) => bytes.subarray(i * 7, i * 7 + 7))
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk))
        controller.close()
      },
    })
    for (const body of [Readable.from(chunks), web, new Blob([bytes])]) {
      expect(Buffer.from(await collectAnswerBody(body)).equals(bytes), String(body)).toBe(true)
    }
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
