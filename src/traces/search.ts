import type {TraceSummary, XRayClient} from '@aws-sdk/client-xray'

import {mapAwsError} from '../aws/errors.js'
import {UsageError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {traceIdTime} from './listing.js'
import {FIRST_CHUNK_SECONDS, iso, MAX_CHUNK_SECONDS, type TimeWindow} from './window.js'
import {compareText} from '../text/compare.js'

/**
 * GetTraceSummaries over a window of any length: consecutive chunks, newest first (5 minutes, then
 * doubling up to 6 hours, see window.ts), every page of each (the SDK's paginator follows NextToken),
 * each chunk handed over sorted newest first, so that the caller can stream and stop at its limit.
 * A chunk X-Ray refuses as too long is halved and asked again; a filter expression X-Ray refuses is a
 * usage error that quotes X-Ray and the expression. Never prints.
 */

export type TimeRangeType = 'TraceId' | 'Event'

export interface SearchRequest {
  window: TimeWindow
  filter?: string
  timeRangeType: TimeRangeType
  /** X-Ray's own sampling of the summaries (for very large windows). */
  sample: boolean
  /** Aborted: stop after the call in flight. */
  signal?: AbortSignal
}

export interface SearchStats {
  /** TracesProcessedCount, summed over the calls. */
  processed: number
  calls: number
  /** The window was not read to its start (the consumer stopped). */
  stopped: boolean
}

/** `onChunk` gets each chunk's summaries, newest first, with no id twice; returning false stops the search. */
export async function searchTraces(client: XRayClient, request: SearchRequest, onChunk: (summaries: TraceSummary[]) => boolean | Promise<boolean>): Promise<SearchStats> {
  const {paginateGetTraceSummaries} = await import('@aws-sdk/client-xray')
  const stats: SearchStats = {processed: 0, calls: 0, stopped: false}
  let end = request.window.end
  let size = FIRST_CHUNK_SECONDS
  let max = MAX_CHUNK_SECONDS
  // Adjacent chunks share a boundary second: a trace there may come back in both.
  let previous = new Set<string>()
  while (end > request.window.start) {
    if (request.signal?.aborted) {
      stats.stopped = true
      break
    }
    const start = Math.max(request.window.start, end - size)
    const chunk: TraceSummary[] = []
    try {
      const pages = paginateGetTraceSummaries(
        {client},
        {
          StartTime: new Date(start * 1000),
          EndTime: new Date(end * 1000),
          TimeRangeType: request.timeRangeType,
          ...(request.filter ? {FilterExpression: request.filter} : {}),
          ...(request.sample ? {Sampling: true} : {}),
        },
      )
      for await (const page of pages) {
        stats.calls++
        stats.processed += page.TracesProcessedCount ?? 0
        chunk.push(...(page.TraceSummaries ?? []))
      }
    } catch (error) {
      if (isWindowTooLong(error) && size > 60) {
        max = Math.max(60, Math.floor(size / 2))
        size = max
        continue
      }
      throw searchError(error, request)
    }
    const seen = new Set<string>()
    const fresh = chunk.filter((summary) => {
      const id = summary.Id ?? ''
      if (!id || seen.has(id) || previous.has(id)) return false
      seen.add(id)
      return true
    })
    fresh.sort((a, b) => startOf(b) - startOf(a) || compareText(a.Id ?? '', b.Id ?? ''))
    previous = seen
    end = start
    size = Math.min(size * 2, max)
    if (!(await onChunk(fresh))) {
      stats.stopped = end > request.window.start
      break
    }
  }
  return stats
}

/** Milliseconds; a summary without StartTime (some emulators) is placed by its trace id's own time. */
function startOf(summary: TraceSummary): number {
  return summary.StartTime instanceof Date ? summary.StartTime.getTime() : (traceIdTime(summary.Id ?? '') ?? 0) * 1000
}

function errorOf(error: unknown): {name: string; message: string} {
  const e = error as {name?: string; message?: string}
  return {name: e?.name ?? '', message: e?.message ?? ''}
}

function isWindowTooLong(error: unknown): boolean {
  const {name, message} = errorOf(error)
  return name === 'InvalidRequestException' && /time|range|window|hours?|too long|duration/i.test(message) && !/filter|expression|syntax|token/i.test(message)
}

function searchError(error: unknown, request: SearchRequest): Error {
  const {name, message} = errorOf(error)
  if (name === 'InvalidRequestException' && request.filter) {
    return new UsageError(`X-Ray refused the filter expression: ${sanitize(message) || 'invalid request'}\n  expression: ${sanitize(request.filter)}`, [
      'check the expression against the X-Ray developer guide ("Use filter expressions"); --print-filter shows what xtrace sends',
    ], 'BAD_FILTER')
  }
  if (name === 'InvalidRequestException') {
    return new UsageError(`X-Ray refused the search of ${iso(request.window.start)} to ${iso(request.window.end)}: ${sanitize(message)}`, ['try a shorter window, e.g. --since 1h'], 'BAD_WINDOW')
  }
  return mapAwsError(error, {action: 'xray:GetTraceSummaries'})
}
