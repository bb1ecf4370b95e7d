import type {ChalkInstance} from 'chalk'

import {countNodes} from '../traces/analyse.js'
import type {ShowModel} from '../traces/model.js'
import type {LambdaInvocation, TraceModel, TraceNode} from '../traces/types.js'
import {displayWidth, formatDuration, formatTimestamp, padEnd, padStart, plural, truncate, truncateMiddle, wrap} from './format.js'
import {listSome} from '../text/list.js'
import {sanitize, sanitizeValue} from '../text/sanitize.js'
import {asRecord} from '../util/record.js'

/**
 * `xtrace show` as text: a header per trace, then one line per node with tree guides, a label
 * (name, kind, HTTP, AWS call, SQL, marks), optional columns (start offset, self time), the duration
 * and a timeline bar scaled to the trace. Pure: model and options in, string out. Every string from a
 * trace passes through sanitize() before layout, so widths are measured on what is printed.
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
  /** Extra columns: the start offset from the trace's start, the node's self time. Default: as width allows. */
  columns?: {offset: boolean; self: boolean}
  /** Fold runs of same-named siblings: true, false, or undefined for "when the trace is big". */
  collapse?: boolean
  /** Names whose runs are never folded. */
  expand?: string[]
  /** The clock (epoch seconds), for how long a trace still running has run so far. */
  now?: number
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
  link: string
  times: string
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
  link: '↗',
  times: '×',
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
  link: '^',
  times: 'x',
}

/** Past this depth the guides are elided so that a line stays bounded (and rendering linear). */
const MAX_GUIDE_LEVELS = 16
const DURATION_WIDTH = 9
const OFFSET_WIDTH = 10
const SELF_WIDTH = 9
const CRITICAL_MARK = '*'
/** Above this many nodes, runs of same-named siblings are folded unless --no-collapse. */
export const COLLAPSE_ABOVE_NODES = 200
/** A run shorter than this is not worth folding. */
const MIN_RUN = 4
/** More Lambda invocations than this are summarised per function in the header. */
const INVOCATIONS_LISTED = 4

type Style = (text: string) => string

/**
 * One piece of a label. When the label is too long, pieces give up room step by step, in the order
 * of all the steps of all the pieces: each step cuts a piece to `to` cells (at its end, or in the
 * middle for URLs), or, with `to` 0, leaves it out. Marks, the HTTP status and the operation have no
 * steps: they always stay. The order is the label's priority, lowest first: the URL is shortened,
 * then SQL, resource names and kinds go, then the URL, then the name is cut, the method last.
 */
interface Part {
  text: string
  style?: Style
  steps?: readonly Step[]
  cut?: 'end' | 'middle'
}

interface Step {
  order: number
  to: number
}

// Shared by every label: a 100k-node trace would otherwise allocate them per node.
const STEPS = {
  name: [{order: 11, to: 8}],
  kind: [{order: 0.5, to: 14}, {order: 6, to: 0}],
  inferred: [{order: 5, to: 0}],
  method: [{order: 13, to: 0}],
  url: [{order: 1, to: 15}, {order: 8, to: 0}],
  resource: [{order: 2, to: 13}, {order: 7, to: 0}],
  sql: [{order: 3, to: 16}, {order: 4, to: 0}],
  link: [{order: 9, to: 18}, {order: 10, to: 0}],
  detached: [{order: 12, to: 0}],
  foldedFacts: [{order: 5, to: 0}],
  foldedExpand: [{order: 4, to: 0}],
} as const satisfies Record<string, readonly Step[]>

interface Layout {
  labelWidth: number
  timelineWidth: number
  offset: boolean
  self: boolean
}

function layoutFor(width: number, columns: TreeRenderOptions['columns']): Layout {
  const total = Math.max(40, width)
  const offset = columns?.offset ?? total >= 140
  const self = columns?.self ?? total >= 160
  const timelineWidth = Math.max(10, Math.min(60, Math.round(total * 0.28)))
  // marker(2) + label + space + [offset + space] + [self + space] + duration + space + |timeline|
  const labelWidth = total - 2 - 1 - (offset ? OFFSET_WIDTH + 1 : 0) - (self ? SELF_WIDTH + 1 : 0) - DURATION_WIDTH - 1 - (timelineWidth + 2)
  return {labelWidth, timelineWidth, offset, self}
}

function isPathSeparator(code: number): boolean {
  return code === 0x2f || code === 0x3a
}

/** The last non-empty part of a URL or ARN split at `/` and `:`, found without splitting (a line each in a big trace). */
function lastPathPart(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  let end = value.length
  while (end > 0 && isPathSeparator(value.charCodeAt(end - 1))) end--
  if (end === 0) return undefined
  let start = end - 1
  while (start > 0 && !isPathSeparator(value.charCodeAt(start - 1))) start--
  return value.slice(start, end)
}

