import type {ChalkInstance} from 'chalk'

import type {BreakdownRow, TrafficFigures} from '../stats/figures.js'
import type {Distribution} from '../stats/percentile.js'
import type {StatsResult} from '../stats/run.js'
import {formatCount, formatDuration, padEnd, padStart, plural, truncate} from './format.js'
import {sanitize} from '../text/sanitize.js'

/**
 * `xtrace stats` as text: traffic (count, rate, faults, errors, throttles), latency percentiles, a
 * log-scaled histogram of durations, groups, cold starts and where the time goes — each block saying
 * where its figures come from. Pure.
 */

export interface StatsStyle {
  chalk: ChalkInstance
  width: number
  ascii: boolean
}

const SOURCE: Record<string, string> = {
  summaries: 'from the summaries of every trace of the window',
  'xray-aggregates': 'from X-Ray\'s aggregates (the service graph): the window holds more traces than --max-traces',
  documents: 'from the documents',
}

function pct(rate: number | null): string {
  if (rate === null) return '-'
  const value = rate * 100
  return value === 0 ? '0%' : value < 0.1 ? '<0.1%' : `${value < 10 ? value.toFixed(1) : Math.round(value)}%`
}

function dist(d: Distribution): string {
  if (d.count === 0) return '-'
  return `p50 ${formatDuration(d.p50)} · p90 ${formatDuration(d.p90)} · p95 ${formatDuration(d.p95)} · p99 ${formatDuration(d.p99)} · max ${formatDuration(d.max)}`
}

function trafficLines(t: TrafficFigures, chalk: ChalkInstance): string[] {
  const issue = (one: string, many: string, r: {count: number; rate: number | null}, paint: (s: string) => string) => {
    const text = `${r.count} ${r.count === 1 ? one : many}`
    return r.count > 0 ? paint(`${text} (${pct(r.rate)})`) : text
  }
  return [
    `  traces      ${formatCount(t.traces)} (${t.perMinute} a minute)`,
    `  issues      ${[issue('fault', 'faults', t.faults, chalk.red), issue('error', 'errors', t.errors, chalk.yellow), issue('throttled', 'throttled', t.throttles, chalk.magenta)].join(' · ')}`,
    `  duration    ${dist(t.duration)}`,
    `  response    ${dist(t.responseTime)}`,
  ]
}

function histogramLines(t: TrafficFigures, style: StatsStyle): string[] {
  if (t.histogram.length === 0) return []
  const max = Math.max(...t.histogram.map((b) => b.count))
  const labels = t.histogram.map((b) => `${formatDuration(b.from)} – ${formatDuration(b.to)}`.replace('–', style.ascii ? '-' : '–'))
  const labelWidth = Math.max(...labels.map((l) => l.length))
  const countWidth = String(max).length
  const room = Math.max(10, Math.min(50, style.width - labelWidth - countWidth - 8))
  const glyph = style.ascii ? '#' : '█'
  return t.histogram.map((bucket, i) => `  ${padEnd(labels[i]!, labelWidth)}  ${padStart(String(bucket.count), countWidth)}  ${style.chalk.cyan(glyph.repeat(Math.round((bucket.count / max) * room)) || (bucket.count > 0 ? (style.ascii ? '.' : '▏') : ''))}`)
}

function breakdownLines(rows: BreakdownRow[], more: number, style: StatsStyle): string[] {
  const header = `  ${padEnd('NODE', 34)}  ${padEnd('KIND', 10)}  ${padStart('TRACES', 6)}  ${padStart('P50', 8)}  ${padStart('P95', 8)}  ${padStart('SELF P50', 8)}  ${padStart('CRITICAL', 8)}  ${padStart('SHARE', 6)}`
  const lines = [style.chalk.bold(header)]
  for (const row of rows) {
    lines.push(
      `  ${padEnd(truncate(sanitize(row.name), 34), 34)}  ${padEnd(row.kind, 10)}  ${padStart(String(row.traces), 6)}  ${padStart(formatDuration(row.duration.p50), 8)}  ${padStart(formatDuration(row.duration.p95), 8)}  ${padStart(formatDuration(row.selfTime.p50), 8)}  ${padStart(String(row.criticalPath), 8)}  ${padStart(pct(row.share), 6)}`,
    )
  }
  if (more > 0) lines.push(`  … and ${plural(more, 'more node')}`)
  return lines
}

export function renderStats(result: StatsResult, style: StatsStyle): string {
  const {chalk} = style
  const lines: string[] = []
  const t = result.traffic
  lines.push(chalk.bold('Traffic'), chalk.dim(`  ${SOURCE[t.source]}`), ...trafficLines(t, chalk))
  if (t.histogram.length > 0) lines.push('', chalk.bold('Durations'), ...histogramLines(t, style))
  for (const group of result.groups ?? []) {
    lines.push('', chalk.bold(sanitize(group.key)), ...trafficLines(group, chalk))
  }
  const docs = result.documents
  const every = docs.fromAll && docs.fetched + docs.missing >= docs.from
  const from = every
    ? `all ${formatCount(docs.from)} traces`
    : `${formatCount(docs.fetched)} of ${docs.fromAll ? '' : 'more than '}${formatCount(docs.from)} traces (a random sample, seed ${docs.seed})`
  const missing =
    (docs.missing > 0 ? chalk.yellow(`; ${plural(docs.missing, 'trace')} could not be read`) : '') +
    (docs.incomplete > 0 ? chalk.yellow(`; ${plural(docs.incomplete, 'trace')} incomplete (cut at X-Ray's size quota, LimitExceeded)`) : '')
  if (result.coldStarts) {
    const c = result.coldStarts
    lines.push('', chalk.bold('Cold starts'), chalk.dim(`  from the documents of ${from}${missing}`))
    if (c.sample === 0) lines.push('  no Lambda function segment in them: cold starts cannot be told')
    else {
      lines.push(
        `  cold starts ${c.coldStarts} of ${c.sample} (${pct(c.rate)})`,
        `  init        ${dist(c.init)}`,
        `  cold        ${dist(c.latency.cold)}`,
        `  warm        ${dist(c.latency.warm)}`,
      )
    }
  }
  if (result.breakdown && result.breakdown.rows.length > 0) {
    lines.push('', chalk.bold('Where the time goes'), chalk.dim(`  from the documents of ${from}; by self time on the critical path`), ...breakdownLines(result.breakdown.rows, result.breakdown.more, style))
  }
  return lines.join('\n')
}
