import type {ChalkInstance} from 'chalk'

import {type GraphCounts, responseTimeOf, type ServiceGraph} from '../map/graph.js'
import type {MapRow} from '../map/layout.js'
import {displayWidth, formatDuration, padEnd, padStart, truncate} from './format.js'
import {sanitize} from '../text/sanitize.js'

/**
 * `xtrace map` as text: the service graph drawn as a tree, one row per node reached — its requests,
 * rate, fault / error / throttle shares and response times (X-Ray's own figures) — with the call that
 * reached it (how many calls, their p95, their failures) after the name. Unhealthy figures coloured.
 * Pure.
 */

export interface MapStyle {
  chalk: ChalkInstance
  ascii: boolean
  width: number
}

/** What a node type means, in the words the X-Ray console uses for the Lambda pair. */
function typeLabel(type: string): string {
  if (type === 'AWS::Lambda') return 'Lambda service'
  if (type === 'AWS::Lambda::Function') return 'function'
  if (type === 'client') return '(client)'
  return type
}

function percent(part: number, whole: number): string {
  if (whole === 0) return '-'
  const value = (part / whole) * 100
  return value === 0 ? '0%' : value < 0.1 ? '<0.1%' : `${value < 10 ? value.toFixed(1) : Math.round(value)}%`
}

/** The figure columns, and the order in which a narrow terminal gives them up (highest first). */
const COLUMNS = [
  {header: 'REQUESTS', width: 8, drop: 0},
  {header: '/MIN', width: 6, drop: 3},
  {header: 'FAULTS', width: 6, drop: 0},
  {header: 'ERRORS', width: 6, drop: 0},
  {header: 'THROTTLED', width: 9, drop: 1},
  {header: 'AVG', width: 8, drop: 2},
  {header: 'P95', width: 8, drop: 0},
] as const

/** The columns that leave a label at least `minLabel` wide, in their order. */
function columnsFor(width: number, minLabel: number): number[] {
  const kept = COLUMNS.map((_, i) => i)
  const used = () => kept.reduce((sum, i) => sum + COLUMNS[i]!.width + 2, 0)
  for (const level of [3, 2, 1]) {
    if (width - used() >= minLabel) break
    const index = kept.findIndex((i) => COLUMNS[i]!.drop === level)
    if (index >= 0) kept.splice(index, 1)
  }
  return kept
}

export function renderMap(graph: ServiceGraph, rows: MapRow[], style: MapStyle): string {
  const {chalk} = style
  const minutes = Math.max(1 / 60, (graph.window.end - graph.window.start) / 60)
  const shownColumns = columnsFor(style.width, 30)
  const figuresWidth = shownColumns.reduce((sum, i) => sum + COLUMNS[i]!.width + 2, 0)
  const labelWidth = Math.max(24, style.width - figuresWidth)
  const glyphs = style.ascii ? {branch: '|- ', last: '`- ', pipe: '|  ', blank: '   ', seen: '<-', cycle: '<>', ellipsis: '...'} : {branch: '├─ ', last: '└─ ', pipe: '│  ', blank: '   ', seen: '↺', cycle: '⟲', ellipsis: '…'}
  const header = `${padEnd('SERVICE', labelWidth)}${shownColumns.map((i) => `  ${padStart(COLUMNS[i]!.header, COLUMNS[i]!.width)}`).join('')}`
  const lines = [chalk.bold(header)]
  // Guides: whether each depth still has siblings to come.
  const more: boolean[] = []
  for (const [index, row] of rows.entries()) {
    const nextAtDepth = rows.slice(index + 1).find((r) => r.depth <= row.depth)
    const last = !nextAtDepth || nextAtDepth.depth < row.depth
    more.length = row.depth
    const guide = row.depth === 0 ? '' : more.slice(1).map((m) => (m ? glyphs.pipe : glyphs.blank)).join('') + (last ? glyphs.last : glyphs.branch)
    more[row.depth] = !last
    const node = row.node
    const name = sanitize(node.name)
    const via = row.edge ? callText(row.edge, chalk, style.ascii) : ''
    const tail = row.seen ? chalk.dim(` ${glyphs.seen} see above`) : row.cycle ? chalk.yellow(` ${glyphs.cycle} cycle cut`) : ''
    const nameStyle = node.faults > 0 ? chalk.red : node.throttles > 0 ? chalk.magenta : node.errors > 0 ? chalk.yellow : chalk.bold
    // What gives way when the row is narrow: the call's figures, then the type; the name is cut last.
    const candidates = [
      [` ${typeLabel(node.type)}`, via],
      [` ${typeLabel(node.type)}`, ''],
      ['', ''],
    ]
    let label = ''
    for (const [kind, call] of candidates) {
      const width = displayWidth(guide) + displayWidth(name) + displayWidth(sanitize(kind!)) + displayWidth(stripped(call!)) + displayWidth(stripped(tail))
      if (width <= labelWidth || kind === '') {
        const room = labelWidth - displayWidth(guide) - displayWidth(sanitize(kind!)) - displayWidth(stripped(call!)) - displayWidth(stripped(tail))
        label = `${chalk.dim(guide)}${nameStyle(truncate(name, Math.max(8, room), glyphs.ellipsis))}${chalk.dim(sanitize(kind!))}${call}${tail}`
        break
      }
    }
    const shown = row.seen || row.cycle || node.type === 'client' ? '' : figures(node, minutes, chalk, shownColumns)
    lines.push(`${label}${' '.repeat(Math.max(0, labelWidth - displayWidth(stripped(label))))}${shown}`.trimEnd())
  }
  const issues = graph.nodes.filter((node) => node.faults + node.errors + node.throttles > 0).length
  lines.push('', `${graph.nodes.length} nodes, ${graph.edges.length} edges${issues > 0 ? `; ${issues} with faults, errors or throttles` : ''} (X-Ray's service graph)`)
  return lines.join('\n')
}

function stripped(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

function callText(edge: GraphCounts, chalk: ChalkInstance, ascii: boolean): string {
  const {p95} = responseTimeOf(edge)
  const failures = [edge.faults > 0 ? chalk.red(`${edge.faults} faulted`) : '', edge.throttles > 0 ? chalk.magenta(`${edge.throttles} throttled`) : '', edge.errors > 0 ? chalk.yellow(`${edge.errors} errors`) : ''].filter(Boolean)
  return chalk.dim(` ${ascii ? '<-' : '←'} ${edge.requests} calls${p95 === null ? '' : `, p95 ${formatDuration(p95)}`}`) + (failures.length > 0 ? chalk.dim(', ') + failures.join(chalk.dim(', ')) : '')
}

function figures(node: GraphCounts, minutes: number, chalk: ChalkInstance, shown: number[]): string {
  const {avg, p95} = responseTimeOf(node)
  const cells = [
    String(node.requests),
    (node.requests / minutes).toFixed(node.requests / minutes >= 10 ? 0 : 1),
    percent(node.faults, node.requests),
    percent(node.errors, node.requests),
    percent(node.throttles, node.requests),
    avg === null ? '-' : formatDuration(avg),
    p95 === null ? '-' : formatDuration(p95),
  ]
  const paints = [undefined, undefined, node.faults > 0 ? chalk.red : undefined, node.errors > 0 ? chalk.yellow : undefined, node.throttles > 0 ? chalk.magenta : undefined, undefined, undefined]
  return shown.map((i) => `  ${(paints[i] ?? ((t: string) => t))(padStart(cells[i]!, COLUMNS[i]!.width))}`).join('')
}
