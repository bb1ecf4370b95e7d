import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, STACK_TRACE} from '../harness/cli.js'
import {allTraceFixtures, readFixture} from '../harness/fixtures.js'
import {LocalAws} from '../harness/local-aws.js'
import {parseTraceInput} from '../../src/traces/parse.js'

/**
 * Mutated real documents through every input path of the binary — a file, stdin, and fetched by id
 * from the local endpoint — with and without --json: no crash, no hang, always an exit code of 0 or 1
 * and, with --json, valid JSON on stdout. Each case spawns the CLI, so the default run is short;
 * FUZZ_RUNS scales it (FUZZ_RUNS=2000 runs 100 cases a path).
 */

const RUNS = Math.max(4, Math.round(Number.parseInt(process.env.FUZZ_RUNS ?? '200', 10) / 20))
const scratch = mkdtempSync(join(tmpdir(), 'xtrace-fuzz-'))
const aws = new LocalAws()
beforeAll(() => aws.start())
afterAll(() => aws.stop())

const documents = allTraceFixtures().flatMap((path) => {
  try {
    return parseTraceInput(readFixture(path), path).documents.map((d) => d.doc as Record<string, unknown>)
  } catch {
    return []
  }
})
const KEYS = ['id', 'name', 'start_time', 'end_time', 'parent_id', 'trace_id', 'subsegments', 'in_progress', 'cause', 'http', 'aws', 'annotations', 'metadata', 'type', 'origin', 'error', 'fault', 'inferred']
const hostile = fc.constantFrom('\u001B]0;x\u0007', '\u001B[2J', '\u202Eevil', '\r\b', '\uD800', 'ｗｉｄｅ', '')
const value = fc.oneof(fc.jsonValue(), hostile, fc.double(), fc.constant(null))
const mutated = fc.array(fc.tuple(fc.nat(documents.length - 1), fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.option(value, {nil: undefined})), {maxLength: 4})), {minLength: 1, maxLength: 6}).map((picks) =>
  picks.map(([index, mutations]) => {
    const doc = structuredClone(documents[index]!)
    for (const [key, replacement] of mutations) {
      if (replacement === undefined) delete doc[key]
      else doc[key] = replacement
    }
    return doc
  }),
)

function assertSafe(result: {code: number | null; stdout: string; stderr: string}, json: boolean) {
  expect(result.code === 0 || result.code === 1, `exit ${result.code}: ${result.stderr.slice(0, 300)}`).toBe(true)
  expect(result.stdout + result.stderr).not.toMatch(STACK_TRACE)
  expect(result.stderr).not.toContain('unexpected error')
  if (json) expect(() => JSON.parse(result.stdout)).not.toThrow()
}

describe('show: mutated real documents through every input path', () => {
  it('a file and stdin', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(mutated, fc.boolean(), async (docs, json) => {
        const path = join(scratch, `case-${n++}.json`)
        writeFileSync(path, JSON.stringify(docs))
        assertSafe(await runCli(['show', '--file', path, ...(json ? ['--json'] : [])]), json)
        assertSafe(await runCli(['show', '-', ...(json ? ['--json'] : [])], {input: JSON.stringify({Traces: [{Id: '1-6b04eba2-c16f9196aeffbc1aba4613ea', Segments: docs.map((d) => ({Id: String(d.id), Document: JSON.stringify(d)}))}]})}), json)
      }),
      {numRuns: RUNS},
    )
  }, 300_000)

  it('fetched by id from the endpoint', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(mutated, fc.boolean(), async (docs, json) => {
        // The endpoint stores what PutTraceSegments would accept: a trace id and a document id.
        const trace = `1-6c${(n++).toString(16).padStart(6, '0')}-${'a'.repeat(24)}`
        aws.addDocuments(docs.map((doc, i) => ({...doc, trace_id: trace, id: `${i.toString(16).padStart(16, '0')}`})))
        assertSafe(await runCli(['show', trace, '--endpoint-url', aws.url, ...(json ? ['--json'] : [])]), json)
      }),
      {numRuns: RUNS},
    )
  }, 300_000)
})
