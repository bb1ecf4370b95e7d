/** Small pure formatting helpers shared by renderers. */

/** Seconds → "12.3 ms" style; the unit is always ms so that columns compare at a glance. */
export function formatMs(seconds: number | null): string {
  if (seconds === null) return '?'
  const ms = seconds * 1000
  if (ms < 10) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${ms.toFixed(1)} ms`
  return `${Math.round(ms)} ms`
}

/**
 * Seconds → as people read them, with three significant digits: `850 µs`, `12.4 ms`, `850 ms`,
 * `6.41 s`, `3m12s`, `2h05m`.
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?'
  if (seconds === 0) return '0 ms'
  const abs = Math.abs(seconds)
  const sign = seconds < 0 ? '-' : ''
  // Decided on the rounded value, so that 9.9999 prints as 10.0, not 10.00.
  const three = (value: number) => (value >= 99.95 ? value.toFixed(0) : value >= 9.995 ? value.toFixed(1) : value.toFixed(2))
  // A value that rounds up to the next unit is written in that unit (999.96 µs is 1.00 ms).
  if (abs < 0.001) {
    const value = three(abs * 1_000_000)
    return value === '1000' ? `${sign}1.00 ms` : `${sign}${value} µs`
  }
  if (abs < 1) {
    const value = three(abs * 1000)
    return value === '1000' ? `${sign}1.00 s` : `${sign}${value} ms`
  }
  if (abs < 60) {
    const value = three(abs)
    return value === '60.0' ? `${sign}1m00s` : `${sign}${value} s`
  }
  if (abs < 3600) {
    const total = Math.round(abs)
    return `${sign}${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`
  }
  const minutes = Math.round(abs / 60)
  return `${sign}${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}

/** Epoch seconds → "2017-07-08 00:23:31.562 UTC". */
export function formatTimestamp(epochSeconds: number | null): string {
  if (epochSeconds === null) return 'unknown'
  const date = new Date(epochSeconds * 1000)
  if (Number.isNaN(date.getTime())) return String(epochSeconds)
  return `${isoUtc(date).replace('T', ' ').replace('Z', '')} UTC`
}

const twoDigits = (value: number) => (value < 10 ? `0${value}` : `${value}`)

/**
 * `date.toISOString()`, written from the UTC fields: the first toISOString of a process costs 0.7–1.4 ms on the
 * machines measured, the UTC getters ~0.08 ms, and a millisecond is a twentieth of what `show --file` of a small
 * trace costs in all. Years outside 0–9999, which toISOString writes with a sign and six digits, are left to it.
 */
export function isoUtc(date: Date): string {
  const year = date.getUTCFullYear()
  if (!(year >= 0 && year <= 9999)) return date.toISOString()
  const ms = date.getUTCMilliseconds()
  return (
    `${String(year).padStart(4, '0')}-${twoDigits(date.getUTCMonth() + 1)}-${twoDigits(date.getUTCDate())}` +
    `T${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())}:${twoDigits(date.getUTCSeconds())}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`
  )
}

const ASCII_ONLY = /^[\u0020-\u007e]*$/
// East Asian Wide / Fullwidth blocks and pictographs take two cells; combining marks, joiners and
// variation selectors none. A small table instead of string-width, whose import costs ~45 ms at
// every start: it may count a text-style pictograph (©) as wide, which only errs on the safe side.
const WIDE =
  /[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6]|[\u{1f000}-\u{1faff}]|[\u{20000}-\u{3fffd}]|\p{Extended_Pictographic}/u
// The class lists combining characters on purpose: each one is tested alone.
// eslint-disable-next-line no-misleading-character-class
const ZERO = /[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/u

// Most of what is drawn (Latin, Greek, Cyrillic…, dashes, quotes and the ellipsis, box drawing, blocks) is one cell
// a character: a whole tree line is decided by one regex, not a loop over its characters. The same ranges as the
// loop's first test.
const ONE_CELL_EACH = /^[\u0000-\u02ff\u0370-\u10ff\u2010-\u2027\u2500-\u25ff]*$/

/** Display width of already-sanitised text (wide CJK and emoji take two cells). */
export function displayWidth(text: string): number {
  if (ONE_CELL_EACH.test(text)) return text.length
  let width = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    // Most of what is drawn (Latin, dashes and the ellipsis, box drawing, blocks) is one cell: decide those without a regex.
    if (code < 0x0300 || (code >= 0x0370 && code < 0x1100) || (code >= 0x2010 && code < 0x2028) || (code >= 0x2500 && code < 0x2600)) {
      width += 1
      continue
    }
    const isPair = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length
    const ch = isPair ? text.slice(i, i + 2) : text[i]!
    if (isPair) i++
    width += ZERO.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1
  }
  return width
}

/** Cut text to at most `width` cells, ending with an ellipsis when something was cut. */
export function truncate(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return ''
  if (displayWidth(text) <= width) return text
  const room = width - displayWidth(ellipsis)
  if (room <= 0) return ellipsis.slice(0, width)
  // Printable ASCII is a cell a character: cut it without measuring each one.
  if (ASCII_ONLY.test(text)) return text.slice(0, room) + ellipsis
  let out = ''
  let used = 0
  for (const ch of text) {
    const w = displayWidth(ch)
    if (used + w > room) break
    out += ch
    used += w
  }
  return out + ellipsis
}

/** Cut text to `width` cells in the middle, keeping both ends: `https://abc…/Prod/order`. */
export function truncateMiddle(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return ''
  if (displayWidth(text) <= width) return text
  const room = width - displayWidth(ellipsis)
  if (room <= 1) return truncate(text, width, ellipsis)
  const headRoom = Math.ceil(room / 2)
  if (ASCII_ONLY.test(text)) return text.slice(0, headRoom) + ellipsis + text.slice(text.length - (room - headRoom))
  const chars = [...text]
  let head = ''
  for (const ch of chars) {
    if (displayWidth(head + ch) > headRoom) break
    head += ch
  }
  let tail = ''
  for (let i = chars.length - 1; i >= 0; i--) {
    if (displayWidth(chars[i]! + tail) > room - displayWidth(head)) break
    tail = chars[i]! + tail
  }
  return head + ellipsis + tail
}

/** Word-wraps to `width` columns; a word longer than a line is cut across lines. */
export function wrap(text: string, width: number): string[] {
  if (width <= 0) return [text]
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : word
    if (displayWidth(candidate) <= width) {
      line = candidate
      continue
    }
    if (line) lines.push(line)
    line = word
    while (displayWidth(line) > width) {
      let cut = ''
      for (const ch of line) {
        if (displayWidth(cut + ch) > width) break
        cut += ch
      }
      lines.push(cut)
      line = line.slice(cut.length)
    }
  }
  lines.push(line)
  return lines
}

export function padEnd(text: string, width: number): string {
  const gap = width - displayWidth(text)
  return gap > 0 ? text + ' '.repeat(gap) : text
}

export function padStart(text: string, width: number): string {
  const gap = width - displayWidth(text)
  return gap > 0 ? ' '.repeat(gap) + text : text
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}

/**
 * A count with its thousands grouped, as `toLocaleString('en-US')` writes it ("12,345"), without the ~25 ms its
 * first call spends building ICU's number format; anything but a safe integer is still left to it.
 */
export function formatCount(count: number): string {
  if (!Number.isSafeInteger(count) || Object.is(count, -0)) return count.toLocaleString('en-US')
  const digits = String(Math.abs(count))
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1)
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`
  return count < 0 ? `-${grouped}` : grouped
}
