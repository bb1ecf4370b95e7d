import type {XRayClient} from '@aws-sdk/client-xray'

import {coldStarts} from './documents.js'
import {compareListings, listingOf, type SortOrder, type TraceListing} from './listing.js'
import {searchTraces, type SearchRequest} from './search.js'

/**
 * The service behind `xtrace traces`: search the window, keep what the documents say when asked
 * (cold starts), sort, cut at the limit. Newest first — the default — streams: each chunk of the
 * window is handed on as soon as it is read and sorted, so memory holds one chunk, not the listing.
 * Other orders need the whole window and hold it. Never prints.
 */

export type DocumentUse = 'none' | 'annotate' | 'cold' | 'warm'

export interface ListRequest extends SearchRequest {
  /** 0: no limit. */
  limit: number
  sort: SortOrder
  /** Fetch documents to tell cold starts: to show them (annotate) or to keep only cold or warm traces. */
  documents: DocumentUse
  /** Function names the cold start is judged for (empty: any function in the trace). */
  functions: string[]
  onProgress?: (progress: {listed: number; documents: number}) => void
}

export interface ListOutcome {
  processed: number
  listed: number
  /** The limit cut the listing before the window was exhausted. */
  truncated: boolean
  sampled: boolean
  calls: number
}

/** How many traces' documents are fetched together: five BatchGetTraces calls' worth. */
const DOCUMENT_GROUP = 25

export async function listTraces(client: XRayClient, request: ListRequest, emit: (listings: TraceListing[]) => void): Promise<ListOutcome> {
  const outcome: ListOutcome = {processed: 0, listed: 0, truncated: false, sampled: request.sample, calls: 0}
  const streaming = request.sort === '-start'
  const held: TraceListing[] = []
  let documents = 0
  const room = () => (request.limit === 0 ? Infinity : request.limit - outcome.listed - (streaming ? 0 : held.length))
  const accept = (listings: TraceListing[]) => {
    if (listings.length === 0) return
    if (streaming) {
      outcome.listed += listings.length
      emit(listings)
    } else {
      held.push(...listings)
    }
  }

  const stats = await searchTraces(client, request, async (summaries) => {
    let listings = summaries.map(listingOf)
    if (request.documents === 'none') {
      // Without documents, a streaming search stops as soon as the limit is met; a sorted one reads it all.
      if (streaming && listings.length > room()) {
        outcome.truncated = true
        listings = listings.slice(0, room())
      }
      accept(listings)
      return !streaming || room() > 0
    }
    for (let i = 0; i < listings.length; i += DOCUMENT_GROUP) {
      if (streaming && room() <= 0) {
        outcome.truncated = true
        return false
      }
      const group = listings.slice(i, i + DOCUMENT_GROUP)
      const cold = await coldStarts(client, group.map((l) => l.id), request.functions)
      documents += group.length
      request.onProgress?.({listed: outcome.listed + held.length, documents})
      let kept = group.map((listing) => ({...listing, ...cold.get(listing.id)}))
      if (request.documents === 'cold') kept = kept.filter((l) => l.coldStart === true)
      if (request.documents === 'warm') kept = kept.filter((l) => l.coldStart === false)
      if (streaming && kept.length > room()) {
        outcome.truncated = true
        kept = kept.slice(0, room())
      }
      accept(kept)
      if (request.signal?.aborted) return false
    }
    return !streaming || room() > 0
  })
  outcome.processed = stats.processed
  outcome.calls = stats.calls
  if (streaming && stats.stopped && room() <= 0) outcome.truncated = true
  if (!streaming) {
    held.sort(compareListings(request.sort))
    if (request.limit > 0 && held.length > request.limit) {
      outcome.truncated = true
      held.length = request.limit
    }
    outcome.listed = held.length
    if (held.length > 0) emit(held)
  }
  return outcome
}