function httpOf(node: TraceNode): {method?: string; url?: string; status?: number} {
  const request = asRecord(node.http?.request)
  const response = asRecord(node.http?.response)
  // .NET puts the method directly under http.
  const method = request?.method ?? node.http?.method
  const out: {method?: string; url?: string; status?: number} = {}
  if (typeof method === 'string' && method !== '') out.method = sanitize(method)
  if (typeof request?.url === 'string' && request.url !== '') out.url = sanitize(request.url)
  if (typeof response?.status === 'number') out.status = response.status
  return out
}

function awsOf(node: TraceNode): {operation?: string; resource?: string} {
  const aws = node.aws
  if (!aws) return {}
  const resource =
    (typeof aws.table_name === 'string' && aws.table_name) ||
    lastPathPart(aws.queue_url) ||
    lastPathPart(aws.topic_arn) ||
    (typeof aws.function_name === 'string' && aws.function_name) ||
    (typeof aws.bucket_name === 'string' && aws.bucket_name) ||
    undefined
  const out: {operation?: string; resource?: string} = {}
  if (typeof aws.operation === 'string' && aws.operation !== '') out.operation = sanitize(aws.operation)
  if (resource) out.resource = sanitize(resource)
  return out
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

/** A link as said on the node's line: which way, and which trace. */
function linkText(node: TraceNode, glyphs: Glyphs): string | undefined {
  const link = node.links?.[0]
  if (!link) return undefined
  const type = typeof link.attributes?.reference_type === 'string' ? link.attributes.reference_type : ''
  const direction = /^parent_of$/i.test(type) ? 'links to' : 'linked from'
  const more = (node.links?.length ?? 0) > 1 ? ` +${node.links!.length - 1}` : ''
  return `${glyphs.link} ${direction} ${sanitize(link.traceId)}${more}`
}

function labelParts(node: TraceNode, tags: string[] | undefined, hidden: number, chalk: ChalkInstance, glyphs: Glyphs): Part[] {
  const parts: Part[] = [{text: sanitize(node.name), style: nodeStyle(node, chalk), steps: STEPS.name}]
  const kind = node.kind === 'segment' ? (node.origin ?? 'segment') : (node.namespace ?? node.origin)
  if (kind) parts.push({text: ` ${sanitize(kind)}`, style: chalk.dim, steps: STEPS.kind})
  if (node.inferred) parts.push({text: ' (inferred)', style: chalk.dim, steps: STEPS.inferred})
  const http = httpOf(node)
  if (http.method) parts.push({text: ` ${http.method}`, steps: STEPS.method})
  if (http.url) parts.push({text: ` ${http.url}`, steps: STEPS.url, cut: 'middle'})
  if (http.status !== undefined) parts.push({text: ` ${http.status}`, style: statusStyle(http.status, chalk)})
  const aws = awsOf(node)
  if (aws.operation) parts.push({text: ` ${aws.operation}`, style: chalk.cyan})
  if (aws.resource) parts.push({text: ` ${aws.resource}`, style: chalk.cyan, steps: STEPS.resource})
  const sql = sqlSummary(node)
  if (sql) parts.push({text: ` ${sql}`, style: chalk.cyan, steps: STEPS.sql})
  const link = linkText(node, glyphs)
  if (link) parts.push({text: ` ${link}`, style: chalk.blue, steps: STEPS.link})
  if (tags) for (let t = 0; t < tags.length; t++) parts.push({text: ` [${tags[t]}]`, style: chalk.blue})
  if (node.name === 'Restore' && node.kind === 'subsegment') parts.push({text: ' [SnapStart restore]', style: chalk.blue})
  if (node.fault) parts.push({text: ' [fault]', style: chalk.red})
  if (node.throttle) parts.push({text: ' [throttle]', style: chalk.magenta})
  if (node.error) parts.push({text: ' [error]', style: chalk.yellow})
  if (node.clippedEnd !== undefined) parts.push({text: ' [no end]', style: chalk.yellow})
  else if (node.endTime === null) parts.push({text: ' [in progress]', style: chalk.cyan})
  if (node.cycleBroken) parts.push({text: ' [parent cycle cut]', style: chalk.yellow})
  else if (node.detachedFrom !== undefined) {
    parts.push({text: ` [parent ${sanitize(node.detachedFrom)} not in trace]`, style: chalk.yellow, steps: STEPS.detached})
  }
  if (hidden > 0) parts.push({text: ` [+${hidden} below]`, style: chalk.dim})
  return parts
}

/**
 * Lays parts into `width` cells: pieces give up room lowest `give` first (a URL shortened in the
 * middle, the kind dropped, the name cut…) while marks, status and operation stay. Styles are applied
 * after cutting, so they never count as width.
 */
function fitLabel(parts: Part[], width: number, ellipsis: string): {text: string; width: number} {
  // Indexed loops throughout: this runs once a line, cold, and an entries() iterator allocates twice an element.
  const natural: number[] = []
  let total = 0
  for (let index = 0; index < parts.length; index++) {
    const w = displayWidth(parts[index]!.text)
    natural.push(w)
    total += w
  }
  // Most labels fit as they are: no steps to plan, nothing to cut.
  if (total <= width) {
    let out = ''
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index]!
      if (natural[index]! > 0) out += part.style ? part.style(part.text) : part.text
    }
    return {text: out, width: total}
  }
  const widths = natural.slice()
  let excess = total - width
  // Plain loops: this runs for every label too wide for its column, which in a big trace is most of them.
  const steps: (Step & {index: number})[] = []
  for (let index = 0; index < parts.length; index++) {
    const partSteps = parts[index]!.steps
    if (partSteps) for (let s = 0; s < partSteps.length; s++) steps.push({order: partSteps[s]!.order, to: partSteps[s]!.to, index})
  }
  steps.sort((a, b) => a.order - b.order || a.index - b.index)
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!
    if (excess <= 0) break
    const current = widths[step.index]!
    if (current <= step.to) continue
    // Leave it out, or cut it to `to`: only as far as the excess needs when cutting.
    const target = step.to === 0 ? 0 : Math.max(step.to, current - excess)
    excess -= current - target
    widths[step.index] = target
  }
  let out = ''
  let used = 0
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!
    const w = widths[index]!
    if (w <= 0) continue
    let text = part.text
    if (natural[index]! > w) {
      const lead = text.startsWith(' ') ? ' ' : ''
      const body = lead ? text.slice(1) : text
      text = lead + (part.cut === 'middle' ? truncateMiddle(body, w - lead.length, ellipsis) : truncate(body, w - lead.length, ellipsis))
    }
    if (used + displayWidth(text) > width) text = truncate(text, width - used, ellipsis)
    if (text === '') continue
    out += part.style ? part.style(text) : text
    used += displayWidth(text)
  }
  return {text: out, width: used}
}

