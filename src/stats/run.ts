import type {XRayClient} from '@aws-sdk/client-xray'

import {fetchServiceGraph, type GraphNode} from '../map/graph.js'
import {fetchModels} from '../traces/documents.js'
import {listTraces} from '../traces/list.js'
import type {TraceListing} from '../traces/listing.js'
import type {TimeRangeType} from '../traces/search.js'
import type {TimeWindow} from '../traces/window.js'
import type {TraceModel} from '../traces/types.js'
import {breakdown, type Breakdown, coldFigures, type ColdFigures, groupFigures, type GroupBy, type GroupFigures, round, sampleIds, type TrafficFigures, trafficFigures} from './figures.js'
import {histogramDistribution, logBuckets} from './percentile.js'

/**
 * The service behind `xtrace stats`: list the window's summaries (exact counts, rates and latency),
 * fetch the documents of a seeded random sample (cold starts, where the time goes), and, when the
 * window holds more traces than are worth listing, take counts, rates and latency from X-Ray's own
 * aggregates (the service graph) instead. Never prints.
 */

export interface StatsRequest {
  window: TimeWindow
  filter?: string
  timeRangeType: TimeRangeType
  functions: string[]
  by?: GroupBy
  /** Traces whose documents are read at most. */
  docs: number
  seed: number
  /** Above this many summaries, listing stops and X-Ray's aggregates take over. */
  maxTraces: number
  onProgress?: (text: string) => void
  signal?: AbortSignal
}

export interface StatsResult {
  traffic: TrafficFigures
  groups?: GroupFigures[]
  coldStarts?: ColdFigures
  breakdown?: Breakdown
  /**
   * `incomplete`: of those fetched, traces X-Ray marks LimitExceeded (cut at its size quota: their cold start and
   * where their time goes are read from what was stored).
   */
  documents: {requested: number; fetched: number; missing: number; incomplete: number; seed: number; from: number; fromAll: boolean}
}

/** Documents are fetched this many traces at a time (five BatchGetTraces calls). */
const GROUP = 25

export async function collectStats(client: XRayClient, request: StatsRequest): Promise<StatsResult> {
  const minutes = Math.max(1 / 60, (request.window.end - request.window.start) / 60)
  const listings: TraceListing[] = []
  const outcome = await listTraces(
    client,
    {window: request.window, ...(request.filter ? {filter: request.filter} : {}), timeRangeType: request.timeRangeType, sample: false, limit: request.maxTraces + 1, sort: '-start', documents: 'none', functions: [], ...(request.signal ? {signal: request.signal} : {})},
    (page) => {
      listings.push(...page)
      request.onProgress?.(`listing traces: ${listings.length}`)
    },
  )
  const complete = !outcome.truncated && listings.length <= request.maxTraces
  if (!complete) listings.length = Math.min(listings.length, request.maxTraces)
  let traffic: TrafficFigures
  if (complete) {
    traffic = trafficFigures(listings, minutes, true)
  } else {
    request.onProgress?.('reading X-Ray\'s aggregates (the service graph)')
    traffic = aggregateFigures(await fetchServiceGraph(client, request.window), request.functions, minutes)
  }
  const result: StatsResult = {
    traffic,
    documents: {requested: request.docs, fetched: 0, missing: 0, incomplete: 0, seed: request.seed, from: listings.length, fromAll: complete},
  }
  if (request.by) result.groups = groupFigures(listings, request.by, minutes, complete)

  const chosen = sampleIds(listings.map((l) => l.id), request.docs, request.seed)
  const models: TraceModel[] = []
  for (let i = 0; i < chosen.length; i += GROUP) {
    if (request.signal?.aborted) break
    const group = chosen.slice(i, i + GROUP)
    try {
      const model = await fetchModels(client, group)
      models.push(...model.traces)
      result.documents.missing += group.length - model.traces.length
    } catch {
      // Throttled past the SDK's retries, or refused: those traces are missing, and said to be.
      result.documents.missing += group.length
    }
    request.onProgress?.(`reading documents: ${Math.min(i + GROUP, chosen.length)} of ${chosen.length}`)
  }
  result.documents.fetched = models.length
  result.documents.incomplete = models.filter((model) => model.limitExceeded).length
  if (chosen.length > 0) {
    result.coldStarts = coldFigures(models, request.functions, complete ? listings.length : traffic.traces)
    result.breakdown = breakdown(models)
  }
  return result
}

/** Counts, rates and latency from the service graph: the named functions' nodes, or the entry points. */
export function aggregateFigures(graph: {nodes: GraphNode[]}, functions: readonly string[], minutes: number): TrafficFigures {
  const nodes = functions.length > 0 ? graph.nodes.filter((n) => n.type === 'AWS::Lambda::Function' && functions.includes(n.name)) : graph.nodes.filter((n) => n.root)
  const sum = (pick: (n: GraphNode) => number) => nodes.reduce((total, n) => total + pick(n), 0)
  const requests = sum((n) => n.requests)
  const merged = (pick: (n: GraphNode) => {value: number; count: number}[]) => nodes.flatMap(pick)
  const durations = merged((n) => n.duration)
  const rate = (count: number) => ({count, rate: requests > 0 ? round(count / requests) : null})
  return {
    source: 'xray-aggregates',
    sample: requests,
    exact: true,
    traces: requests,
    perMinute: round(requests / minutes, 3),
    faults: rate(sum((n) => n.faults)),
    errors: rate(sum((n) => n.errors + n.throttles)),
    throttles: rate(sum((n) => n.throttles)),
    duration: histogramDistribution(durations),
    responseTime: histogramDistribution(merged((n) => n.responseTime)),
    histogram: logBuckets(durations.map((h) => h.value), durations.map((h) => h.count)),
  }
}
