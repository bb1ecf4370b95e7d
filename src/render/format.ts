import stringWidth from 'string-width'

/** Small pure formatting helpers shared by renderers. */

/** Seconds → "12.3 ms" style; the unit is always ms so that columns compare at a glance. */
export function formatMs(seconds: number | null): string {
  if (seconds === null) return '?'
  const ms = seconds * 1000
  if (ms < 10) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${ms.toFixed(1)} ms`
  return `${Math.round(ms)} ms`
}

/** Epoch seconds → "2017-07-08 00:23:31.562 UTC". */
export function formatTimestamp(epochSeconds: number | null): string {
  if (epochSeconds === null) return 'unknown'
  const date = new Date(epochSeconds * 1000)
  if (Number.isNaN(date.getTime())) return String(epochSeconds)
  return `${date.toISOString().replace('T', ' ').replace('Z', '')} UTC`
}

const ASCII_ONLY = /^[\u0020-\u007e]*$/

/** Display width of already-sanitised text (wide CJK and emoji take two cells). */
export function displayWidth(text: string): number {
  return ASCII_ONLY.test(text) ? text.length : stringWidth(text)
}

/** Cut text to at most `width` cells, ending with an ellipsis when something was cut. */
export function truncate(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return ''
  if (displayWidth(text) <= width) return text
  const room = width - displayWidth(ellipsis)
  if (room <= 0) return ellipsis.slice(0, width)
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