/** What a timeline bar is drawn from: a node, or the span of a fold. */
type Bar = Pick<TraceNode, 'startTime' | 'endTime' | 'clippedEnd' | 'fault' | 'error' | 'throttle'>

function timelineBar(node: Bar, trace: TraceModel, cells: number, critical: boolean, glyphs: Glyphs, chalk: ChalkInstance): string {
  const t0 = trace.startTime ?? 0
  const span = trace.duration && trace.duration > 0 ? trace.duration : 1
  const start = node.startTime ?? t0
  const open = node.endTime === null
  const end = node.endTime ?? node.clippedEnd ?? trace.endTime ?? start
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
  /** Exceptions printed at a deeper node: here they are only referred to. */
  causeBelow: Set<string>
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
  if (self !== undefined) push('self time', formatDuration(self))
  const url = asRecord(node.http?.request)?.url
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
    for (const group of logGroupsOf(node)) push('logs', `${group}   (aws logs tail ${shellQuote(group)} --since 1h)`)
  }
  for (const link of node.links ?? []) {
    const type = typeof link.attributes?.reference_type === 'string' ? ` (${sanitize(link.attributes.reference_type)})` : ''
    push('link', `${sanitize(link.traceId)}${type}, segment ${sanitize(link.id)}`)
    push('  open it', `xtrace show ${sanitize(link.traceId)}`)
  }
  if (node.annotations) {
    for (const [key, value] of Object.entries(node.annotations)) push(`annotation ${sanitize(key)}`, sanitizeValue(value))
  }
  if (node.metadata) {
    for (const [namespace, value] of Object.entries(node.metadata)) {
      push(`metadata ${sanitize(namespace)}`, truncate(sanitizeValue(value), MAX_METADATA, context.glyphs.ellipsis))
    }
  }
  lines.push(...causeLines(node, context))
  return lines
}

