import type {ChalkInstance} from 'chalk'

import type {ShowModel} from '../traces/model.js'
import type {LambdaInvocation, TraceModel, TraceNode} from '../traces/types.js'
import {displayWidth, formatMs, formatTimestamp, padEnd, padStart, plural, truncate} from './format.js'
import {sanitize, sanitizeValue} from './sanitize.js'

/**
 * `xtrace show` as text: a header per trace, then one line per node with tree guides, a label
 * (name, kind, HTTP, AWS call, SQL, marks), the duration and a timeline bar scaled to the trace.
 * Pure: model and options in, string out. Every string from a trace passes through sanitize()
 * before layout, so widths are measured on what is printed.
 */

export interface TreeRenderOptions {
  /** Total columns available. */
  width: number
  ascii: boolean
  details: boolean
  /** Levels to show, counting roots as 1 (like `tree -L`); undefined shows all. */
  depth?: number
  /** Colours; a level-0 instance prints plain text. */
  chalk: ChalkInstance
}

interface Glyphs {
  branch: string
  last: string
  pipe: string
  blank: string
  bar: string
  criticalBar: string
  openBar: string
  edgeLeft: string
  edgeRight: string
  ellipsis: string
  dot: string
  arrow: string
}

const UNICODE: Glyphs = {
  branch: '├─ ',
  last: '└─ ',
  pipe: '│  ',
  blank: '   ',
  bar: '▒',
  criticalBar: '█',
  openBar: '░',
  edgeLeft: '▕',
  edgeRight: '▏',
  ellipsis: '…',
  dot: '·',
  arrow: '→',
}

const ASCII: Glyphs = {
  branch: '|- ',
  last: '`- ',
  pipe: '|  ',
  blank: '   ',
  bar: '=',
  criticalBar: '#',
  openBar: '.',
  edgeLeft: '|',
  edgeRight: '|',
  ellipsis: '...',
  dot: '-',
  arrow: '->',
}

/** Past this depth the guides are elided so that a line stays bounded (and rendering linear). */
const MAX_GUIDE_LEVELS = 16
const DURATION_WIDTH = 10
const CRITICAL_MARK = '*'

type Style = (text: string) => string

interface Part {
  text: string
  style?: Style
  /** Marks and tags: kept whole when the label must be cut, at the expense of the rest. */
  mark?: boolean
}

interface Layout {
  labelWidth: number
  timelineWidth: number
}

