import {execFileSync} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {fixture, ROOT, runCli} from '../harness/cli.js'
import {readFixture} from '../harness/fixtures.js'
import {LocalAws} from '../harness/local-aws.js'

/**
 * Issue 12 through the binary: a trace fetched with an unreadable document, --json's schema with
 * links and unknown cold starts, --color on a pipe, folding, an id a saved file lacks, the demo.
 */

const CHECKOUT = 'drawn/checkout-long-url-unfinished-link.batch-get-traces.json'
const aws = new LocalAws()
const TRACE = '1-6b070000-a1b2c3d4e5f60718293a4b5c'

beforeAll(async () => {
  await aws.start()
  const response = JSON.parse(readFixture(CHECKOUT)) as {Traces: {Segments: {Document: string}[]}[]}
  aws.addDocuments(response.Traces[0]!.Segments.map((segment) => segment.Document))
  // X-Ray hands back what it was given: one document of this trace is not JSON.
  aws.traces.get(TRACE)!.documents.set('broken', '{"id": "c0000000000000ff", "trace_id": ')
})
afterAll(() => aws.stop())

describe('xtrace show on real traces', () => {
  it('draws a fetched trace with an unreadable document, says so, and keeps it in --json', async () => {
    const text = await runCli(['show', TRACE, '--endpoint-url', aws.url, '--width', '100', '--ascii'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('  notes      1 unreadable document (not drawn; see the warnings)')
    expect(text.stderr).toContain(`warning: trace ${TRACE}: 1 document could not be read and is not drawn`)
    const json = JSON.parse((await runCli(['show', TRACE, '--endpoint-url', aws.url, '--json'])).stdout) as {traces: {id: string; unreadableDocuments: number; coldStart: boolean | null}[]; unprocessedTraceIds: string[]; unreadableTraceIds: string[]}
    expect(Object.keys(json)).toEqual(['traces', 'unprocessedTraceIds', 'unreadableTraceIds'])
    expect(json.traces.map((t) => [t.id, t.unreadableDocuments, t.coldStart])).toEqual([[TRACE, 1, false]])
  })

  it('a saved trace none of whose documents can be read: its id, exit 1', async () => {
    const result = await runCli(['show', '-'], {input: JSON.stringify({Traces: [{Id: TRACE, Segments: [{Id: 'x', Document: ''}]}]})})
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(`Not returned (1):\n  ${TRACE}  no document could be read\n`)
    expect(result.stderr).toContain(`error: not one document of 1 trace could be read: ${TRACE}\nTry: see the warnings above`)
  })

  it('an id a saved file lists but lacks is not waited for: the file does not hold it', async () => {
    const result = await runCli(['show', '--file', fixture('xray/awsdocs-put-trace-segments-unprocessed-response.json')])
    const lacking = {Traces: [], UnprocessedTraceIds: ['1-5759e988-bd862e3fe1be46a994272793']}
    const saved = await runCli(['show', '-'], {input: JSON.stringify(lacking)})
    expect(saved.code).toBe(1)
    expect(saved.stderr).toContain('error: the input lists 1 trace it does not hold: 1-5759e988-bd862e3fe1be46a994272793\nTry: fetch it from X-Ray: xtrace show 1-5759e988-bd862e3fe1be46a994272793\n')
    expect(saved.stderr).not.toContain('--wait')
    expect(result.stderr).not.toContain('--wait')
  })

  it('--color colours a pipe; --no-color and the default do not', async () => {
    const forced = await runCli(['show', '--file', fixture(CHECKOUT), '--color'])
    expect(forced.stdout).toMatch(/\u001b\[\d+m/)
    const plain = await runCli(['show', '--file', fixture(CHECKOUT)])
    expect(plain.stdout).not.toContain('\u001b')
    const off = await runCli(['show', '--file', fixture(CHECKOUT), '--no-color'], {env: {FORCE_COLOR: '1'}})
    expect(off.stdout).not.toContain('\u001b')
  })

  it('folds a big trace by default, and --no-collapse / --expand unfold it', async () => {
    const path = fixture('drawn/stepfunctions-map-lambda.batch-get-traces.json')
    const folded = await runCli(['show', '--file', path, '--width', '120'])
    expect(folded.stdout).toMatch(/└─ ProcessOrder × 35 {2}p50 213 ms · max 643 ms · 2 faults/)
    const flat = await runCli(['show', '--file', path, '--width', '120', '--no-collapse'])
    expect(flat.stdout.match(/ProcessOrder\s/g)).toHaveLength(40)
    const expanded = await runCli(['show', '--file', path, '--width', '120', '--expand', 'ProcessOrder'])
    expect(expanded.stdout).toBe(flat.stdout)
    const columns = await runCli(['show', '--file', path, '--width', '120', '--columns', 'offset'])
    expect(columns.stdout).toMatch(/critical path +start +duration/)
    const bad = await runCli(['show', '--file', path, '--columns', 'wide'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^error: --columns wide: expected offset, self, both or none/)
  })

  it('npm run demo draws the Lambda cold-start trace, then names the other sample', () => {
    const out = execFileSync(process.execPath, [`${ROOT}/bin/run.cjs`, 'show', '--file', 'examples/lambda-cold-start.json'], {cwd: ROOT, encoding: 'utf8', env: {...process.env, COLUMNS: '120'}})
    const more = execFileSync(process.execPath, [`${ROOT}/bin/demo-more.js`], {encoding: 'utf8'})
    expect(out.split('\n').length).toBeLessThan(30)
    expect(out).toContain('[cold start]')
    expect(more).toBe('\nAlso bundled: examples/checkout-streamed.json, four traces of a Node.js checkout made with the X-Ray SDK:\n  ./bin/run.cjs show --file examples/checkout-streamed.json --depth 3\n')
  })
})