/** `aws.cloudwatch_logs: [{log_group}]`, as Lambda's function segment carries it. */
function logGroupsOf(node: TraceNode): string[] {
  const logs = node.aws?.cloudwatch_logs
  const list = Array.isArray(logs) ? logs : asRecord(logs) ? [logs] : []
  return [...new Set(list.map((item) => asRecord(item)?.log_group).filter((group): group is string => typeof group === 'string').map(sanitize))]
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`
}

/** What makes two recorded exceptions the same one: its id, else its type and message. */
function exceptionKey(exception: Record<string, unknown>): string {
  return typeof exception.id === 'string' ? `id:${exception.id}` : `${String(exception.type ?? '')}\u0000${String(exception.message ?? '')}`
}

function exceptionsOf(node: TraceNode): Record<string, unknown>[] {
  const cause = asRecord(node.cause)
  const exceptions = cause && Array.isArray(cause.exceptions) ? cause.exceptions : []
  return exceptions.map(asRecord).filter((item): item is Record<string, unknown> => item !== undefined)
}

/**
 * Root cause first: when a fault propagates up, each level records the same exception. Each one is
 * printed at the deepest node that has it; the nodes above say `(cause below)`. Returns, per node, the
 * exception keys that a deeper node prints. Linear: one post-order pass.
 */
function deeperCauses(roots: TraceNode[]): Map<string, Set<string>> {
  const below = new Map<string, Set<string>>()
  const inSubtree = new Map<TraceNode, Set<string>>()
  const order: TraceNode[] = []
  const stack = [...roots]
  while (stack.length > 0) {
    const node = stack.pop()!
    order.push(node)
    for (const child of node.children) stack.push(child)
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!
    const fromChildren = new Set<string>()
    for (const child of node.children) for (const key of inSubtree.get(child) ?? []) fromChildren.add(key)
    if (fromChildren.size > 0) below.set(node.id, fromChildren)
    const mine = new Set(fromChildren)
    for (const exception of exceptionsOf(node)) mine.add(exceptionKey(exception))
    inSubtree.set(node, mine)
    // Children's sets are no longer needed: keep memory linear.
    for (const child of node.children) inSubtree.delete(child)
  }
  return below
}

function causeLines(node: TraceNode, context: DetailContext): string[] {
  const {chalk, prefix} = context
  const cause = node.cause
  if (cause === undefined) return []
  if (typeof cause === 'string') return [`${prefix}${chalk.dim('cause:')} exception ${sanitize(cause)} (recorded on another segment)`]
  const object = asRecord(cause)
  if (!object) return [`${prefix}${chalk.dim('cause:')} ${sanitizeValue(cause)} (not a valid cause)`]
  const lines: string[] = []
  const exceptions = exceptionsOf(node)
  if (exceptions.length === 0 && typeof object.id === 'string') {
    lines.push(`${prefix}${chalk.dim('cause:')} see ${sanitize(object.id)}`)
  }
  const room = context.width - displayWidth(prefix) - 2
  for (const exception of exceptions) {
    const type = typeof exception.type === 'string' ? sanitize(exception.type) : 'exception'
    const message = typeof exception.message === 'string' ? `: ${sanitize(exception.message)}` : ''
    const remote = exception.remote === true ? ' (remote)' : ''
    if (context.causeBelow.has(exceptionKey(exception))) {
      lines.push(`${prefix}${chalk.red('!')} ${chalk.dim(truncate(`${type}${message} (cause below)`, Math.max(8, room), context.glyphs.ellipsis))}`)
      continue
    }
    lines.push(`${prefix}${chalk.red('!')} ${chalk.red(truncate(`${type}${message}${remote}`, Math.max(8, room), context.glyphs.ellipsis))}`)
    const stack = Array.isArray(exception.stack) ? exception.stack : []
    for (const frame of stack.slice(0, MAX_FRAMES)) {
      const f = asRecord(frame)
      if (!f) continue
      const label = typeof f.label === 'string' ? sanitize(f.label) : '?'
      const where = [f.path, f.line].filter((part) => part !== undefined && part !== null).map(sanitizeValue).join(':')
      lines.push(`${prefix}    ${chalk.dim(truncate(`at ${label}${where ? ` (${where})` : ''}`, Math.max(8, room - 4), context.glyphs.ellipsis))}`)
    }
    if (stack.length > MAX_FRAMES) lines.push(`${prefix}    ${chalk.dim(`${context.glyphs.ellipsis} ${stack.length - MAX_FRAMES} more frames`)}`)
  }
  return lines
}

/** Services by name, each with its origins: `orders-api (AWS::Lambda, AWS::Lambda::Function)`. */
function servicesText(trace: TraceModel): string {
  const byName = new Map<string, string[]>()
  for (const service of trace.services) {
    const origins = byName.get(service.name) ?? []
    if (service.origin && !origins.includes(service.origin)) origins.push(service.origin)
    byName.set(service.name, origins)
  }
  return [...byName].map(([name, origins]) => sanitize(origins.length > 0 ? `${name} (${origins.join(', ')})` : name)).join(', ')
}

function invocationFacts(invocation: LambdaInvocation): string[] {
  const facts: string[] = [invocation.invocationType === 'unknown' ? 'invocation type unknown' : invocation.invocationType]
  if (invocation.status !== undefined) facts.push(`status ${invocation.status}`)
  if (invocation.dwellTime !== undefined) facts.push(`dwell ${formatDuration(invocation.dwellTime)}`)
  if (invocation.attempts.length > 0) facts.push(plural(invocation.attempts.length, 'attempt'))
  if (invocation.invocationDuration !== undefined) facts.push(`invocation ${formatDuration(invocation.invocationDuration)}`)
  if (invocation.overheadDuration !== undefined) facts.push(`overhead ${formatDuration(invocation.overheadDuration)}`)
  if (invocation.restoreDuration !== undefined) facts.push(`SnapStart restore ${formatDuration(invocation.restoreDuration)}`)
  return facts
}

/** Many invocations: one line per function — count, sync/async, cold starts, worst status. */
function invocationSummary(invocations: LambdaInvocation[]): string[] {
  const byFunction = new Map<string, LambdaInvocation[]>()
  for (const invocation of invocations) byFunction.set(invocation.functionName, [...(byFunction.get(invocation.functionName) ?? []), invocation])
  return [...byFunction].map(([name, list]) => {
    const types = ['sync', 'async', 'unknown'].map((type) => [type, list.filter((i) => i.invocationType === type).length] as const).filter(([, n]) => n > 0)
    const cold = list.filter((i) => i.coldStart).length
    const worst = Math.max(...list.map((i) => i.status ?? 0))
    return `${sanitize(name)} ${plural(list.length, 'invocation')} (${types.map(([type, n]) => `${n} ${type === 'unknown' ? 'of unknown type' : type}`).join(', ')})${cold > 0 ? `, ${plural(cold, 'cold start')}` : ''}${worst > 0 ? `, worst status ${worst}` : ''}`
  })
}

function durationText(trace: TraceModel, now: number | undefined): string {
  if (trace.inProgress && (trace.duration === null || trace.duration === 0) && trace.startTime !== null && now !== undefined && now > trace.startTime) {
    return `${formatDuration(now - trace.startTime)} so far`
  }
  return trace.inProgress ? `${formatDuration(trace.duration)} so far` : formatDuration(trace.duration)
}

function headerLines(trace: TraceModel, glyphs: Glyphs, chalk: ChalkInstance, width: number, now: number | undefined): string[] {
  const sep = ` ${glyphs.dot} `
  const indent = ' '.repeat(13)
  const row = (label: string, text: string, style?: Style): string[] => {
    // Header lines wrap under themselves rather than lose their end.
    const [first = '', ...rest] = wrap(text, Math.max(20, width - indent.length))
    const paint = style ?? ((value: string) => value)
    return [`${chalk.dim(`  ${padEnd(label, 11)}`)}${paint(first)}`, ...rest.map((line) => `${indent}${paint(line)}`)]
  }
  const lines = [chalk.bold(truncate(`Trace ${sanitize(trace.id)}`, width, glyphs.ellipsis))]
  const started = [
    formatTimestamp(trace.startTime),
    `duration ${durationText(trace, now)}`,
    `${plural(trace.documentCount, 'document')}, ${plural(trace.nodeCount, 'node')}`,
    ...(trace.inProgress ? ['in progress'] : []),
  ]
  lines.push(...row('started', started.join(sep)))
  if (trace.services.length > 0) lines.push(...row('services', servicesText(trace)))
  if (trace.lambda.length > INVOCATIONS_LISTED) {
    for (const [i, text] of invocationSummary(trace.lambda).entries()) lines.push(...row(i === 0 ? 'lambda' : '', text))
  } else {
    for (const invocation of trace.lambda) lines.push(...row('lambda', `${sanitize(invocation.functionName)}: ${invocationFacts(invocation).join(', ')}`))
  }
  if (trace.lambda.length > 0) {
    const cold = trace.lambda.filter((invocation) => invocation.coldStart)
    const text =
      trace.coldStart === null
        ? 'unknown (no Lambda function segment in the trace)'
        : cold.length === 0
          ? 'no'
          : `yes (${summariseCold(cold)})`
    lines.push(...row('cold start', text, cold.length > 0 ? chalk.blue : undefined))
  }
  const {errors, faults, throttles} = trace.counts
  lines.push(...row('issues', [plural(errors, 'error'), plural(faults, 'fault'), plural(throttles, 'throttle')].join(sep)))
  const notes: string[] = []
  if (trace.limitExceeded) notes.push('incomplete: the trace reached X-Ray\'s size quota (LimitExceeded), and segments sent after that were not stored')
  if (trace.unreadableDocuments > 0) notes.push(`${plural(trace.unreadableDocuments, 'unreadable document')} (not drawn; see the warnings)`)
  if (trace.parentlessRoots > 1) notes.push(`${trace.parentlessRoots} roots: documents without a parent`)
  if (trace.unfinished > 0) notes.push(`${plural(trace.unfinished, 'node')} without an end inside finished work, drawn to the parent's end [no end]`)
  if (trace.farStarts.length > 0) {
    const worst = trace.farStarts.reduce((a, b) => (Math.abs(b.offset) > Math.abs(a.offset) ? b : a))
    notes.push(`${plural(trace.farStarts.length, 'node')} ${trace.farStarts.length === 1 ? 'starts' : 'start'} ${formatDuration(Math.abs(worst.offset))} ${worst.offset < 0 ? 'before' : 'after'} the rest (a clock off?): left out of the timeline`)
  }
  for (const [i, note] of notes.entries()) lines.push(...row(i === 0 ? 'notes' : '', note, chalk.yellow))
  return lines
}

