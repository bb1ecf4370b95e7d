import {analyseTrace} from './analyse.js'
import {assembleTraces} from './assemble.js'
import type {ParsedInput, TraceModel, TraceNode} from './types.js'

/** Everything `xtrace show` knows after reading inputs and fetching: the one model all outputs read. */
export interface ShowModel {
  traces: TraceModel[]
  /** Ids X-Ray listed as unprocessed (or an input file did). */
  unprocessedTraceIds: string[]
  /** Ids that were asked for but came back neither as traces nor as unprocessed. */
  missingTraceIds: string[]
  /** Traces that came back, but not one of whose documents could be read. */
  unreadableTraceIds: string[]
  /** The ids that were fetched from X-Ray (not read from a file). */
  requestedTraceIds?: string[]
  /** Problems with the input that did not stop the rest from rendering. */
  warnings: string[]
}

/** parse → assemble → analyse, for everything read. `requested` are ids the user asked for. */
export function buildShowModel(input: ParsedInput, requested: string[] = []): ShowModel {
  const assembled = assembleTraces(input.documents, input.traceIds)
  const limited = new Set(input.limitExceeded)
  const traces = assembled.map((trace) => analyseTrace(trace, input.unreadable?.get(trace.id) ?? 0, limited.has(trace.id)))
  const position = new Map(requested.map((id, i) => [id, i]))
  traces.sort((a, b) => (position.get(a.id) ?? Infinity) - (position.get(b.id) ?? Infinity))

  const present = new Set(traces.filter((trace) => trace.nodeCount > 0).map((trace) => trace.id))
  const unreadable = traces.filter((trace) => trace.nodeCount === 0 && trace.unreadableDocuments > 0).map((trace) => trace.id)
  const unprocessed = input.unprocessedTraceIds.filter((id) => !present.has(id) && !unreadable.includes(id))
  const missing = requested.filter((id) => !present.has(id) && !unprocessed.includes(id) && !unreadable.includes(id))
  const warnings = [...input.warnings]
  for (const trace of traces) {
    if (trace.nodeCount === 0 && !requested.includes(trace.id) && !unprocessed.includes(trace.id) && !unreadable.includes(trace.id)) {
      warnings.push(`trace ${trace.id} has no readable segments`)
    }
  }
  return {
    traces: traces.filter((trace) => trace.nodeCount > 0),
    unprocessedTraceIds: unprocessed,
    missingTraceIds: missing,
    unreadableTraceIds: unreadable,
    requestedTraceIds: requested,
    warnings,
  }
}

/** The `--json` shape of a node, as documented in the README: the model's fields less the internal ones. */
export type NodeJson = Omit<TraceNode, 'children' | 'parentId' | 'detachedFrom' | 'cycleBroken' | 'clippedEnd'> & {children: NodeJson[]}

export interface TraceJson {
  id: string
  startTime: number | null
  duration: number | null
  /** null: no Lambda function segment to tell by. */
  coldStart: boolean | null
  criticalPath: string[]
  /** Documents of the trace that could not be read (and are not in `roots`). */
  unreadableDocuments: number
  /** X-Ray stopped storing the trace at its size quota (its `LimitExceeded`): what came after is not in it. */
  limitExceeded: boolean
  roots: NodeJson[]
}

export interface ShowJson {
  traces: TraceJson[]
  unprocessedTraceIds: string[]
  /** Traces X-Ray (or the file) returned, none of whose documents could be read. */
  unreadableTraceIds: string[]
}

/** Times and durations to the microsecond: X-Ray's own precision, without float noise. */
function micro(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1_000_000) / 1_000_000
}

function nodeToJson(node: TraceNode): NodeJson {
  const json: NodeJson = {id: node.id, name: node.name, kind: node.kind} as NodeJson
  if (node.origin !== undefined) json.origin = node.origin
  if (node.namespace !== undefined) json.namespace = node.namespace
  json.inferred = node.inferred
  json.inProgress = node.inProgress
  json.startTime = micro(node.startTime)
  json.endTime = micro(node.endTime)
  json.duration = micro(node.duration)
  json.error = node.error
  json.fault = node.fault
  json.throttle = node.throttle
  if (node.http) json.http = node.http
  if (node.aws) json.aws = node.aws
  if (node.sql) json.sql = node.sql
  if (node.annotations) json.annotations = node.annotations
  if (node.metadata) json.metadata = node.metadata
  if (node.cause !== undefined) json.cause = node.cause
  if (node.links) json.links = node.links
  json.children = []
  return json
}

/** Converts a tree without recursion, so a 100,000-deep chain cannot overflow the stack. */
function treeToJson(roots: TraceNode[]): NodeJson[] {
  const out = roots.map(nodeToJson)
  const stack: [TraceNode, NodeJson][] = roots.map((root, i) => [root, out[i]!])
  while (stack.length > 0) {
    const [node, json] = stack.pop()!
    for (const child of node.children) {
      const childJson = nodeToJson(child)
      json.children.push(childJson)
      stack.push([child, childJson])
    }
  }
  return out
}

export function toShowJson(model: ShowModel): ShowJson {
  return {
    traces: model.traces.map((trace) => ({
      id: trace.id,
      startTime: micro(trace.startTime),
      duration: micro(trace.duration),
      coldStart: trace.coldStart,
      criticalPath: trace.criticalPath,
      unreadableDocuments: trace.unreadableDocuments,
      limitExceeded: trace.limitExceeded,
      roots: treeToJson(trace.roots),
    })),
    unprocessedTraceIds: [...model.unprocessedTraceIds, ...model.missingTraceIds],
    unreadableTraceIds: model.unreadableTraceIds,
  }
}
