import type {ChalkInstance} from 'chalk'

import {entryOf, type TraceListing} from '../traces/listing.js'
import {formatDuration, padEnd, padStart, truncate, truncateMiddle} from './format.js'
import {sanitize} from '../text/sanitize.js'
import {type Column, renderTable} from './table.js'

/**
 * `xtrace traces` and `xtrace tail` as text: a table fitted to the terminal, or, on a pipe, one
 * tab-separated line per trace under a header line (stable columns, no colour, nothing cut, for
 * cut and awk). Pure: listings and options in, strings out.
 */

export interface ListingStyle {
  chalk: ChalkInstance
  /** Terminal width; undefined on a pipe. */
  width?: number
  utc: boolean
  /** The clock, for "today". */
  now: number
  /** Show the cold column (documents were read). */
  cold: boolean
}

const pad2 = (n: number) => String(n).padStart(2, '0')

/** A start time as a person reads it: the time of day today, the date too otherwise; local unless --utc. */
export function formatStart(epochSeconds: number | null, style: Pick<ListingStyle, 'utc' | 'now'>): string {
  if (epochSeconds === null) return '?'
  const date = new Date(epochSeconds * 1000)
  const today = new Date(style.now * 1000)
  const parts = style.utc
    ? [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()]
    : [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds(), date.getMilliseconds()]
  const sameDay = style.utc
    ? date.toISOString().slice(0, 10) === today.toISOString().slice(0, 10)
    : date.toDateString() === today.toDateString()
  const [year, month, day, hours, minutes, seconds, ms] = parts as [number, number, number, number, number, number, number]
  const time = `${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${String(ms).padStart(3, '0')}`
  return sameDay ? time : `${year}-${pad2(month)}-${pad2(day)} ${time}`
}

export function marksOf(listing: TraceListing): string[] {
  return [listing.fault && 'fault', listing.error && 'error', listing.throttle && 'throttle', listing.partial && 'partial'].filter((mark): mark is string => Boolean(mark))
}

export function coldText(listing: TraceListing): string {
  if (listing.coldStart === undefined || listing.coldStart === null) return ''
  return listing.coldStart ? `cold${listing.initDuration === undefined ? '' : ` ${formatDuration(listing.initDuration)}`}` : 'warm'
}

function statusText(listing: TraceListing): string {
  return [listing.http?.method, listing.http?.status].filter((part) => part !== undefined).join(' ')
}

function columns(style: ListingStyle): Column<TraceListing>[] {
  const {chalk} = style
  const list: Column<TraceListing>[] = [
    {header: style.utc ? 'START (UTC)' : 'START', value: (l) => formatStart(l.startTime, style)},
    {header: 'DURATION', value: (l) => formatDuration(l.duration), align: 'right'},
    {header: 'RESPONSE', value: (l) => formatDuration(l.responseTime), align: 'right', drop: 3},
    {
      header: 'STATUS',
      value: statusText,
      style: (text, l) => (l.http?.status === undefined ? text : l.http.status === 429 ? chalk.magenta(text) : l.http.status >= 500 ? chalk.red(text) : l.http.status >= 400 ? chalk.yellow(text) : text),
    },
    {header: 'MARKS', value: (l) => marksOf(l).join(' '), shrink: true, min: 5, style: (text, l) => (l.fault ? chalk.red(text) : l.throttle ? chalk.magenta(text) : l.error ? chalk.yellow(text) : chalk.cyan(text))},
    {header: 'ENTRY', value: (l) => entryOf(l)?.name ?? '', shrink: true, min: 10, drop: 2},
  ]
  if (style.cold) list.push({header: 'COLD', value: coldText, style: (text, l) => (l.coldStart ? chalk.blue(text) : text)})
  list.push({header: 'URL', value: (l) => l.http?.url ?? '', shrink: true, min: 12, cut: 'middle', drop: 4}, {header: 'TRACE ID', value: (l) => l.id})
  // The trace id is what a person copies next: it goes last, and is never cut.
  return list
}