function summariseCold(cold: LambdaInvocation[]): string {
  const byFunction = new Map<string, LambdaInvocation[]>()
  for (const invocation of cold) byFunction.set(invocation.functionName, [...(byFunction.get(invocation.functionName) ?? []), invocation])
  const parts = [...byFunction].map(([name, list]) => {
    const inits = list.map((i) => i.initDuration).filter((d): d is number => d !== undefined)
    if (list.length === 1) return `${sanitize(name)}${inits.length > 0 ? ` init ${formatDuration(inits[0]!)}` : ''}`
    return `${sanitize(name)} ${glyphCount(list.length)}${inits.length > 0 ? `, init up to ${formatDuration(Math.max(...inits))}` : ''}`
  })
  return listSome(parts, INVOCATIONS_LISTED, {more: 'functions'})
}

function glyphCount(count: number): string {
  return `${count} times`
}

/** A run of same-named siblings folded into one line. */
interface Folded {
  kind: 'folded'
  name: string
  nodes: TraceNode[]
}

/** A node drawn on its own line, or a fold: told apart by `kind`, which a node's is never 'folded'. */
type Row = TraceNode | Folded

/**
 * Siblings as rows: runs of `MIN_RUN` or more consecutive siblings with the same name fold into one
 * row (a Step Functions Map's 40 iterations), except those on the critical path, which stay as they are.
 */
