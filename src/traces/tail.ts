import type {XRayClient} from '@aws-sdk/client-xray'

import type {XtraceError} from '../errors.js'
import {sleep} from '../util/sleep.js'
import {coldStarts} from './documents.js'
import {compareListings, listingOf, type TraceListing} from './listing.js'
import {searchTraces} from './search.js'

/**
 * `xtrace tail`: follow new traces as they complete. Every `interval` it asks GetTraceSummaries for
 * the traces updated (TimeRangeType Event) since the last poll, reaching back `overlap` seconds
 * further, because X-Ray indexes a trace some seconds after its last segment arrives: a trace that
 * was not yet searchable at one poll is caught by the next. Each trace is handed on once (by id); one
 * still in progress waits until it completes, or `partialTimeout` passes. Ids leave the dedupe set once
 * the window no longer reaches them, so memory stays bounded however long it runs.
 *
 * Throttling and network failures are waited out with a growing pause (said once, and said again when
 * it recovers); failures no retry can cure (credentials, permissions, a refused filter) end it.
 */

export interface TailOptions {
  filter?: string
  intervalSeconds: number
  overlapSeconds: number
  /** Traces updated this long before the start are shown first. */
  backlogSeconds: number
  partialTimeoutSeconds: number
  /** Read documents for cold starts (and for --tree). */
  documents: boolean
  functions: string[]
  signal: AbortSignal
  onTrace: (listing: TraceListing) => void | Promise<void>
  onNotice: (notice: string) => void
  now?: () => number
}

export interface TailStats {
  traces: number
  errors: number
  faults: number
  throttles: number
  coldStarts: number
  /** Documents were read, so cold starts were counted. */
  coldKnown: boolean
}

/** Failures worth waiting out: throttling, the network, timeouts, X-Ray's own hiccups. */
const TRANSIENT = new Set(['THROTTLED', 'NETWORK', 'TIMEOUT', 'SERVER_ERROR'])
const MAX_BACKOFF_SECONDS = 60

export async function tailTraces(client: XRayClient, options: TailOptions): Promise<TailStats> {
  const now = options.now ?? (() => Date.now() / 1000)
  const stats: TailStats = {traces: 0, errors: 0, faults: 0, throttles: 0, coldStarts: 0, coldKnown: options.documents}
  /** Printed ids → the event time after which they can no longer come back. */
  const seen = new Map<string, number>()
  /** In progress: the listing and when it was first seen. */
  const pending = new Map<string, {listing: TraceListing; since: number}>()
  let from = now() - options.backlogSeconds
  let pause = options.intervalSeconds
  let failing: string | undefined

  const emit = async (listing: TraceListing) => {
    seen.set(listing.id, now() + options.overlapSeconds * 2)
    pending.delete(listing.id)
    stats.traces++
    if (listing.error) stats.errors++
    if (listing.fault) stats.faults++
    if (listing.throttle) stats.throttles++
    if (listing.coldStart === true) stats.coldStarts++
    await options.onTrace(listing)
  }

  while (!options.signal.aborted) {
    const end = now()
    const start = Math.min(from, end - options.overlapSeconds)
    const found: TraceListing[] = []
    try {
      await searchTraces(client, {window: {start, end}, ...(options.filter ? {filter: options.filter} : {}), timeRangeType: 'Event', sample: false, signal: options.signal}, (summaries) => {
        found.push(...summaries.map(listingOf))
        return true
      })
      if (failing) options.onNotice(`recovered: X-Ray answers again (after ${failing})`)
      failing = undefined
      pause = options.intervalSeconds
    } catch (error) {
      const code = (error as XtraceError).code
      if (options.signal.aborted) break
      if (!TRANSIENT.has(code)) throw error
      pause = Math.min(MAX_BACKOFF_SECONDS, pause * 2)
      if (!failing) options.onNotice(`${(error as Error).message}; retrying, every ${Math.round(pause)} s at most, until it answers`)
      failing = code === 'THROTTLED' ? 'throttling' : 'a failure'
      await sleep(pause * 1000, options.signal)
      continue
    }
    from = end

    const fresh = found.filter((listing) => !seen.has(listing.id)).sort(compareListings('start'))
    const complete: TraceListing[] = []
    for (const listing of fresh) {
      if (!listing.partial) {
        complete.push(listing)
        continue
      }
      const waiting = pending.get(listing.id)
      pending.set(listing.id, {listing, since: waiting?.since ?? end})
    }
    // Partial ones that waited long enough are shown as they are, marked partial.
    for (const [id, waiting] of pending) {
      if (end - waiting.since >= options.partialTimeoutSeconds && !complete.some((l) => l.id === id)) complete.push(waiting.listing)
    }
    let shown = complete
    if (options.documents && shown.length > 0) {
      const cold = await coldStarts(client, shown.map((l) => l.id), options.functions)
      shown = shown.map((l) => ({...l, ...cold.get(l.id)}))
    }
    for (const listing of shown) {
      if (options.signal.aborted) break
      await emit(listing)
    }
    for (const [id, expires] of seen) if (expires < end) seen.delete(id)
    await sleep(pause * 1000, options.signal)
  }
  return stats
}
