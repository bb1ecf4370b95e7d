import type {TraceListing} from '../traces/listing.js'
import type {TraceModel, TraceNode} from '../traces/types.js'
import {distribution, type Distribution, logBuckets} from './percentile.js'
import {compareText} from '../text/compare.js'

/**
 * The figures of `xtrace stats`, computed from what was read: summaries (counts, rates, latency —
 * exact for the window when every summary was listed) and documents (cold starts, where the time
 * goes — from a sample, said so). Every figure carries its source and the number of traces it is
 * computed from. Pure.
 */

export type Source = 'summaries' | 'documents' | 'xray-aggregates'

export interface Rate {
  count: number
  rate: number | null
}

export interface TrafficFigures {
  source: Source
  /** Traces the figures are computed from. */
  sample: number
  /** The figures hold for every trace of the window (not a sample). */
  exact: boolean
  traces: number
  perMinute: number
  faults: Rate
  errors: Rate
  throttles: Rate
  duration: Distribution
  responseTime: Distribution
  histogram: {from: number; to: number; count: number}[]
}

export interface GroupFigures extends TrafficFigures {
  key: string
}

const rate = (count: number, of: number): Rate => ({count, rate: of > 0 ? round(count / of) : null})

export function round(value: number, digits = 6): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

/** Counts, rates and latency of some summaries over a window of `minutes`. */
export function trafficFigures(listings: readonly TraceListing[], minutes: number, exact: boolean): TrafficFigures {
  const durations = listings.map((l) => l.duration).filter((d): d is number => d !== null)
  return {
    source: 'summaries',
    sample: listings.length,
    exact,
    traces: listings.length,
    perMinute: round(listings.length / minutes, 3),
    faults: rate(listings.filter((l) => l.fault).length, listings.length),
    errors: rate(listings.filter((l) => l.error).length, listings.length),
    throttles: rate(listings.filter((l) => l.throttle).length, listings.length),
    duration: distribution(durations),
    responseTime: distribution(listings.map((l) => l.responseTime).filter((d): d is number => d !== null)),
    histogram: logBuckets(durations),
  }
}

export type GroupBy = {kind: 'function'} | {kind: 'status'} | {kind: 'url'} | {kind: 'annotation'; key: string}

export function parseGroupBy(text: string): GroupBy | undefined {
  if (text === 'function' || text === 'status' || text === 'url') return {kind: text}
  const annotation = /^annotation:([A-Za-z0-9_]+)$/.exec(text)
  return annotation ? {kind: 'annotation', key: annotation[1]!} : undefined
}

/** The keys a trace falls under: a trace through two functions counts for both. */
export function groupKeys(listing: TraceListing, by: GroupBy): string[] {
  switch (by.kind) {
    case 'function': {
      const names = [...new Set(listing.services.filter((s) => s.type === 'AWS::Lambda::Function').map((s) => s.name))]
      return names.length > 0 ? names : ['(no function)']
    }
    case 'status':
      return [listing.http?.status === undefined ? '(no status)' : String(listing.http.status)]
    case 'url': {
      const url = listing.http?.url
      if (!url) return ['(no URL)']
      try {
        const parsed = new URL(url)
        return [`${parsed.host}${parsed.pathname}`]
      } catch {
        return [url.split('?')[0]!]
      }
    }
    case 'annotation': {
      const value = listing.annotations?.[by.key]
      if (value === undefined) return ['(not set)']
      return (Array.isArray(value) ? value : [value]).map(String)
    }
  }
}

export function groupFigures(listings: readonly TraceListing[], by: GroupBy, minutes: number, exact: boolean): GroupFigures[] {
  const groups = new Map<string, TraceListing[]>()
  for (const listing of listings) for (const key of groupKeys(listing, by)) groups.set(key, [...(groups.get(key) ?? []), listing])
  return [...groups]
    .map(([key, members]) => ({key, ...trafficFigures(members, minutes, exact)}))
    .sort((a, b) => b.traces - a.traces || compareText(a.key, b.key))
}

export interface ColdFigures {
  source: 'documents'
  /** Traces whose documents were read and had a function segment to tell by. */
  sample: number
  /** Traces of the window the sample was drawn from. */
  of: number
  coldStarts: number
  rate: number | null
  init: Distribution
  latency: {cold: Distribution; warm: Distribution}
}

