import type {Service, XRayClient} from '@aws-sdk/client-xray'

import {mapAwsError} from '../aws/errors.js'
import {UsageError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {histogramDistribution} from '../stats/percentile.js'
import {MAX_CHUNK_SECONDS, type TimeWindow} from '../traces/window.js'

/**
 * X-Ray's service graph (GetServiceGraph) over a window: every page (the SDK's paginator), in chunks of
 * at most 6 hours merged into one graph — the same call limit as trace searches, halved again when X-Ray
 * refuses a chunk as too long. Nodes and edges are kept with X-Ray's own counts and histograms.
 */

export interface Histogram {
  value: number
  count: number
}

export interface GraphCounts {
  requests: number
  ok: number
  /** 4xx answers other than 429. */
  errors: number
  /** 429 answers. */
  throttles: number
  faults: number
  /** Seconds, summed over the requests. */
  totalResponseTime: number
  responseTime: Histogram[]
}

export interface GraphNode extends GraphCounts {
  /** `name|type`: stable across chunks (X-Ray's reference ids are not). */
  id: string
  name: string
  type: string
  root: boolean
  duration: Histogram[]
}

export interface GraphEdge extends GraphCounts {
  from: string
  to: string
}

export interface ServiceGraph {
  window: TimeWindow
  nodes: GraphNode[]
  edges: GraphEdge[]
}

const key = (name: string, type: string) => `${name}|${type}`

function emptyCounts(): GraphCounts {
  return {requests: 0, ok: 0, errors: 0, throttles: 0, faults: 0, totalResponseTime: 0, responseTime: []}
}

function addHistogram(into: Histogram[], entries: {Value?: number; Count?: number}[] | undefined): void {
  for (const entry of entries ?? []) {
    if (entry.Value === undefined || !entry.Count) continue
    const existing = into.find((h) => h.value === entry.Value)
    if (existing) existing.count += entry.Count
    else into.push({value: entry.Value, count: entry.Count})
  }
}

function addStatistics(into: GraphCounts, stats: Service['SummaryStatistics'] | undefined, histogram: {Value?: number; Count?: number}[] | undefined): void {
  if (!stats) return
  into.requests += stats.TotalCount ?? 0
  into.ok += stats.OkCount ?? 0
  // X-Ray counts a 429 among the 4xx errors: here errors are the other 4xx, throttles the 429s.
  into.throttles += stats.ErrorStatistics?.ThrottleCount ?? 0
  into.errors += stats.ErrorStatistics?.OtherCount ?? Math.max(0, (stats.ErrorStatistics?.TotalCount ?? 0) - (stats.ErrorStatistics?.ThrottleCount ?? 0))
  into.faults += stats.FaultStatistics?.TotalCount ?? 0
  into.totalResponseTime += stats.TotalResponseTime ?? 0
  addHistogram(into.responseTime, histogram)
}

/** Merges one page of services (with their reference ids) into the graph. */
function merge(graph: {nodes: Map<string, GraphNode>; edges: Map<string, GraphEdge>}, services: Service[]): void {
  const byReference = new Map<number, string>()
  for (const service of services) {
    if (service.ReferenceId !== undefined) byReference.set(service.ReferenceId, key(service.Name ?? '?', service.Type ?? 'unknown'))
  }
  for (const service of services) {
    const id = key(service.Name ?? '?', service.Type ?? 'unknown')
    let node = graph.nodes.get(id)
    if (!node) {
      node = {id, name: service.Name ?? '?', type: service.Type ?? 'unknown', root: false, duration: [], ...emptyCounts()}
      graph.nodes.set(id, node)
    }
    if (service.Root) node.root = true
    addStatistics(node, service.SummaryStatistics, service.ResponseTimeHistogram)
    addHistogram(node.duration, service.DurationHistogram)
    for (const edge of service.Edges ?? []) {
      const to = edge.ReferenceId === undefined ? undefined : byReference.get(edge.ReferenceId)
      if (!to) continue
      const edgeId = `${id}->${to}`
      let entry = graph.edges.get(edgeId)
      if (!entry) {
        entry = {from: id, to, ...emptyCounts()}
        graph.edges.set(edgeId, entry)
      }
      addStatistics(entry, edge.SummaryStatistics, edge.ResponseTimeHistogram)
    }
  }
}

function isWindowTooLong(error: unknown): boolean {
  const e = error as {name?: string; message?: string}
  return e?.name === 'InvalidRequestException' && /time|range|window|hours?|too long/i.test(e.message ?? '')
}

export async function fetchServiceGraph(client: XRayClient, window: TimeWindow, group?: string): Promise<ServiceGraph> {
  const {paginateGetServiceGraph} = await import('@aws-sdk/client-xray')
  const graph = {nodes: new Map<string, GraphNode>(), edges: new Map<string, GraphEdge>()}
  let end = window.end
  let size = MAX_CHUNK_SECONDS
  while (end > window.start) {
    const start = Math.max(window.start, end - size)
    try {
      // A page's edges refer to services by reference id, which holds within one call: a call's pages are merged together.
      const services: Service[] = []
      for await (const page of paginateGetServiceGraph({client}, {StartTime: new Date(start * 1000), EndTime: new Date(end * 1000), ...(group ? {GroupName: group} : {})})) {
        services.push(...(page.Services ?? []))
      }
      merge(graph, services)
    } catch (error) {
      if (isWindowTooLong(error) && size > 60) {
        size = Math.max(60, Math.floor(size / 2))
        continue
      }
      const e = error as {name?: string; message?: string}
      if (e?.name === 'InvalidRequestException' && group) {
        throw new UsageError(`X-Ray refused the group ${sanitize(group)}: ${sanitize(e.message ?? '')}`, ['list the groups: aws xray get-groups'], 'BAD_GROUP')
      }
      throw mapAwsError(error, {action: 'xray:GetServiceGraph'})
    }
    end = start
  }
  return {window, nodes: [...graph.nodes.values()], edges: [...graph.edges.values()]}
}

/** Average and p95 response time (seconds) of a node or edge, from X-Ray's histogram and totals. */
export function responseTimeOf(counts: GraphCounts): {avg: number | null; p95: number | null} {
  return {
    avg: counts.requests > 0 ? Math.round((counts.totalResponseTime / counts.requests) * 1_000_000) / 1_000_000 : null,
    p95: histogramDistribution(counts.responseTime).p95,
  }
}
