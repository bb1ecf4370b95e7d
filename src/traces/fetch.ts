import type {Trace, XRayClient} from '@aws-sdk/client-xray'

import {runPool} from '../util/pool.js'
import {sleep} from '../util/sleep.js'

/**
 * Fetches traces with X-Ray `BatchGetTraces`: at most 5 ids a call, following NextToken,
 * a few batches at once. With `waitSeconds`, polls the ids that are still missing or still have
 * segments in progress until they are complete or the time is up.
 */

export const BATCH_SIZE = 5
const CONCURRENT_BATCHES = 4

/** Same shape as a BatchGetTraces response, so fetched and saved traces take one parsing path. */
export interface FetchedTraces {
  Traces: Trace[]
  UnprocessedTraceIds: string[]
}

export interface FetchOptions {
  waitSeconds?: number
  pollIntervalMs?: number
  /** Called before each polling round with the ids still pending. */
  onWait?: (pending: string[], secondsLeft: number) => void
  now?: () => number
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

async function fetchBatch(client: XRayClient, ids: string[]): Promise<FetchedTraces> {
  const {paginateBatchGetTraces} = await import('@aws-sdk/client-xray')
  const result: FetchedTraces = {Traces: [], UnprocessedTraceIds: []}
  const seenTokens = new Set<string>()
  for await (const page of paginateBatchGetTraces({client, stopOnSameToken: true}, {TraceIds: ids})) {
    result.Traces.push(...(page.Traces ?? []))
    result.UnprocessedTraceIds.push(...(page.UnprocessedTraceIds ?? []))
    // A token seen before would loop forever; X-Ray never does this, a broken proxy might.
    if (page.NextToken) {
      if (seenTokens.has(page.NextToken)) break
      seenTokens.add(page.NextToken)
    }
  }
  return result
}

/** Merges pages: a trace split across pages keeps all of its segments. */
function mergeInto(target: Map<string, Trace>, unprocessed: Set<string>, fetched: FetchedTraces): void {
  for (const trace of fetched.Traces) {
    const id = trace.Id ?? ''
    const existing = target.get(id)
    if (existing && existing !== trace) {
      const known = new Set((existing.Segments ?? []).map((segment) => segment.Id))
      for (const segment of trace.Segments ?? []) if (!known.has(segment.Id)) (existing.Segments ??= []).push(segment)
      if (trace.LimitExceeded) existing.LimitExceeded = true
    } else {
      target.set(id, {...trace, Segments: [...(trace.Segments ?? [])]})
    }
  }
  for (const id of fetched.UnprocessedTraceIds) unprocessed.add(id)
}

async function fetchOnce(client: XRayClient, ids: string[]): Promise<FetchedTraces> {
  const traces = new Map<string, Trace>()
  const unprocessed = new Set<string>()
  await runPool(chunk(ids, BATCH_SIZE), CONCURRENT_BATCHES, async (batch) => mergeInto(traces, unprocessed, await fetchBatch(client, batch)))
  for (const id of traces.keys()) unprocessed.delete(id)
  return {Traces: [...traces.values()], UnprocessedTraceIds: [...unprocessed]}
}

/** Whether any document of the trace (or a subsegment embedded in one) is still in progress. */
export function traceInProgress(trace: Trace): boolean {
  for (const segment of trace.Segments ?? []) {
    const text = segment.Document
    // Cheap test first: most documents never mention the field.
    if (typeof text !== 'string' || !text.includes('in_progress')) continue
    let document: unknown
    try {
      document = JSON.parse(text)
    } catch {
      continue
    }
    const stack = [document]
    while (stack.length > 0) {
      const item = stack.pop()
      if (typeof item !== 'object' || item === null) continue
      const doc = item as {in_progress?: unknown; subsegments?: unknown}
      if (doc.in_progress === true) return true
      if (Array.isArray(doc.subsegments)) stack.push(...doc.subsegments)
    }
  }
  return false
}

export async function fetchTraces(client: XRayClient, ids: string[], options: FetchOptions = {}): Promise<FetchedTraces> {
  const now = options.now ?? Date.now
  const deadline = now() + (options.waitSeconds ?? 0) * 1000
  const interval = options.pollIntervalMs ?? 2000

  const complete = new Map<string, Trace>()
  let latest: FetchedTraces = {Traces: [], UnprocessedTraceIds: []}
  let pending = [...ids]
  for (;;) {
    latest = await fetchOnce(client, pending)
    const stillPending: string[] = []
    const returned = new Map(latest.Traces.map((trace) => [trace.Id ?? '', trace]))
    for (const id of pending) {
      const trace = returned.get(id)
      if (trace && !traceInProgress(trace)) complete.set(id, trace)
      else stillPending.push(id)
    }
    pending = stillPending
    const left = deadline - now()
    if (pending.length === 0 || options.waitSeconds === undefined || left <= 0) break
    options.onWait?.(pending, Math.ceil(left / 1000))
    await sleep(Math.min(interval, left))
  }

  // Pending ids keep whatever the last round returned (possibly in progress) so nothing is lost.
  const traces = [...complete.values()]
  const returnedPending = latest.Traces.filter((trace) => pending.includes(trace.Id ?? ''))
  traces.push(...returnedPending)
  const order = new Map(ids.map((id, i) => [id, i]))
  traces.sort((a, b) => (order.get(a.Id ?? '') ?? Infinity) - (order.get(b.Id ?? '') ?? Infinity))
  const unprocessed = latest.UnprocessedTraceIds.filter((id) => !traces.some((trace) => trace.Id === id))
  return {Traces: traces, UnprocessedTraceIds: unprocessed}
}
