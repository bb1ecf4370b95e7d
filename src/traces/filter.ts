import {UsageError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {parseDuration} from './window.js'

/**
 * Search flags → one X-Ray filter expression (X-Ray developer guide, "Use filter expressions").
 * Each flag is a shortcut for part of the expression; the parts are AND-ed, and so is a raw
 * `--filter`. Values in several of one flag are alternatives (OR-ed): several functions, several
 * `--status`, and the issue kinds `--errors`, `--faults`, `--throttles` (a trace "that failed"). Every
 * string is quoted and escaped, so a name holding `"` or `\` cannot end the string it is in. Pure.
 */

export interface FilterFlags {
  functions?: string[]
  errors?: boolean
  faults?: boolean
  throttles?: boolean
  ok?: boolean
  status?: string[]
  slowerThan?: string
  responseSlowerThan?: string
  annotation?: string[]
  urlContains?: string
  method?: string
  user?: string
  partial?: boolean
  filter?: string
}

/** A string literal as X-Ray's filter language reads it: double quotes, `\"` and `\\` escaped. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`
}

/** The function's node in the service graph: what `xtrace traces FN` selects. */
export function functionFilter(name: string): string {
  return `service(id(name: ${quote(name)}, type: "AWS::Lambda::Function"))`
}

/** `orders-api`, `123456789012:function:orders-api`, or a full ARN → the name X-Ray knows the function by. */
export function functionNameOf(reference: string): string {
  const arn = /(?:^|:)function:([^:]+)(?::[^:]+)?$/.exec(reference)
  return arn ? arn[1]! : reference
}

/** An annotation value typed as X-Ray indexes it: numbers and booleans bare, strings quoted. `"12"` forces a string. */
export function annotationValue(raw: string): string {
  if (/^".*"$/s.test(raw) && raw.length >= 2) return quote(raw.slice(1, -1))
  if (/^-?\d+(\.\d+)?$/.test(raw)) return raw
  if (raw === 'true' || raw === 'false') return raw
  return quote(raw)
}

/** `5xx` → a range, `429` → one status; anything else is a usage error. */
export function statusFilter(text: string): string {
  const trimmed = text.trim().toLowerCase()
  const klass = /^([1-5])xx$/.exec(trimmed)
  if (klass) return `(http.status >= ${klass[1]}00 AND http.status <= ${klass[1]}99)`
  if (/^[1-5]\d\d$/.test(trimmed)) return `http.status = ${trimmed}`
  throw new UsageError(`--status ${sanitize(text)}: expected an HTTP status (100 to 599) or a class like 5xx`, ['e.g. --status 5xx, --status 429'])
}

function seconds(text: string, flag: string): string {
  const value = parseDuration(text)
  if (value === undefined || value < 0) throw new UsageError(`${flag} ${sanitize(text)}: expected a duration like 1.5s, 250ms or 2m`, [`e.g. ${flag} 1.5s`])
  return String(Math.round(value * 1_000_000) / 1_000_000)
}

const ANNOTATION_KEY = /^[A-Za-z0-9_]+$/

function anyOf(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`
}

export function buildFilter(flags: FilterFlags): string | undefined {
  const parts: string[] = []
  const functions = [...new Set((flags.functions ?? []).map(functionNameOf))]
  if (functions.length > 0) parts.push(anyOf(functions.map(functionFilter)))
  if (flags.ok && (flags.errors || flags.faults || flags.throttles)) {
    throw new UsageError('--ok cannot be combined with --errors, --faults or --throttles', ['use --ok for traces without any error, fault or throttle'])
  }
  const kinds = [flags.errors && 'error', flags.faults && 'fault', flags.throttles && 'throttle'].filter((kind): kind is string => Boolean(kind))
  if (kinds.length > 0) parts.push(anyOf(kinds))
  if (flags.ok) parts.push('ok')
  if (flags.status && flags.status.length > 0) parts.push(anyOf(flags.status.map(statusFilter)))
  if (flags.slowerThan !== undefined) parts.push(`duration > ${seconds(flags.slowerThan, '--slower-than')}`)
  if (flags.responseSlowerThan !== undefined) parts.push(`responsetime > ${seconds(flags.responseSlowerThan, '--response-slower-than')}`)
  for (const pair of flags.annotation ?? []) {
    const at = pair.indexOf('=')
    const key = pair.slice(0, at)
    if (at <= 0) throw new UsageError(`--annotation ${sanitize(pair)}: expected KEY=VALUE`, ['e.g. --annotation customer=42, --annotation tier=gold'])
    if (!ANNOTATION_KEY.test(key)) throw new UsageError(`--annotation ${sanitize(pair)}: an annotation key holds only letters, digits and underscores`, ['e.g. --annotation order_id=42'])
    parts.push(`annotation.${key} = ${annotationValue(pair.slice(at + 1))}`)
  }
  if (flags.urlContains !== undefined) parts.push(`http.url CONTAINS ${quote(flags.urlContains)}`)
  if (flags.method !== undefined) parts.push(`http.method = ${quote(flags.method.toUpperCase())}`)
  if (flags.user !== undefined) parts.push(`user = ${quote(flags.user)}`)
  if (flags.partial) parts.push('partial')
  if (flags.filter !== undefined && flags.filter.trim() !== '') parts.push(parts.length > 0 ? `(${flags.filter.trim()})` : flags.filter.trim())
  return parts.length > 0 ? parts.join(' AND ') : undefined
}
