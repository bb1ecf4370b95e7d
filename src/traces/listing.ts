import type {TraceSummary} from '@aws-sdk/client-xray'
import {compareText} from '../text/compare.js'

/**
 * One trace as `xtrace traces` lists it (and `--json` prints it), from a GetTraceSummaries summary
 * and, with `--with-docs` / `--cold` / `--warm`, what the documents say about cold starts. Pure.
 */

export interface TraceListing {
  id: string
  /** Epoch seconds (microsecond precision). */
  startTime: number | null
  /** Seconds, first segment start to last segment end. */
  duration: number | null
  /** Seconds the root segment took to answer. */
  responseTime: number | null
  http?: {method?: string; url?: string; status?: number}
  fault: boolean
  error: boolean
  throttle: boolean
  partial: boolean
  entryPoint?: {name: string; type?: string}
  services: {name: string; type?: string}[]
  annotations?: Record<string, AnnotationValue | AnnotationValue[]>
  /** With documents: true or false; null when the trace has no Lambda function segment to tell. Absent without documents. */
  coldStart?: boolean | null
  /** Seconds of the function's Initialization, for a cold start. */
  initDuration?: number
}

export type AnnotationValue = string | number | boolean

/** Epoch seconds, and durations, rounded to microseconds: no float noise in JSON. */
export function micro(value: number): number {
  return Math.round(value * 1_000_000) / 1_000_000
}

function epochSeconds(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : micro(value.getTime() / 1000)
  if (typeof value === 'number' && Number.isFinite(value)) return micro(value)
  return null
}

function secondsOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? micro(value) : null
}

/** The trace id's own time (its second field, epoch seconds in hex): the start when the summary gives none. */
export function traceIdTime(id: string): number | null {
  const hex = /^1-([0-9a-f]{8})-/i.exec(id)?.[1]
  return hex ? Number.parseInt(hex, 16) : null
}

function annotationsOf(summary: TraceSummary): TraceListing['annotations'] {
  const entries = Object.entries(summary.Annotations ?? {})
  if (entries.length === 0) return undefined
  const out: NonNullable<TraceListing['annotations']> = {}
  for (const [key, values] of entries) {
    const distinct: AnnotationValue[] = []
    for (const item of values ?? []) {
      const v = item.AnnotationValue
      const value = v?.StringValue ?? v?.NumberValue ?? v?.BooleanValue
      if (value !== undefined && !distinct.includes(value)) distinct.push(value)
    }
    if (distinct.length > 0) out[key] = distinct.length === 1 ? distinct[0]! : distinct
  }
  return Object.keys(out).length > 0 ? out : undefined
}

export function listingOf(summary: TraceSummary): TraceListing {
  const id = summary.Id ?? ''
  const listing: TraceListing = {
    id,
    startTime: epochSeconds(summary.StartTime) ?? traceIdTime(id),
    duration: secondsOrNull(summary.Duration),
    responseTime: secondsOrNull(summary.ResponseTime),
    fault: summary.HasFault === true,
    error: summary.HasError === true,
    throttle: summary.HasThrottle === true,
    partial: summary.IsPartial === true,
    services: [],
  }
  const http = summary.Http
  if (http && (http.HttpMethod || http.HttpURL || http.HttpStatus !== undefined)) {
    listing.http = {
      ...(http.HttpMethod ? {method: http.HttpMethod} : {}),
      ...(http.HttpURL ? {url: http.HttpURL} : {}),
      ...(http.HttpStatus !== undefined ? {status: http.HttpStatus} : {}),
    }
  }
  if (summary.EntryPoint?.Name) listing.entryPoint = {name: summary.EntryPoint.Name, ...(summary.EntryPoint.Type ? {type: summary.EntryPoint.Type} : {})}
  const seen = new Set<string>()
  for (const service of summary.ServiceIds ?? []) {
    if (!service.Name) continue
    const key = `${service.Name}\u0000${service.Type ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    listing.services.push({name: service.Name, ...(service.Type ? {type: service.Type} : {})})
  }
  const annotations = annotationsOf(summary)
  if (annotations) listing.annotations = annotations
  return listing
}

/** Where the request came in: the summary's entry point, else the first service. */
export function entryOf(listing: TraceListing): {name: string; type?: string} | undefined {
  return listing.entryPoint ?? listing.services[0]
}

export type SortOrder = 'start' | '-start' | 'duration' | '-duration'

export function compareListings(order: SortOrder): (a: TraceListing, b: TraceListing) => number {
  const key = order.replace('-', '') === 'start' ? (l: TraceListing) => l.startTime ?? 0 : (l: TraceListing) => l.duration ?? -1
  const sign = order.startsWith('-') ? -1 : 1
  return (a, b) => sign * (key(a) - key(b)) || compareText(a.id, b.id)
}