/** Cold starts of the fetched traces: the function segments (of `functions`, when named) with an Initialization. */
export function coldFigures(models: readonly TraceModel[], functions: readonly string[], of: number): ColdFigures {
  const told: {cold: boolean; init: number | undefined; duration: number | null}[] = []
  for (const trace of models) {
    const invocations = trace.lambda.filter((i) => i.functionSegmentId !== undefined && (functions.length === 0 || functions.includes(i.functionName)))
    if (invocations.length === 0) continue
    const cold = invocations.filter((i) => i.coldStart)
    told.push({cold: cold.length > 0, init: cold.find((i) => i.initDuration !== undefined)?.initDuration, duration: trace.duration})
  }
  const cold = told.filter((t) => t.cold)
  const warm = told.filter((t) => !t.cold)
  const durations = (list: typeof told) => distribution(list.map((t) => t.duration).filter((d): d is number => d !== null))
  return {
    source: 'documents',
    sample: told.length,
    of,
    coldStarts: cold.length,
    rate: told.length > 0 ? round(cold.length / told.length) : null,
    init: distribution(cold.map((t) => t.init).filter((d): d is number => d !== undefined)),
    latency: {cold: durations(cold), warm: durations(warm)},
  }
}

export type NodeCategory = 'downstream' | 'lambda' | 'custom' | 'service'

export interface BreakdownRow {
  name: string
  kind: NodeCategory
  /** Fetched traces that contain it. */
  traces: number
  duration: {p50: number | null; p95: number | null}
  selfTime: {p50: number | null; p95: number | null}
  /** Times it was on the critical path. */
  criticalPath: number
  /** Seconds of its self time spent on the critical path, summed over the traces. */
  criticalTime: number
  /** criticalTime over the summed durations of the fetched traces. */
  share: number | null
}

export interface Breakdown {
  source: 'documents'
  sample: number
  rows: BreakdownRow[]
  /** Rows beyond the top ones. */
  more: number
}

const LAMBDA_PHASES = new Set(['Initialization', 'Invocation', 'Overhead', 'Restore'])

function categoryOf(node: TraceNode, parent: TraceNode | undefined): NodeCategory {
  if (node.kind === 'segment') return node.inferred ? 'downstream' : 'service'
  if (LAMBDA_PHASES.has(node.name) && parent?.origin === 'AWS::Lambda::Function') return 'lambda'
  if ((node.name === 'Dwell Time' || /^Attempt #\d+$/.test(node.name)) && parent?.origin === 'AWS::Lambda') return 'lambda'
  if (node.namespace === 'aws' || node.namespace === 'remote') return 'downstream'
  return 'custom'
}

/**
 * Where the time goes: per node name and kind, over the fetched traces, how often it appears, its
 * duration and self time, how often it sits on the critical path, and what share of all the traces'
 * time its critical self time is. The top `top` by critical time, then how many more.
 */
export function breakdown(models: readonly TraceModel[], top = 15): Breakdown {
  const rows = new Map<string, {name: string; kind: NodeCategory; traces: Set<string>; durations: number[]; selfs: number[]; critical: number; criticalTime: number}>()
  let total = 0
  for (const trace of models) {
    total += trace.duration ?? 0
    const onPath = new Set(trace.criticalPath)
    const stack: [TraceNode, TraceNode | undefined][] = trace.roots.map((root) => [root, undefined])
    while (stack.length > 0) {
      const [node, parent] = stack.pop()!
      for (const child of node.children) stack.push([child, node])
      const kind = categoryOf(node, parent)
      // A function's Lambda service segment and function segment share a name: the origin tells them apart.
      const name = node.kind === 'segment' && node.origin ? `${node.name} (${node.origin})` : node.name
      const key = `${kind}\u0000${name}`
      let row = rows.get(key)
      if (!row) {
        row = {name, kind, traces: new Set(), durations: [], selfs: [], critical: 0, criticalTime: 0}
        rows.set(key, row)
      }
      row.traces.add(trace.id)
      if (node.duration !== null) row.durations.push(node.duration)
      const self = trace.selfTime.get(node.id)
      if (self !== undefined) row.selfs.push(self)
      if (onPath.has(node.id)) {
        row.critical++
        row.criticalTime += self ?? 0
      }
    }
  }
  const all = [...rows.values()]
    .map((row): BreakdownRow => {
      const d = distribution(row.durations)
      const s = distribution(row.selfs)
      return {
        name: row.name,
        kind: row.kind,
        traces: row.traces.size,
        duration: {p50: d.p50, p95: d.p95},
        selfTime: {p50: s.p50, p95: s.p95},
        criticalPath: row.critical,
        criticalTime: round(row.criticalTime),
        share: total > 0 ? round(row.criticalTime / total, 4) : null,
      }
    })
    .sort((a, b) => b.criticalTime - a.criticalTime || b.traces - a.traces || compareText(a.name, b.name))
  return {source: 'documents', sample: models.length, rows: all.slice(0, top), more: Math.max(0, all.length - top)}
}

/** `count` ids of `ids` drawn at random with a seeded generator (mulberry32, partial Fisher-Yates): the same seed, the same sample. */
export function sampleIds(ids: readonly string[], count: number, seed: number): string[] {
  if (count >= ids.length) return [...ids]
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pool = [...ids]
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(next() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
  }
  return pool.slice(0, count)
}
