import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {runCli, STACK_TRACE} from '../harness/cli.js'
import {awsClientsLoaded, MODULE_SPY} from '../harness/modules.js'
import {LocalAws} from '../harness/local-aws.js'
import {generateTraffic, type ManifestTrace} from '../harness/traffic.js'

/**
 * `xtrace traces` and `xtrace show --function` through the binary, against the local endpoint's
 * GetTraceSummaries (summaries computed from stored documents, a real parser for the documented subset
 * of the filter language), on generated Lambda traffic whose manifest says what each trace is. Every
 * expected answer is computed from the manifest, not from the endpoint.
 */

const aws = new LocalAws()
const now = Date.now() / 1000
const traffic = generateTraffic({count: 240, seed: 11, start: now - 3 * 3600, end: now - 30})
const manifest = traffic.manifest

interface ListingJson {
  window: {start: string; end: string}
  filter: string | null
  traces: {id: string; startTime: number; duration: number; responseTime: number; http?: {method?: string; url?: string; status?: number}; fault: boolean; error: boolean; throttle: boolean; partial: boolean; entryPoint?: {name: string}; coldStart?: boolean | null; initDuration?: number}[]
  processed: number
  truncated: boolean
  sampled: boolean
}

function traces(args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(['traces', ...args, '--endpoint-url', aws.url], {env: {TZ: 'UTC', ...env}, timeoutMs: 60_000})
}

async function listed(args: string[]): Promise<ListingJson> {
  const result = await traces([...args, '--json'])
  expect(result.stderr).not.toMatch(STACK_TRACE)
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as ListingJson
}

/** Newest first, as xtrace lists by default. */
const newestFirst = (items: ManifestTrace[]) => [...items].sort((a, b) => b.start - a.start).map((t) => t.id)

beforeAll(async () => {
  await aws.start()
  for (const documents of traffic.documents.values()) aws.addDocuments(documents)
})
afterAll(() => aws.stop())
afterEach(() => {
  aws.clearFaults()
  aws.requests.length = 0
  aws.summariesPerPage = 50
  aws.maxSummaryWindowSeconds = 24 * 3600
})

