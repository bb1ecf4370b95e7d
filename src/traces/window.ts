import {UsageError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'

/**
 * The time window of a trace search: `--since 15m`, or `--start`/`--end` (ISO 8601, epoch seconds, or
 * relative like `-2h`), in UTC unless the time says otherwise. Pure: the clock is passed in.
 */

/** X-Ray keeps traces for 30 days (X-Ray developer guide, "Data retention"). */
export const RETENTION_SECONDS = 30 * 24 * 3600

export interface TimeWindow {
  /** Epoch seconds. */
  start: number
  end: number
}

const UNITS: Record<string, number> = {ms: 0.001, s: 1, m: 60, h: 3600, d: 86400}

/**
 * `90s`, `15m`, `2h`, `3d`, `1h30m`, `1.5s`, `250ms` → seconds. A bare number is `bareUnit`s (seconds
 * unless said otherwise). Undefined when the text is not a duration.
 */
export function parseDuration(text: string, bareUnit: keyof typeof UNITS = 's'): number | undefined {
  const trimmed = text.trim().toLowerCase()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number.parseFloat(trimmed) * UNITS[bareUnit]!
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)]
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== trimmed) return undefined
  return parts.reduce((sum, part) => sum + Number.parseFloat(part[1]!) * UNITS[part[2]!]!, 0)
}

/** A point in time: ISO 8601 (UTC unless it carries a zone), epoch seconds (or milliseconds), `now`, or `-2h` before now. */
export function parseTime(text: string, flag: string, now: number): number {
  const trimmed = text.trim()
  if (trimmed.toLowerCase() === 'now') return now
  if (trimmed.startsWith('-')) {
    const ago = parseDuration(trimmed.slice(1))
    if (ago !== undefined) return now - ago
  }
  if (/^\d{9,13}(\.\d+)?$/.test(trimmed)) {
    const value = Number.parseFloat(trimmed)
    // Thirteen digits are milliseconds (what Date.now() and JavaScript tools print).
    return trimmed.split('.')[0]!.length >= 13 ? value / 1000 : value
  }
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(trimmed)
  if (iso) {
    const zone = iso[3] ? (iso[3].toUpperCase() === 'Z' ? 'Z' : iso[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z'
    const parsed = Date.parse(`${iso[1]}T${iso[2] ?? '00:00:00'}${zone}`)
    if (Number.isFinite(parsed)) return parsed / 1000
  }
  throw new UsageError(`${flag} ${sanitize(text)}: expected a time like 2026-11-24T10:00:00Z, 2026-11-24 10:00, epoch seconds, or -2h`, [
    `e.g. ${flag} -2h, or ${flag} 2026-11-24T10:00:00+01:00`,
  ])
}

export interface WindowFlags {
  since?: string
  start?: string
  end?: string
}

export const DEFAULT_SINCE = '15m'

/** The window the flags ask for, checked against the clock and X-Ray's retention. */
export function resolveWindow(flags: WindowFlags, now: number): {window: TimeWindow; notes: string[]} {
  if (flags.since !== undefined && (flags.start !== undefined || flags.end !== undefined)) {
    throw new UsageError('--since cannot be combined with --start or --end', ['use --since 2h, or --start -2h --end -1h'])
  }
  let start: number
  let end: number
  if (flags.start !== undefined || flags.end !== undefined) {
    end = flags.end === undefined ? now : parseTime(flags.end, '--end', now)
    start = flags.start === undefined ? end - parseDuration(DEFAULT_SINCE)! : parseTime(flags.start, '--start', now)
  } else {
    const since = parseDuration(flags.since ?? DEFAULT_SINCE, 'm')
    if (since === undefined || since <= 0) {
      throw new UsageError(`--since ${sanitize(flags.since ?? '')}: expected a duration like 90s, 15m, 2h or 3d`, ['e.g. --since 30m'])
    }
    end = now
    start = now - since
  }
  if (start > now) throw new UsageError(`the window starts in the future (${iso(start)})`, ['use a time in the past, e.g. --start -2h'])
  if (end <= start) throw new UsageError(`the window ends before it starts (${iso(start)} to ${iso(end)})`, ['check --start and --end: --start must be the earlier time'])
  const notes: string[] = []
  const oldest = now - RETENTION_SECONDS
  if (end <= oldest) {
    throw new UsageError(`the window ends ${Math.floor((now - end) / 86400)} days ago: X-Ray keeps traces for 30 days, so it holds none of it`, [
      '--since 30d is the longest window that can hold traces',
    ])
  }
  if (start < oldest) {
    notes.push(`the window starts before X-Ray's 30 days of retention: searching from ${iso(oldest)}`)
    start = oldest
  }
  if (end > now) end = now
  return {window: {start, end}, notes}
}

export function iso(epochSeconds: number): string {
  return new Date(Math.round(epochSeconds * 1000)).toISOString().replace(/\.000Z$/, 'Z')
}

/**
 * How long one GetTraceSummaries call may span. The API reference (API_GetTraceSummaries) states no
 * maximum; X-Ray refuses windows it finds too long with InvalidRequestException. xtrace asks for at
 * most 6 hours a call — the longest range the X-Ray console's trace list queries at once — and halves a
 * chunk that X-Ray still refuses as too long (search.ts).
 */
export const MAX_CHUNK_SECONDS = 6 * 3600

/** The first chunk, next to the window's newest end: small, so that "the last 50" costs one call. */
export const FIRST_CHUNK_SECONDS = 5 * 60

/**
 * The window cut into consecutive chunks, newest first: 5 minutes, then doubling up to 6 hours. A busy
 * function reaches `--limit` in the first small chunk; a quiet one is scanned in few calls.
 */
export function* chunksNewestFirst(window: TimeWindow, maxSeconds = MAX_CHUNK_SECONDS): Generator<TimeWindow> {
  let end = window.end
  let size = Math.min(FIRST_CHUNK_SECONDS, maxSeconds)
  while (end > window.start) {
    const start = Math.max(window.start, end - size)
    yield {start, end}
    end = start
    size = Math.min(size * 2, maxSeconds)
  }
}
