import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {runCli, STACK_TRACE} from '../harness/cli.js'
import {LocalAws} from '../harness/local-aws.js'
import {generateTraffic, type ManifestTrace} from '../harness/traffic.js'

/**
 * `xtrace stats` and `xtrace map` through the binary, against the local endpoint's GetTraceSummaries,
 * BatchGetTraces and GetServiceGraph (computed from the stored documents), on generated Lambda
 * traffic. Every expected figure is computed here from the manifest, with its own nearest-rank
 * percentile, not from the endpoint.
 */

const aws = new LocalAws()
const now = Date.now() / 1000
const traffic = generateTraffic({count: 150, seed: 17, start: now - 3 * 3600, end: now - 30})
const manifest = traffic.manifest

beforeAll(async () => {
  await aws.start()
  for (const documents of traffic.documents.values()) aws.addDocuments(documents)
})
afterAll(() => aws.stop())
afterEach(() => {
  aws.clearFaults()
  aws.servicesPerPage = 100
})

/** The reference: rank ⌈p·n⌉ of the sorted values (values rounded to the millisecond, as summaries are). */
function reference(values: number[], p: number): number | null {
  const sorted = values.map((v) => Math.round(v * 1000) / 1000).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!
}

function expectedDistribution(values: number[]) {
  return {count: values.length, p50: reference(values, 50), p90: reference(values, 90), p95: reference(values, 95), p99: reference(values, 99), max: reference(values, 100)}
}

const ms = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 1000)
const roundedDistribution = (d: Record<string, number | null>) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, k === 'count' ? v : ms(v)]))

interface Traffic {
  source: string
  sample: number
  exact: boolean
  traces: number
  perMinute: number
  faults: {count: number; rate: number | null}
  errors: {count: number; rate: number | null}
  throttles: {count: number; rate: number | null}
  duration: Record<string, number | null>
  responseTime: Record<string, number | null>
}
interface StatsJson {
  window: {minutes: number}
  traffic: Traffic
  groups?: (Traffic & {key: string})[]
  coldStarts?: {source: string; sample: number; of: number; coldStarts: number; rate: number; init: Record<string, number | null>}
  breakdown?: {source: string; sample: number; rows: {name: string; kind: string; traces: number; criticalPath: number}[]; more: number}
  documents: {requested: number; fetched: number; missing: number; incomplete: number; seed: number; from: number; fromAll: boolean}
}

async function stats(args: string[]): Promise<StatsJson> {
  const result = await runCli(['stats', '--since', '4h', ...args, '--json', '--endpoint-url', aws.url], {timeoutMs: 60_000})
  expect(result.stdout + result.stderr).not.toMatch(STACK_TRACE)
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as StatsJson
}

function expectTraffic(actual: Traffic, truth: ManifestTrace[]) {
  expect(actual.traces).toBe(truth.length)
  expect(actual.perMinute).toBe(Math.round((truth.length / 240) * 1000) / 1000)
  expect(actual.faults.count).toBe(truth.filter((t) => t.fault).length)
  expect(actual.errors.count).toBe(truth.filter((t) => t.error).length)
  expect(actual.throttles.count).toBe(truth.filter((t) => t.throttle).length)
  expect(roundedDistribution(actual.duration)).toEqual(expectedDistribution(truth.map((t) => t.duration)))
  expect(roundedDistribution(actual.responseTime)).toEqual(expectedDistribution(truth.map((t) => t.responseTime)))
}