describe('xtrace traces: every filter flag against the manifest', () => {
  const everything = ['--since', '4h', '--limit', '0']
  const cases: [string, string[], (t: ManifestTrace) => boolean][] = [
    ['a function', ['orders-api'], (t) => t.function === 'orders-api'],
    ['two functions (OR), one given as an ARN', ['orders-api', 'arn:aws:lambda:us-east-1:123456789012:function:billing-api'], (t) => t.function !== 'orders-worker'],
    ['--errors', ['--errors'], (t) => t.error],
    ['--faults', ['--faults'], (t) => t.fault],
    ['--throttles', ['--throttles'], (t) => t.throttle],
    ['--faults --throttles (either)', ['--faults', '--throttles'], (t) => t.fault || t.throttle],
    ['--ok', ['--ok'], (t) => !t.error && !t.fault && !t.throttle],
    ['--status 5xx', ['--status', '5xx'], (t) => t.status >= 500 && t.status <= 599],
    ['--status 429 --status 404', ['--status', '429', '--status', '404'], (t) => t.status === 429 || t.status === 404],
    ['--slower-than 1s', ['--slower-than', '1s'], (t) => t.duration > 1],
    ['--response-slower-than 500ms', ['--response-slower-than', '500ms'], (t) => t.responseTime > 0.5],
    ['--annotation tier=gold (a string)', ['--annotation', 'tier=gold'], (t) => t.annotations.tier === 'gold'],
    ['--annotation customer=7 (a number)', ['--annotation', 'customer=7'], (t) => t.annotations.customer === 7],
    ['--annotation beta=true (a boolean)', ['--annotation', 'beta=true'], (t) => t.annotations.beta],
    ['--url-contains', ['--url-contains', '/orders/1'], (t) => (t.url ?? '').includes('/orders/1')],
    ['--method post', ['--method', 'post'], (t) => t.method === 'POST'],
    ['--user', ['--user', 'user-3'], (t) => t.user === 'user-3'],
    ['a function with --faults --method GET', ['orders-api', '--faults', '--method', 'GET'], (t) => t.function === 'orders-api' && t.fault && t.method === 'GET'],
    ['a raw --filter AND-ed with a flag', ['--filter', 'annotation.tier = "gold" OR annotation.beta = true', '--ok'], (t) => (t.annotations.tier === 'gold' || t.annotations.beta) && !t.error && !t.fault && !t.throttle],
  ]
  it.each(cases)('%s', async (_name, args, predicate) => {
    const expected = newestFirst(manifest.filter(predicate))
    expect(expected.length, 'the traffic holds some').toBeGreaterThan(0)
    const json = await listed([...args, ...everything])
    expect(json.traces.map((t) => t.id)).toEqual(expected)
    expect(json.truncated).toBe(false)
  })

  it('lists what each summary says, as the documented JSON', async () => {
    const json = await listed(everything)
    expect(Object.keys(json)).toEqual(['window', 'filter', 'traces', 'processed', 'truncated', 'sampled'])
    expect(json.processed).toBe(manifest.length)
    for (const item of json.traces) {
      const truth = manifest.find((t) => t.id === item.id)!
      expect(item.startTime).toBeCloseTo(truth.start, 3)
      expect(item.duration).toBeCloseTo(truth.duration, 3)
      expect(item.responseTime).toBeCloseTo(truth.responseTime, 3)
      expect({fault: item.fault, error: item.error, throttle: item.throttle, status: item.http?.status, method: item.http?.method, url: item.http?.url}).toEqual({
        fault: truth.fault, error: truth.error, throttle: truth.throttle, status: truth.status, method: truth.method, url: truth.url,
      })
      expect(item.coldStart).toBeUndefined()
    }
  })

  it('splits the window into chunks, follows every page, and halves a chunk X-Ray refuses as too long', async () => {
    aws.summariesPerPage = 7
    aws.maxSummaryWindowSeconds = 1800
    const json = await listed(everything)
    expect(json.traces.map((t) => t.id)).toEqual(newestFirst(manifest))
    const calls = aws.calls('GetTraceSummaries').map((r) => JSON.parse(r.body) as {StartTime: number; EndTime: number; NextToken?: string})
    expect(calls.some((c) => c.NextToken)).toBe(true)
    expect(calls.every((c, i) => i === 0 || c.EndTime <= calls[i - 1]!.EndTime)).toBe(true)
  })

  it('stops at --limit, newest first, and says the listing was cut', async () => {
    const json = await listed(['--since', '4h', '--limit', '5'])
    expect(json.traces.map((t) => t.id)).toEqual(newestFirst(manifest).slice(0, 5))
    expect(json.truncated).toBe(true)
    const slowest = await listed(['--since', '4h', '--limit', '3', '--sort', '-duration'])
    expect(slowest.traces.map((t) => t.id)).toEqual([...manifest].sort((a, b) => b.duration - a.duration).slice(0, 3).map((t) => t.id))
  })

  it('--cold and --warm read the documents and keep what they say, with the init duration', async () => {
    const cold = await listed(['orders-api', '--cold', '--since', '4h', '--limit', '0'])
    const truth = manifest.filter((t) => t.function === 'orders-api' && t.cold)
    expect(cold.traces.map((t) => t.id)).toEqual(newestFirst(truth))
    for (const item of cold.traces) expect(item.initDuration).toBeCloseTo(manifest.find((t) => t.id === item.id)!.initDuration!, 3)
    const warm = await listed(['orders-api', '--warm', '--since', '4h', '--limit', '0'])
    expect(warm.traces.map((t) => t.id)).toEqual(newestFirst(manifest.filter((t) => t.function === 'orders-api' && !t.cold)))
    const annotated = await listed(['--with-docs', '--since', '4h', '--limit', '10'])
    expect(annotated.traces.map((t) => t.coldStart)).toEqual(newestFirst(manifest).slice(0, 10).map((id) => manifest.find((t) => t.id === id)!.cold))
  })
})