function rowsOf(children: TraceNode[], critical: Set<string>, fold: boolean, expand: Set<string>): readonly Row[] {
  // Nothing to fold: the children are the rows (read, never changed).
  if (!fold || children.length < MIN_RUN) return children
  const rows: Row[] = []
  let i = 0
  while (i < children.length) {
    const name = children[i]!.name
    let j = i
    while (j < children.length && children[j]!.name === name) j++
    if (j - i < MIN_RUN) {
      // Too short to fold whatever is critical: most runs are one node, and need no arrays of their own.
      for (let k = i; k < j; k++) rows.push(children[k]!)
      i = j
      continue
    }
    const run = children.slice(i, j)
    const foldable = run.filter((node) => !critical.has(node.id))
    if (foldable.length >= MIN_RUN && !expand.has(name)) {
      // Critical ones keep their place before the fold; the rest become one row.
      for (const node of run) if (critical.has(node.id)) rows.push(node)
      rows.push({kind: 'folded', name, nodes: foldable})
    } else {
      for (const node of run) rows.push(node)
    }
    i = j
  }
  return rows
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

function foldedLabel(row: Folded, glyphs: Glyphs, chalk: ChalkInstance): Part[] {
  const durations = row.nodes.map((node) => node.duration).filter((d): d is number => d !== null).sort((a, b) => a - b)
  const faults = row.nodes.filter((node) => node.fault).length
  const errors = row.nodes.filter((node) => node.error).length
  const facts = [
    ...(durations.length > 0 ? [`p50 ${formatDuration(percentile(durations, 50))}`, `max ${formatDuration(durations.at(-1)!)}`] : []),
    ...(faults > 0 ? [plural(faults, 'fault')] : []),
    ...(errors > 0 ? [plural(errors, 'error')] : []),
  ]
  return [
    {text: sanitize(row.name), style: chalk.bold, steps: STEPS.name},
    {text: ` ${glyphs.times} ${row.nodes.length}`, style: chalk.bold},
    {text: `  ${facts.join(` ${glyphs.dot} `)}`, style: faults > 0 ? chalk.red : errors > 0 ? chalk.yellow : chalk.dim, steps: STEPS.foldedFacts},
    {text: ` [--expand ${sanitize(row.name)}]`, style: chalk.dim, steps: STEPS.foldedExpand},
  ]
}

export function renderTrace(trace: TraceModel, options: TreeRenderOptions): string {
  return [...traceLines(trace, options)].join('\n')
}

/**
 * The lines of one trace's drawing, as they are made: a caller that writes them as they come holds one
 * line at a time instead of the whole drawing (for 100,000 nodes the held lines cost most of the render
 * in garbage collection).
 */
export function* traceLines(trace: TraceModel, options: TreeRenderOptions): Generator<string> {
  const {chalk} = options
  const glyphs = options.ascii ? ASCII : UNICODE
  const layout = layoutFor(options.width, options.columns)
  const {labelWidth, timelineWidth} = layout
  const tags = lambdaTags(trace.lambda)
  // Guides may take at most half the label column, so narrow layouts still show names.
  const maxGuideLevels = Math.max(2, Math.min(MAX_GUIDE_LEVELS, Math.floor(labelWidth / 2 / glyphs.pipe.length)))
  const critical = new Set(trace.criticalPath)
  const fold = options.collapse ?? trace.nodeCount > COLLAPSE_ABOVE_NODES
  const expand = new Set(options.expand ?? [])
  const causesBelow = options.details ? deeperCauses(trace.roots) : new Map<string, Set<string>>()
  yield* headerLines(trace, glyphs, chalk, options.width, options.now)
  yield ''

  const axisLeft = '0'
  const axisRight = formatDuration(trace.duration)
  const axis = axisLeft + ' '.repeat(Math.max(1, timelineWidth - axisLeft.length - axisRight.length)) + axisRight
  yield (
    chalk.dim(
      `  ${padEnd(truncate(`${CRITICAL_MARK} critical path`, labelWidth, glyphs.ellipsis), labelWidth)} ` +
        (layout.offset ? `${padStart('start', OFFSET_WIDTH)} ` : '') +
        (layout.self ? `${padStart('self', SELF_WIDTH)} ` : '') +
        `${padStart('duration', DURATION_WIDTH)}  ${truncate(axis, timelineWidth)}`,
    )
  )

  const t0 = trace.startTime ?? 0
  const columnsOf = (node: TraceNode | undefined, folded?: Folded): string => {
    let text = ''
    if (layout.offset) {
      const start = folded ? folded.nodes[0]!.startTime : node!.startTime
      text += `${padStart(start === null ? '?' : `+${formatDuration(start - t0)}`, OFFSET_WIDTH)} `
    }
    if (layout.self) {
      const self = folded ? undefined : trace.selfTime.get(node!.id)
      text += `${padStart(self === undefined ? '' : formatDuration(self), SELF_WIDTH)} `
    }
    return chalk.dim(text)
  }

  interface Frame {
    row: Row
    depth: number
    guide: string
    /** displayWidth(guide): measured once for all the rows that share the guide, not once a line. */
    guideWidth: number
    connector: string
  }
  const lastWidth = displayWidth(glyphs.last)
  const branchWidth = displayWidth(glyphs.branch)
  const stack: Frame[] = []
  const pushRows = (rows: readonly Row[], depth: number, guide: string) => {
    const guideWidth = displayWidth(guide)
    for (let i = rows.length - 1; i >= 0; i--) stack.push({row: rows[i]!, depth, guide, guideWidth, connector: depth === 1 ? '' : i === rows.length - 1 ? glyphs.last : glyphs.branch})
  }
  pushRows(rowsOf(trace.roots, critical, fold, expand), 1, '')
  while (stack.length > 0) {
    const {row, depth, guide, guideWidth, connector} = stack.pop()!
    const isLast = connector === glyphs.last
    const prefix = guide + connector
    const prefixWidth = guideWidth + (isLast ? lastWidth : connector === '' ? 0 : branchWidth)
    if (row.kind === 'folded') {
      const label = fitLabel(foldedLabel(row, glyphs, chalk), labelWidth - prefixWidth, glyphs.ellipsis)
      const first = Math.min(...row.nodes.map((n) => n.startTime ?? Infinity))
      const last = Math.max(...row.nodes.map((n) => n.endTime ?? n.clippedEnd ?? n.startTime ?? -Infinity))
      const lead = row.nodes[0]!
      // The first node's bar, stretched over the whole run (its fields read one by one: a node is no plain object, node.ts).
      const span: Bar = Number.isFinite(first) && Number.isFinite(last) ? {startTime: first, endTime: last, clippedEnd: undefined, fault: lead.fault, error: lead.error, throttle: lead.throttle} : lead
      yield (
        `  ${chalk.dim(prefix)}${label.text}${' '.repeat(Math.max(0, labelWidth - prefixWidth - label.width))} ` +
          columnsOf(undefined, row) +
          `${padStart(Number.isFinite(last - first) ? formatDuration(last - first) : '?', DURATION_WIDTH)} ${timelineBar(span, trace, timelineWidth, false, glyphs, chalk)}`
      )
      continue
    }
    const node = row
    const showChildren = options.depth === undefined || depth < options.depth
    const hidden = showChildren ? 0 : countNodes(node.children)
    const onPath = critical.has(node.id)
    const label = fitLabel(labelParts(node, tags.get(node.id), hidden, chalk, glyphs), labelWidth - prefixWidth, glyphs.ellipsis)
    const duration =
      node.duration !== null ? formatDuration(node.duration) : node.clippedEnd !== undefined && node.startTime !== null ? `≥${formatDuration(node.clippedEnd - node.startTime)}` : node.endTime === null ? 'running' : '?'
    const mark = onPath ? chalk.cyan(CRITICAL_MARK) : ' '
    yield (
      `${mark} ${chalk.dim(prefix)}${label.text}${' '.repeat(Math.max(0, labelWidth - prefixWidth - label.width))} ` +
        columnsOf(node) +
        `${padStart(options.ascii ? duration.replace('≥', '>=') : duration, DURATION_WIDTH)} ${timelineBar(node, trace, timelineWidth, onPath, glyphs, chalk)}`
    )
    let childGuide = guide + (connector === '' ? '' : isLast ? glyphs.blank : glyphs.pipe)
    if (childGuide.length > maxGuideLevels * glyphs.pipe.length) {
      // Keep the innermost levels and show that outer ones were elided.
      childGuide = glyphs.ellipsis + childGuide.slice(childGuide.length - (maxGuideLevels - 1) * glyphs.pipe.length)
    }
    if (options.details) {
      const continuation = childGuide + (showChildren && node.children.length > 0 ? glyphs.pipe : glyphs.blank)
      yield* detailLines(node, {prefix: `  ${chalk.dim(continuation)}  `, width: options.width, trace, chalk, glyphs, causeBelow: causesBelow.get(node.id) ?? new Set()})
    }
    if (!showChildren) continue
    if (node.children.length > 0) pushRows(rowsOf(node.children, critical, fold, expand), depth + 1, childGuide)
  }
}

/** The whole of `xtrace show`'s standard output. */
export function renderShow(model: ShowModel, options: TreeRenderOptions): string {
  return [...showChunks(model, options)].join('')
}

/**
 * Characters past which `showChunks` ends a chunk (a chunk is this plus at most one line). Small enough that V8
 * keeps a chunk, whose lines are mostly two-byte for the tree's box drawing, among its young objects (below 128 KB):
 * 1,000 lines, ~120,000 characters, were each given pages of their own, new to the process, and on these machines a
 * page first touched costs ~12 µs (100,000 nodes: 6,300 faults and ~130 ms fewer, docs/DEVELOPMENT.md). Big enough
 * to keep writes few.
 */
const CHUNK_CHARACTERS = 16_384

/** `renderShow`'s text in pieces, made as they are asked for: joined, they are exactly `renderShow`'s. */
export function* showChunks(model: ShowModel, options: TreeRenderOptions): Generator<string> {
  let started = false
  let chunk: string[] = []
  let characters = 0
  const flush = function* () {
    if (chunk.length > 0) yield chunk.join('\n')
    chunk = []
    characters = 0
  }
  const block = function* (lines: Iterable<string>) {
    // Blocks are set apart by an empty line; every line but the first follows a newline.
    let separator = started ? '\n\n' : ''
    started = true
    for (const line of lines) {
      chunk.push(chunk.length === 0 ? separator + line : line)
      separator = '\n'
      characters += line.length + 1
      if (characters >= CHUNK_CHARACTERS) yield* flush()
    }
    yield* flush()
  }
  for (const trace of model.traces) yield* block(traceLines(trace, options))
  const notReturned = [...model.unprocessedTraceIds, ...model.missingTraceIds, ...model.unreadableTraceIds]
  if (notReturned.length > 0) {
    const {chalk} = options
    const lines = [chalk.yellow(`Not returned (${notReturned.length}):`)]
    for (const id of model.unprocessedTraceIds) lines.push(`  ${sanitize(id)}  unprocessed`)
    for (const id of model.missingTraceIds) lines.push(`  ${sanitize(id)}  not found`)
    for (const id of model.unreadableTraceIds) lines.push(`  ${sanitize(id)}  no document could be read`)
    yield* block(lines)
  }
  if (started) yield '\n'
}
