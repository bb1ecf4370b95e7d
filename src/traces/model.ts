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
  /** Problems with the input that did not stop the rest from rendering. */
  warnings: string[]
}

/** parse → assemble → analyse, for everything read. `requested` are ids the user asked for. */
export function buildShowModel(input: ParsedInput, requested: string[] = []): ShowModel {
  const assembled = assembleTraces(input.documents, input.traceIds)
  const traces = assembled.map((trace) => analyseTrace(trace))
  const position = new Map(requested.map((id, i) => [id, i]))
  traces.sort((a, b) => (position.get(a.id) ?? Infinity) - (position.get(b.id) ?? Infinity))

  const present = new Set(traces.filter((trace) => trace.nodeCount > 0).map((trace) => trace.id))
  const unprocessed = input.unprocessedTraceIds.filter((id) => !present.has(id))
  const missing = requested.filter((id) => !present.has(id) && !unprocessed.includes(id))
  const warnings = [...input.warnings]
  for (const trace of traces) {
    if (trace.nodeCount === 0 && !requested.includes(trace.id) && !unprocessed.includes(trace.id)) {
      warnings.push(`trace ${trace.id} has no readable segments`)
    }
  }
  return {
    traces: traces.filter((trace) => trace.nodeCount > 0),
    unprocessedTraceIds: unprocessed,
    missingTraceIds: missing,
    warnings,
  }
}

/** The `--json` shape of a node, as documented in the README: the model's fields less the internal ones. */
export type NodeJson = Omit<TraceNode, 'children' | 'parentId' | 'detachedFrom' | 'cycleBroken'> & {children: NodeJson[]}

export interface TraceJson {
  id: string
  startTime: number | null
  duration: number | null
  coldStart: boolean
  criticalPath: string[]
  roots: NodeJson[]
}

export interface ShowJson {
  traces: TraceJson[]
  unprocessedTraceIds: string[]
}

function nodeToJson(node: TraceNode): NodeJson {
  const json: NodeJson = {id: node.id, name: node.name, kind: node.kind} as NodeJson
  if (node.origin !== undefined) json.origin = node.origin
  if (node.namespace !== undefined) json.namespace = node.namespace
  json.inferred = node.inferred
  json.inProgress = node.inProgress
  json.startTime = node.startTime
  json.endTime = node.endTime
  json.duration = node.duration
  json.error = node.error
  json.fault = node.fault
  json.throttle = node.throttle
  if (node.http) json.http = node.http
  if (node.aws) json.aws = node.aws
  if (node.sql) json.sql = node.sql
  if (node.annotations) json.annotations = node.annotations
  if (node.metadata) json.metadata = node.metadata
  if (node.cause !== undefined) json.cause = node.cause
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
      startTime: trace.startTime,
      duration: trace.duration,
      coldStart: trace.coldStart,
      criticalPath: trace.criticalPath,
      roots: treeToJson(trace.roots),
    })),
    unprocessedTraceIds: [...model.unprocessedTraceIds, ...model.missingTraceIds],
  }
}