function layoutFor(width: number): Layout {
  const total = Math.max(40, width)
  const timelineWidth = Math.max(10, Math.min(60, Math.round(total * 0.28)))
  // marker(2) + label + space + duration + space + |timeline|
  const labelWidth = total - 2 - 1 - DURATION_WIDTH - 1 - (timelineWidth + 2)
  return {labelWidth, timelineWidth}
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

function lastPathPart(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  const parts = value.split(/[/:]/).filter((part) => part !== '')
  return parts.at(-1)
}

function httpSummary(node: TraceNode): {request?: string; status?: number} {
  const request = record(node.http?.request)
  const response = record(node.http?.response)
  // .NET puts the method directly under http.
  const method = request?.method ?? node.http?.method
  const url = request?.url
  const text = [method, url].filter((part) => typeof part === 'string' && part !== '').join(' ')
  const status = response?.status
  const result: {request?: string; status?: number} = {}
  if (text !== '') result.request = sanitize(text)
  if (typeof status === 'number') result.status = status
  return result
}

function awsSummary(node: TraceNode): string | undefined {
  const aws = node.aws
  if (!aws) return undefined
  const operation = typeof aws.operation === 'string' ? aws.operation : undefined
  const resource =
    (typeof aws.table_name === 'string' && aws.table_name) ||
    lastPathPart(aws.queue_url) ||
    lastPathPart(aws.topic_arn) ||
    (typeof aws.function_name === 'string' && aws.function_name) ||
    (typeof aws.bucket_name === 'string' && aws.bucket_name) ||
    undefined
  const text = [operation, resource].filter(Boolean).join(' ')
  return text === '' ? undefined : sanitize(text)
}

function sqlSummary(node: TraceNode): string | undefined {
  const sql = node.sql
  if (!sql) return undefined
  const query = sql.sanitized_query ?? sql.url ?? sql.database_type
  return typeof query === 'string' ? sanitize(`sql: ${query}`) : 'sql'
}

/** Lambda facts as short tags, keyed by node id. */
function lambdaTags(invocations: LambdaInvocation[]): Map<string, string[]> {
  const tags = new Map<string, string[]>()
  const add = (id: string | undefined, tag: string) => {
    if (id === undefined) return
    const list = tags.get(id) ?? []
    list.push(tag)
    tags.set(id, list)
  }
  for (const invocation of invocations) {
    if (invocation.invocationType !== 'unknown') add(invocation.serviceSegmentId, invocation.invocationType)
    if (invocation.coldStart) add(invocation.functionSegmentId, 'cold start')
    for (const attempt of invocation.attempts) {
      if (attempt.functionSegmentId !== undefined) add(attempt.functionSegmentId, `attempt #${attempt.number}`)
    }
  }
  return tags
}

function nodeStyle(node: TraceNode, chalk: ChalkInstance): Style | undefined {
  if (node.fault) return chalk.red
  if (node.throttle) return chalk.magenta
  if (node.error) return chalk.yellow
  return node.kind === 'segment' ? chalk.bold : undefined
}

function statusStyle(status: number, chalk: ChalkInstance): Style {
  if (status === 429) return chalk.magenta
  if (status >= 500) return chalk.red
  if (status >= 400) return chalk.yellow
  return chalk.green
}

function labelParts(node: TraceNode, tags: string[] | undefined, hidden: number, chalk: ChalkInstance): Part[] {
  const parts: Part[] = [{text: sanitize(node.name), style: nodeStyle(node, chalk)}]
  const kind = node.kind === 'segment' ? (node.origin ?? 'segment') : (node.namespace ?? node.origin)
  if (kind) parts.push({text: ` ${sanitize(kind)}`, style: chalk.dim})
  if (node.inferred) parts.push({text: ' (inferred)', style: chalk.dim})
  const http = httpSummary(node)
  if (http.request) parts.push({text: ` ${http.request}`})
  if (http.status !== undefined) parts.push({text: ` ${http.status}`, style: statusStyle(http.status, chalk)})
  const aws = awsSummary(node)
  if (aws) parts.push({text: ` ${aws}`, style: chalk.cyan})
  const sql = sqlSummary(node)
  if (sql) parts.push({text: ` ${sql}`, style: chalk.cyan})
  for (const tag of tags ?? []) parts.push({mark: true, text: ` [${tag}]`, style: chalk.blue})
  if (node.name === 'Restore' && node.kind === 'subsegment') parts.push({mark: true, text: ' [SnapStart restore]', style: chalk.blue})
  if (node.fault) parts.push({mark: true, text: ' [fault]', style: chalk.red})
  if (node.throttle) parts.push({mark: true, text: ' [throttle]', style: chalk.magenta})
  if (node.error) parts.push({mark: true, text: ' [error]', style: chalk.yellow})
  if (node.inProgress) parts.push({mark: true, text: ' [in progress]', style: chalk.cyan})
  if (node.cycleBroken) parts.push({mark: true, text: ' [parent cycle cut]', style: chalk.yellow})
  else if (node.detachedFrom !== undefined) {
    parts.push({mark: true, text: ` [parent ${sanitize(node.detachedFrom)} not in trace]`, style: chalk.yellow})
  }
  if (hidden > 0) parts.push({mark: true, text: ` [+${hidden} below]`, style: chalk.dim})
  return parts
}

/** Lays parts into `width` cells, cutting descriptions before marks, and applies styles after cutting. */
function fitLabel(parts: Part[], width: number, ellipsis: string): {text: string; width: number} {
  const marks = parts.filter((part) => part.mark)
  const rest = parts.filter((part) => !part.mark)
  const marksWidth = marks.reduce((sum, part) => sum + displayWidth(part.text), 0)
  const restWidth = rest.reduce((sum, part) => sum + displayWidth(part.text), 0)
  if (marksWidth + restWidth <= width || marks.length === 0) return fitParts(parts, width, ellipsis)
  // Leave the name some room; the marks get the rest (and are cut only when they alone overflow).
  const nameRoom = Math.min(displayWidth(rest[0]?.text ?? ''), 12)
  const marksRoom = Math.min(marksWidth, Math.max(0, width - nameRoom))
  const head = fitParts(rest, width - marksRoom, ellipsis)
  const tail = fitParts(marks, width - head.width, ellipsis)
  return {text: head.text + tail.text, width: head.width + tail.width}
}

function fitParts(parts: Part[], width: number, ellipsis: string): {text: string; width: number} {
  let out = ''
  let used = 0
  for (const part of parts) {
    const w = displayWidth(part.text)
    if (used + w <= width) {
      out += part.style ? part.style(part.text) : part.text
      used += w
      continue
    }
    const cut = truncate(part.text, width - used, ellipsis)
    out += part.style ? part.style(cut) : cut
    used += displayWidth(cut)
    break
  }
  return {text: out, width: used}
}

function timelineBar(
  node: TraceNode,
  trace: TraceModel,
  cells: number,
  critical: boolean,
  glyphs: Glyphs,
  chalk: ChalkInstance,
): string {
  const t0 = trace.startTime ?? 0
  const span = trace.duration && trace.duration > 0 ? trace.duration : 1
  const start = node.startTime ?? t0
  const open = node.endTime === null
  const end = node.endTime ?? trace.endTime ?? start
  const from = Math.min(cells - 1, Math.max(0, Math.floor(((start - t0) / span) * cells)))
  const to = Math.min(cells, Math.max(from + 1, Math.ceil(((end - t0) / span) * cells)))
  const fill = open ? glyphs.openBar : critical ? glyphs.criticalBar : glyphs.bar
  const style = critical ? chalk.cyan : node.fault ? chalk.red : node.error || node.throttle ? chalk.yellow : chalk.gray
  const bar = style(fill.repeat(to - from))
  return `${glyphs.edgeLeft}${' '.repeat(from)}${bar}${' '.repeat(cells - to)}${glyphs.edgeRight}`
}

interface DetailContext {
  prefix: string
  width: number
  trace: TraceModel
  chalk: ChalkInstance
  glyphs: Glyphs
}

const MAX_METADATA = 160
const MAX_FRAMES = 3

function detailLines(node: TraceNode, context: DetailContext): string[] {
  const {chalk} = context
  const lines: string[] = []
  const push = (label: string, value: string) => {
    const room = context.width - displayWidth(context.prefix) - displayWidth(label) - 2
    lines.push(`${context.prefix}${chalk.dim(`${label}:`)} ${truncate(value, Math.max(8, room), context.glyphs.ellipsis)}`)
  }
  push('id', sanitize(node.id))
  const self = context.trace.selfTime.get(node.id)
  if (self !== undefined) push('self time', formatMs(self))
  const url = record(node.http?.request)?.url
  if (typeof url === 'string') push('url', sanitize(url))
  if (node.sql) {
    for (const key of ['url', 'database_type', 'database_version', 'user', 'sanitized_query']) {
      if (node.sql[key] !== undefined) push(`sql.${key}`, sanitizeValue(node.sql[key]))
    }
  }
  if (node.aws) {
    for (const key of ['request_id', 'retries', 'resource_names', 'function_arn']) {
      if (node.aws[key] !== undefined) push(`aws.${key}`, sanitizeValue(node.aws[key]))
    }
  }
  if (node.annotations) {
    for (const [key, value] of Object.entries(node.annotations)) push(`annotation ${sanitize(key)}`, sanitizeValue(value))
  }
  if (node.metadata) {
    for (const [namespace, value] of Object.entries(node.metadata)) {
      push(`metadata ${sanitize(namespace)}`, truncate(sanitizeValue(value), MAX_METADATA, context.glyphs.ellipsis))
    }
  }
  lines.push(...causeLines(node.cause, context))
  return lines
}

function causeLines(cause: unknown, context: DetailContext): string[] {
  const {chalk, prefix} = context
  if (cause === undefined) return []
  if (typeof cause === 'string') return [`${prefix}${chalk.dim('cause:')} exception ${sanitize(cause)} (recorded on another segment)`]
  const object = record(cause)
  if (!object) return [`${prefix}${chalk.dim('cause:')} ${sanitizeValue(cause)} (not a valid cause)`]
  const lines: string[] = []
  const exceptions = Array.isArray(object.exceptions) ? object.exceptions : []
  if (exceptions.length === 0 && typeof object.id === 'string') {
    lines.push(`${prefix}${chalk.dim('cause:')} see ${sanitize(object.id)}`)
  }
  for (const item of exceptions) {
    const exception = record(item)
    if (!exception) continue
    const type = typeof exception.type === 'string' ? sanitize(exception.type) : 'exception'
    const message = typeof exception.message === 'string' ? `: ${sanitize(exception.message)}` : ''
    const remote = exception.remote === true ? ' (remote)' : ''
    const room = context.width - displayWidth(prefix) - 2
    lines.push(`${prefix}${chalk.red('!')} ${chalk.red(truncate(`${type}${message}${remote}`, Math.max(8, room), context.glyphs.ellipsis))}`)
    const stack = Array.isArray(exception.stack) ? exception.stack : []
    for (const frame of stack.slice(0, MAX_FRAMES)) {
      const f = record(frame)
      if (!f) continue
      const label = typeof f.label === 'string' ? sanitize(f.label) : '?'
      const where = [f.path, f.line].filter((part) => part !== undefined && part !== null).map(sanitizeValue).join(':')
      lines.push(`${prefix}    ${chalk.dim(truncate(`at ${label}${where ? ` (${where})` : ''}`, Math.max(8, room - 4), context.glyphs.ellipsis))}`)
    }
    if (stack.length > MAX_FRAMES) lines.push(`${prefix}    ${chalk.dim(`${context.glyphs.ellipsis} ${stack.length - MAX_FRAMES} more frames`)}`)
  }
  return lines
}

function headerLines(trace: TraceModel, glyphs: Glyphs, chalk: ChalkInstance, width: number): string[] {
  const sep: Part = {text: ` ${glyphs.dot} `}
  const row = (label: string, parts: Part[]): string =>
    fitParts([{text: `  ${padEnd(label, 11)}`, style: chalk.dim}, ...parts], width, glyphs.ellipsis).text
  const lines = [fitParts([{text: `Trace ${sanitize(trace.id)}`, style: chalk.bold}], width, glyphs.ellipsis).text]
  lines.push(
    row('started', [
      {text: formatTimestamp(trace.startTime)},
      sep,
      {text: 'duration '},
      {text: formatMs(trace.duration), style: chalk.bold},
      sep,
      {text: `${plural(trace.documentCount, 'document')}, ${plural(trace.nodeCount, 'node')}`},
      ...(trace.inProgress ? [sep, {text: 'in progress', style: chalk.cyan}] : []),
    ]),
  )
  if (trace.services.length > 0) {
    const services = trace.services.map((s) => sanitize(s.origin ? `${s.name} (${s.origin})` : s.name)).join(', ')
    lines.push(row('services', [{text: services}]))
  }
  for (const invocation of trace.lambda) {
    const facts: string[] = [invocation.invocationType === 'unknown' ? 'invocation type unknown' : invocation.invocationType]
    if (invocation.status !== undefined) facts.push(`status ${invocation.status}`)
    if (invocation.dwellTime !== undefined) facts.push(`dwell ${formatMs(invocation.dwellTime)}`)
    if (invocation.attempts.length > 0) facts.push(plural(invocation.attempts.length, 'attempt'))
    if (invocation.invocationDuration !== undefined) facts.push(`invocation ${formatMs(invocation.invocationDuration)}`)
    if (invocation.overheadDuration !== undefined) facts.push(`overhead ${formatMs(invocation.overheadDuration)}`)
    if (invocation.restoreDuration !== undefined) facts.push(`SnapStart restore ${formatMs(invocation.restoreDuration)}`)
    lines.push(row('lambda', [{text: `${sanitize(invocation.functionName)}: ${facts.join(', ')}`}]))
  }
  const cold = trace.lambda.filter((invocation) => invocation.coldStart)
  if (trace.lambda.length > 0) {
    const text =
      cold.length === 0
        ? 'no'
        : `yes (${cold.map((i) => `${sanitize(i.functionName)}${i.initDuration === undefined ? '' : ` init ${formatMs(i.initDuration)}`}`).join(', ')})`
    lines.push(row('cold start', [{text, ...(cold.length > 0 ? {style: chalk.blue} : {})}]))
  }
  const {errors, faults, throttles} = trace.counts
  const issue = (count: number, word: string, style: Style): Part =>
    count > 0 ? {text: plural(count, word), style} : {text: plural(count, word)}
  lines.push(
    row('issues', [issue(errors, 'error', chalk.yellow), sep, issue(faults, 'fault', chalk.red), sep, issue(throttles, 'throttle', chalk.magenta)]),
  )
  return lines
}

export function renderTrace(trace: TraceModel, options: TreeRenderOptions): string {
  const {chalk} = options
  const glyphs = options.ascii ? ASCII : UNICODE
  const {labelWidth, timelineWidth} = layoutFor(options.width)
  const tags = lambdaTags(trace.lambda)
  // Guides may take at most half the label column, so narrow layouts still show names.
  const maxGuideLevels = Math.max(2, Math.min(MAX_GUIDE_LEVELS, Math.floor(labelWidth / 2 / glyphs.pipe.length)))
  const critical = new Set(trace.criticalPath)
  const lines = headerLines(trace, glyphs, chalk, options.width)
  lines.push('')

  const axisLeft = '0'
  const axisRight = formatMs(trace.duration)
  const axis = axisLeft + ' '.repeat(Math.max(1, timelineWidth - axisLeft.length - axisRight.length)) + axisRight
  lines.push(
    chalk.dim(
      `  ${padEnd(truncate(`${CRITICAL_MARK} critical path`, labelWidth, glyphs.ellipsis), labelWidth)} ` +
        `${padStart('duration', DURATION_WIDTH)}  ${truncate(axis, timelineWidth)}`,
    ),
  )

  interface Frame {
    node: TraceNode
    depth: number
    guide: string
    connector: string
  }
  const stack: Frame[] = []
  for (let i = trace.roots.length - 1; i >= 0; i--) {
    stack.push({node: trace.roots[i]!, depth: 1, guide: '', connector: ''})
  }
  while (stack.length > 0) {
    const {node, depth, guide, connector} = stack.pop()!
    const isLast = connector === glyphs.last
    const showChildren = options.depth === undefined || depth < options.depth
    const hidden = showChildren ? 0 : countBelow(node)
    const onPath = critical.has(node.id)
    const prefix = guide + connector
    const label = fitLabel(labelParts(node, tags.get(node.id), hidden, chalk), labelWidth - displayWidth(prefix), glyphs.ellipsis)
    const duration = node.duration === null ? (node.inProgress ? 'running' : '?') : formatMs(node.duration)
    const mark = onPath ? chalk.cyan(CRITICAL_MARK) : ' '
    lines.push(
      `${mark} ${chalk.dim(prefix)}${label.text}${' '.repeat(Math.max(0, labelWidth - displayWidth(prefix) - label.width))} ` +
        `${padStart(duration, DURATION_WIDTH)} ${timelineBar(node, trace, timelineWidth, onPath, glyphs, chalk)}`,
    )
    let childGuide = guide + (connector === '' ? '' : isLast ? glyphs.blank : glyphs.pipe)
    if (childGuide.length > maxGuideLevels * glyphs.pipe.length) {
      // Keep the innermost levels and show that outer ones were elided.
      childGuide = glyphs.ellipsis + childGuide.slice(childGuide.length - (maxGuideLevels - 1) * glyphs.pipe.length)
    }
    if (options.details) {
      const continuation = childGuide + (showChildren && node.children.length > 0 ? glyphs.pipe : glyphs.blank)
      lines.push(...detailLines(node, {prefix: `  ${chalk.dim(continuation)}  `, width: options.width, trace, chalk, glyphs}))
    }
    if (!showChildren) continue
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push({
        node: node.children[i]!,
        depth: depth + 1,
        guide: childGuide,
        connector: i === node.children.length - 1 ? glyphs.last : glyphs.branch,
      })
    }
  }
  return lines.join('\n')
}

function countBelow(node: TraceNode): number {
  let count = 0
  const stack = [...node.children]
  while (stack.length > 0) {
    const next = stack.pop()!
    count++
    for (const child of next.children) stack.push(child)
  }
  return count
}

/** The whole of `xtrace show`'s standard output. */
export function renderShow(model: ShowModel, options: TreeRenderOptions): string {
  const blocks = model.traces.map((trace) => renderTrace(trace, options))
  const notReturned = [...model.unprocessedTraceIds, ...model.missingTraceIds]
  if (notReturned.length > 0) {
    const {chalk} = options
    const lines = [chalk.yellow(`Not returned by X-Ray (${notReturned.length}):`)]
    for (const id of model.unprocessedTraceIds) lines.push(`  ${sanitize(id)}  unprocessed`)
    for (const id of model.missingTraceIds) lines.push(`  ${sanitize(id)}  not found`)
    blocks.push(lines.join('\n'))
  }
  if (blocks.length === 0) return ''
  return `${blocks.join('\n\n')}\n`
}