describe('xtrace stats against the manifest', () => {
  it('counts, rates and percentiles of the whole window, exact; cold starts from every document', async () => {
    const json = await stats(['--docs', '1000'])
    expect(json.traffic).toMatchObject({source: 'summaries', exact: true, sample: manifest.length})
    expectTraffic(json.traffic, manifest)
    expect(json.documents).toEqual({requested: 1000, fetched: manifest.length, missing: 0, incomplete: 0, seed: 1, from: manifest.length, fromAll: true})
    const cold = manifest.filter((t) => t.cold)
    expect(json.coldStarts).toMatchObject({source: 'documents', sample: manifest.length, of: manifest.length, coldStarts: cold.length})
    expect(roundedDistribution(json.coldStarts!.init)).toEqual(expectedDistribution(cold.map((t) => t.initDuration!)))
    // Where the time goes: every trace holds the handler and its DynamoDB call; only cold ones Initialization.
    const row = (name: string) => json.breakdown!.rows.find((r) => r.name === name)
    expect(row('handler')).toMatchObject({kind: 'custom', traces: manifest.length})
    expect(row('DynamoDB')).toMatchObject({kind: 'downstream', traces: manifest.length})
    expect(row('Initialization')).toMatchObject({kind: 'lambda', traces: cold.length, criticalPath: cold.length})
  })

  it('per function, per status and per annotation', async () => {
    const byFunction = await stats(['--by', 'function', '--docs', '0'])
    for (const group of byFunction.groups!) expectTraffic(group, manifest.filter((t) => t.function === group.key))
    const byStatus = await stats(['--by', 'status', '--docs', '0'])
    for (const group of byStatus.groups!) expectTraffic(group, manifest.filter((t) => String(t.status) === group.key))
    const byTier = await stats(['orders-api', '--by', 'annotation:tier', '--docs', '0'])
    for (const group of byTier.groups!) expectTraffic(group, manifest.filter((t) => t.function === 'orders-api' && t.annotations.tier === group.key))
    expect(byTier.groups!.map((g) => g.key).sort()).toEqual(['gold', 'silver'])
  })

  it('a sampled run says so; the summary figures stay exact', async () => {
    const json = await stats(['--docs', '20', '--seed', '7'])
    expectTraffic(json.traffic, manifest)
    expect(json.documents).toMatchObject({requested: 20, fetched: 20, seed: 7, from: manifest.length})
    expect(json.coldStarts).toMatchObject({sample: 20, of: manifest.length})
    const again = await stats(['--docs', '20', '--seed', '7'])
    expect(again.coldStarts).toEqual(json.coldStarts)
  })

  it('a window too large to list takes counts and latency from X-Ray\'s aggregates, and says so', async () => {
    const json = await stats(['--max-traces', '10', '--docs', '5'])
    expect(json.traffic.source).toBe('xray-aggregates')
    expect(json.traffic.traces).toBe(manifest.length)
    expect(json.traffic.faults.count).toBe(manifest.filter((t) => t.fault).length)
    expect(json.traffic.throttles.count).toBe(manifest.filter((t) => t.throttle).length)
    expect(json.documents).toMatchObject({from: 10, fromAll: false, fetched: 5})
    const text = await runCli(['stats', '--since', '4h', '--max-traces', '10', '--docs', '5', '--endpoint-url', aws.url])
    expect(text.stdout).toContain('from X-Ray\'s aggregates (the service graph): the window holds more traces than --max-traces')
    expect(text.stdout).toContain('from the documents of 5 of more than 10 traces (a random sample, seed 1)')
  })

  it('throttled documents are retried, and those that stay missing are counted, not lost', async () => {
    aws.inject({kind: 'throttle', operation: 'BatchGetTraces'})
    const json = await stats(['--docs', '10'])
    expectTraffic(json.traffic, manifest)
    expect(json.documents).toMatchObject({fetched: 0, missing: 10})
    const text = await runCli(['stats', '--since', '4h', '--docs', '10', '--endpoint-url', aws.url], {env: {AWS_MAX_ATTEMPTS: '2'}})
    expect(text.stdout).toContain('; 10 traces could not be read')
  })

  it('counts the traces X-Ray cut at its size quota (LimitExceeded) among the documents read', async () => {
    const cut = manifest.slice(0, 3).map((t) => t.id)
    for (const id of cut) aws.limitExceeded.add(id)
    try {
      const json = await stats(['--docs', '1000'])
      expect(json.documents).toMatchObject({fetched: manifest.length, missing: 0, incomplete: 3})
      const text = await runCli(['stats', '--since', '4h', '--docs', '1000', '--endpoint-url', aws.url])
      expect(text.stdout).toContain("; 3 traces incomplete (cut at X-Ray's size quota, LimitExceeded)")
    } finally {
      aws.limitExceeded.clear()
    }
  })

  it('a window without traffic says so, exit 0; bad input exits 2', async () => {
    const empty = await runCli(['stats', 'ghost-fn', '--endpoint-url', aws.url])
    expect(empty.code).toBe(0)
    expect(empty.stderr).toMatch(/^no traces in \S+ to \S+ matching service\(id\(name: "ghost-fn"/)
    for (const [args, message] of [[['--by', 'colour'], /--by colour: expected function, status, url or annotation:KEY/], [['--since', '5x'], /--since 5x/], [['--status', '7xx'], /--status 7xx/]] as const) {
      const bad = await runCli(['stats', ...args, '--endpoint-url', aws.url])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(message)
    }
  })
})

interface MapJson {
  nodes: {id: string; name: string; type: string; requests: number; faults: number; errors: number; throttles: number; responseTime: {avg: number | null; p95: number | null}}[]
  edges: {from: string; to: string; requests: number; faults: number; errors: number; throttles: number; responseTime: {avg: number | null; p95: number | null}}[]
}

describe('xtrace map against the manifest', () => {
  const map = async (args: string[]) => {
    const result = await runCli(['map', '--since', '4h', ...args, '--json', '--endpoint-url', aws.url])
    expect(result.code, result.stderr).toBe(0)
    return JSON.parse(result.stdout) as MapJson
  }

  it('every node and edge, with its counts and response times', async () => {
    aws.servicesPerPage = 3
    const json = await map([])
    const node = (id: string) => json.nodes.find((n) => n.id === id)
    const edge = (from: string, to: string) => json.edges.find((e) => e.from === from && e.to === to)
    const avg = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length
    for (const fn of ['orders-api', 'billing-api', 'orders-worker']) {
      const mine = manifest.filter((t) => t.function === fn)
      const gateway = `${fn}-gateway/prod|AWS::ApiGateway::Stage`
      if (fn !== 'orders-worker') {
        expect(node(gateway)).toMatchObject({requests: mine.length, faults: mine.filter((t) => t.fault).length, errors: mine.filter((t) => t.error && !t.throttle).length, throttles: mine.filter((t) => t.throttle).length})
        expect(node(gateway)!.responseTime.avg).toBeCloseTo(avg(mine.map((t) => t.duration)), 2)
        expect(node(gateway)!.responseTime.p95).toBe(reference(mine.map((t) => t.duration), 95))
        expect(edge(`${fn}-gateway/prod|client`, gateway)).toMatchObject({requests: mine.length})
        expect(edge(gateway, `${fn}|AWS::Lambda`)).toMatchObject({requests: mine.length, faults: mine.filter((t) => t.fault).length})
      } else {
        expect(edge(`${fn}|client`, `${fn}|AWS::Lambda`)).toMatchObject({requests: mine.length})
      }
      expect(node(`${fn}|AWS::Lambda`)).toMatchObject({requests: mine.length})
      expect(node(`${fn}|AWS::Lambda::Function`)).toMatchObject({requests: mine.length, faults: mine.filter((t) => t.fault).length})
      expect(edge(`${fn}|AWS::Lambda`, `${fn}|AWS::Lambda::Function`)).toMatchObject({requests: mine.length})
      expect(edge(`${fn}|AWS::Lambda::Function`, 'DynamoDB|AWS::DynamoDB::Table')).toMatchObject({requests: mine.length})
    }
    expect(node('DynamoDB|AWS::DynamoDB::Table')).toMatchObject({requests: manifest.length})
    expect(json.nodes).toHaveLength(2 * 2 + 3 * 2 + 1 + 1)
  })

  it('a function\'s neighbourhood, and --problems', async () => {
    const near = await map(['orders-worker', '--depth', '1'])
    expect(near.nodes.map((n) => n.id).sort()).toEqual(['DynamoDB|AWS::DynamoDB::Table', 'orders-worker|AWS::Lambda', 'orders-worker|AWS::Lambda::Function', 'orders-worker|client'])
    const problems = await map(['--problems'])
    // The async worker never fails: neither it nor its client is on the problems map.
    expect(problems.nodes.some((n) => n.name === 'orders-worker')).toBe(false)
    expect(problems.nodes.some((n) => n.id === 'orders-api-gateway/prod|AWS::ApiGateway::Stage')).toBe(true)
  })

  it('draws the tree at 80 and 120 columns, names the Lambda pair apart, refers back to a node seen twice', async () => {
    for (const width of [80, 120]) {
      const result = await runCli(['map', '--since', '4h', '--endpoint-url', aws.url], {env: {COLUMNS: String(width)}})
      expect(result.code).toBe(0)
      for (const line of result.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(width)
      expect(result.stdout).toMatch(/└─ orders-worker Lambda service( ← \d+ calls, p95 [\d.]+ m?s)? +\d+ /)
      expect(result.stdout).toMatch(/└─ orders-worker function/)
      expect(result.stdout).toMatch(/└─ DynamoDB( AWS::DynamoDB::Table)? ↺ see above/)
      expect(result.stdout.trimEnd().split('\n').pop()).toMatch(/^12 nodes, 11 edges; \d+ with faults, errors or throttles \(X-Ray's service graph\)$/)
    }
  })
})