/** A block of listings as a table fitted to the terminal. */
export function renderListingTable(listings: readonly TraceListing[], style: ListingStyle): string {
  return renderTable(listings, columns(style), {...(style.width === undefined ? {} : {width: style.width}), header: style.chalk.bold})
}

/** The tab-separated columns on a pipe, in order. Stable: scripts cut them by position. */
export const TSV_COLUMNS = ['id', 'start', 'duration', 'response_time', 'method', 'status', 'fault', 'error', 'throttle', 'partial', 'entry', 'entry_type', 'cold', 'init_duration', 'url'] as const

export function tsvHeader(): string {
  return TSV_COLUMNS.join('\t')
}

function tsvCell(value: unknown): string {
  if (value === undefined || value === null) return ''
  // A tab or newline inside a value would move every later column: sanitize escapes both.
  return sanitize(String(value))
}

export function tsvLine(listing: TraceListing): string {
  const entry = entryOf(listing)
  const cells = [
    listing.id,
    listing.startTime === null ? '' : new Date(listing.startTime * 1000).toISOString(),
    listing.duration,
    listing.responseTime,
    listing.http?.method,
    listing.http?.status,
    listing.fault,
    listing.error,
    listing.throttle,
    listing.partial,
    entry?.name,
    entry?.type,
    listing.coldStart === undefined ? undefined : listing.coldStart === null ? 'unknown' : listing.coldStart,
    listing.initDuration,
    listing.http?.url,
  ]
  return cells.map(tsvCell).join('\t')
}

/**
 * One listing as a line of fixed columns, for output that cannot wait for the whole table (`tail` on
 * a terminal): the same columns as the table, each of a set width, the URL taking what is left.
 */
export function renderListingLine(listing: TraceListing, style: ListingStyle): string {
  return fixedColumns(style)
    .map(({width, text, align, cut, paint}) => {
      const value = sanitize(text(listing))
      const fitted = width === undefined ? value : cut === 'middle' ? truncateMiddle(value, width) : truncate(value, width)
      const padded = width === undefined ? fitted : align === 'right' ? padStart(fitted, width) : padEnd(fitted, width)
      return paint ? paint(padded, listing) : padded
    })
    .join('  ')
    .trimEnd()
}

/** The header line of `renderListingLine`'s columns. */
export function renderListingHeader(style: ListingStyle): string {
  return style.chalk.bold(
    fixedColumns(style)
      .map(({width, header, align}) => (width === undefined ? header : align === 'right' ? padStart(header, width) : padEnd(header, width)))
      .join('  ')
      .trimEnd(),
  )
}

interface FixedColumn {
  header: string
  width?: number
  align?: 'right'
  cut?: 'middle'
  text: (listing: TraceListing) => string
  paint?: (text: string, listing: TraceListing) => string
}

function fixedColumns(style: ListingStyle): FixedColumn[] {
  const {chalk} = style
  const columns: FixedColumn[] = [
    {header: style.utc ? 'START (UTC)' : 'START', width: 23, text: (l) => formatStart(l.startTime, style)},
    {header: 'DURATION', width: 8, align: 'right', text: (l) => formatDuration(l.duration)},
    {header: 'STATUS', width: 8, text: statusText},
    {header: 'MARKS', width: 8, text: (l) => marksOf(l).join(' '), paint: (text, l) => (l.fault ? chalk.red(text) : l.throttle ? chalk.magenta(text) : l.error ? chalk.yellow(text) : text)},
    {header: 'ENTRY', width: 22, text: (l) => entryOf(l)?.name ?? ''},
  ]
  if (style.cold) columns.push({header: 'COLD', width: 11, text: coldText, paint: (text, l) => (l.coldStart ? chalk.blue(text) : text)})
  const used = columns.reduce((sum, column) => sum + (column.width ?? 0) + 2, 0) + 35
  const room = style.width === undefined ? 40 : style.width - used - 2
  if (room >= 12) columns.push({header: 'URL', width: room, cut: 'middle', text: (l) => l.http?.url ?? ''})
  columns.push({header: 'TRACE ID', text: (l) => l.id})
  return columns
}