describe('xtrace traces: output', () => {
  it('on a pipe: a header line, then one tab-separated line per trace; --ids prints ids only', async () => {
    const text = await traces(['orders-api', '--since', '4h', '--limit', '3'])
    const lines = text.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('id\tstart\tduration\tresponse_time\tmethod\tstatus\tfault\terror\tthrottle\tpartial\tentry\tentry_type\tcold\tinit_duration\turl')
    expect(lines).toHaveLength(4)
    const first = manifest.find((t) => t.id === lines[1]!.split('\t')[0])!
    expect(lines[1]!.split('\t')).toEqual([first.id, new Date(first.start * 1000).toISOString(), String(Math.round(first.duration * 1000) / 1000), String(Math.round(first.responseTime * 1000) / 1000), first.method, String(first.status), String(first.fault), String(first.error), String(first.throttle), 'false', 'orders-api-gateway/prod', 'AWS::ApiGateway::Stage', '', '', first.url])
    const ids = await traces(['orders-api', '--since', '4h', '--limit', '3', '--ids'])
    expect(ids.stdout).toBe(lines.slice(1).map((line) => `${line.split('\t')[0]}\n`).join(''))
  })

  it('feeds xtrace show -: ids, or the tab-separated lines', async () => {
    const ids = await traces(['--faults', '--since', '4h', '--limit', '2', '--ids'])
    const shown = await runCli(['show', '-', '--endpoint-url', aws.url, '--width', '100'], {input: ids.stdout})
    expect(shown.code, shown.stderr).toBe(0)
    for (const id of ids.stdout.trim().split('\n')) expect(shown.stdout).toContain(`Trace ${id}`)
    const tsv = await traces(['--faults', '--since', '4h', '--limit', '2'])
    const again = await runCli(['show', '-', '--endpoint-url', aws.url, '--width', '100'], {input: tsv.stdout})
    expect(again.stdout).toBe(shown.stdout)
  })

  it('says so when nothing matches, with the window, the filter and a hint', async () => {
    const result = await traces(['ghost-fn'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('id\tstart\tduration\tresponse_time\tmethod\tstatus\tfault\terror\tthrottle\tpartial\tentry\tentry_type\tcold\tinit_duration\turl\n')
    expect(result.stderr).toMatch(/^no traces from \S+ to \S+ matching service\(id\(name: "ghost-fn", type: "AWS::Lambda::Function"\)\)\nTry: is tracing Active and are traces arriving\? xtrace doctor ghost-fn\n$/)
    const json = await listed(['ghost-fn'])
    expect(json.traces).toEqual([])
  })

  it('--print-filter shows the expression, quoted and escaped, without calling AWS', async () => {
    aws.requests.length = 0
    const result = await traces(['orders-api', 'billing-api', '--faults', '--annotation', 'note=say "hi" \\o/', '--slower-than', '1.5s', '--print-filter'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(
      '(service(id(name: "orders-api", type: "AWS::Lambda::Function")) OR service(id(name: "billing-api", type: "AWS::Lambda::Function"))) AND fault AND duration > 1.5 AND annotation.note = "say \\"hi\\" \\\\o/"\n',
    )
    expect(aws.requests).toHaveLength(0)
  })

  it('a name with quotes and backslashes cannot break out of the expression', async () => {
    const json = await listed(['orders-api") OR service("billing-api', '--since', '4h', '--limit', '0'])
    expect(json.traces).toEqual([])
  })
})

describe('xtrace traces: bad input', () => {
  it.each([
    [['--since', '5x'], /^error: --since 5x: expected a duration like 90s, 15m, 2h or 3d/],
    [['--start', '-1h', '--end', '-2h'], /^error: the window ends before it starts/],
    [['--start', '2099-01-01T00:00:00Z'], /^error: the window starts in the future/],
    [['--status', '7xx'], /^error: --status 7xx: expected an HTTP status \(100 to 599\) or a class like 5xx/],
    [['--annotation', 'tier'], /^error: --annotation tier: expected KEY=VALUE/],
    [['--annotation', 'bad-key=1'], /^error: --annotation bad-key=1: an annotation key holds only letters, digits and underscores/],
    [['--start', '-40d', '--end', '-35d'], /^error: the window ends 35 days ago: X-Ray keeps traces for 30 days/],
    [['--since', '1h', '--start', '-2h'], /^error: --since cannot be combined with --start or --end/],
    [['--ok', '--faults'], /^error: --ok cannot be combined with --errors, --faults or --throttles/],
    [['--cold', '--warm'], /^error: --warm=true cannot also be provided when using --cold|^error: .*cannot also be provided/],
  ])('%j exits 2 with the reason', async (args, message) => {
    const result = await traces(args)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).toMatch(/\nTry: /)
  })

  it('an expression X-Ray refuses: exit 2, with X-Ray\'s message and the expression', async () => {
    const result = await traces(['--filter', 'duration >> 2'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error: X-Ray refused the filter expression: Invalid filter expression: .+\n {2}expression: duration >> 2\nTry: /)
  })

  it('a window that reaches past 30 days is searched from the oldest day X-Ray keeps, and says so', async () => {
    const result = await traces(['--since', '40d', '--limit', '1'])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/note: the window starts before X-Ray's 30 days of retention: searching from /)
  })
})

describe('xtrace show --function', () => {
  it('draws the newest matching trace, the slowest, or the N newest', async () => {
    const latest = await runCli(['show', '--function', 'orders-api', '--since', '4h', '--endpoint-url', aws.url, '--width', '100'])
    expect(latest.code, latest.stderr).toBe(0)
    const newest = newestFirst(manifest.filter((t) => t.function === 'orders-api'))
    expect(latest.stdout).toContain(`Trace ${newest[0]}`)
    expect(latest.stdout.match(/^Trace /gm)).toHaveLength(1)
    const slowest = await runCli(['show', '--function', 'orders-api', '--faults', '--slowest', '--since', '4h', '--endpoint-url', aws.url, '--json'])
    const worst = [...manifest].filter((t) => t.function === 'orders-api' && t.fault).sort((a, b) => b.duration - a.duration)[0]!
    expect((JSON.parse(slowest.stdout) as {traces: {id: string}[]}).traces.map((t) => t.id)).toEqual([worst.id])
    const three = await runCli(['show', '--function', 'billing-api', '--count', '3', '--since', '4h', '--endpoint-url', aws.url, '--json'])
    expect((JSON.parse(three.stdout) as {traces: {id: string}[]}).traces.map((t) => t.id)).toEqual(newestFirst(manifest.filter((t) => t.function === 'billing-api')).slice(0, 3))
  })

  it('says when no trace matches, exit 1, and refuses --slowest without a search', async () => {
    const none = await runCli(['show', '--function', 'ghost-fn', '--endpoint-url', aws.url])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^error: no traces from \S+ to \S+ matching service\(id\(name: "ghost-fn"/)
    const alone = await runCli(['show', '--slowest'])
    expect(alone.code).toBe(2)
    expect(alone.stderr).toMatch(/^error: --slowest and --count pick among the traces of a search/)
  })
})

describe('modules loaded', () => {
  // traces, show --function and tail need X-Ray only: no other AWS client is loaded (issue 16).
  const loaded = async (args: string[]) => {
    const spy = join(mkdtempSync(join(tmpdir(), 'xtrace-spy-')), 'modules.txt')
    writeFileSync(spy, '')
    const result = await runCli([...args, '--endpoint-url', aws.url], {env: {TZ: 'UTC', NODE_OPTIONS: `--import ${MODULE_SPY}`, XTRACE_MODULE_SPY: spy}, timeoutMs: 60_000})
    return {result, clients: awsClientsLoaded(readFileSync(spy, 'utf8'))}
  }

  it('traces, show --function and --cold load the X-Ray client and no other', async () => {
    for (const args of [['traces', 'orders-api', '--since', '4h'], ['traces', '--since', '4h', '--cold', '--limit', '3'], ['show', '--function', 'orders-api', '--since', '4h']]) {
      const {result, clients} = await loaded(args)
      expect(result.code, args.join(' ')).toBe(0)
      expect(clients, args.join(' ')).toEqual(['@aws-sdk/client-xray'])
    }
  })
})
