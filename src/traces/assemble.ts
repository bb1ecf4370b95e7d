import {sanitize} from '../text/sanitize.js'
import {asRecord, asString} from '../util/record.js'
import {NO_CHILDREN, nodeOf} from './node.js'
import type {NodeKind, SegmentDocument, Skipped, SourcedDocument, TraceNode, WalkedDocument} from './types.js'

/**
 * Builds the segment tree of each trace, in two passes as Jaeger does for spans:
 * 1. flatten every document and every embedded subsegment into entries `{node, parentId}`,
 *    keeping one entry per id (a complete document beats an in-progress one);
 * 2. link entries to parents by id. A parent that is not in the trace makes the node a root
 *    marked as detached; a self-parent or a cycle is cut (with a warning) rather than followed.
 * Siblings and roots are ordered by start time. Nothing recurses, so depth cannot overflow the stack.
 */

export const UNKNOWN_TRACE_ID = '(unknown trace)'

export interface AssembledTrace {
  id: string
  roots: TraceNode[]
  /** Every node, parents before children, siblings in start order (as `roots` are). */
  nodes: TraceNode[]
  nodeCount: number
  documentCount: number
  warnings: string[]
}

/**
 * Each id's node, in the order the ids were first met (Map order). A node's own fields tell its rank (nodeRank): no
 * wrapper object a node, which for 100,000 nodes was 100,000 more objects for the collector to copy.
 */
type Entries = Map<string, TraceNode>

/** Completeness: a finished document outranks an in-progress one for the same id. */
function rankOf(inProgress: boolean, endTime: number | null): number {
  if (inProgress) return 0
  return endTime === null ? 1 : 2
}

/** The rank of the document a node was made of: a node keeps both fields as they were (node.ts). */
function nodeRank(node: TraceNode): number {
  return rankOf(node.inProgress, node.endTime)
}

/** Start time, then end time, then id: the same order whatever order the documents arrived in. */
function byStartTime(a: TraceNode, b: TraceNode): number {
  return compareTimes(a.startTime, b.startTime) || compareTimes(a.endTime, b.endTime) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** Whether the siblings already stand as byStartTime would put them: X-Ray's documents mostly list them so, and a sort copies the array. */
function inStartOrder(nodes: TraceNode[]): boolean {
  for (let i = 1; i < nodes.length; i++) if (byStartTime(nodes[i - 1]!, nodes[i]!) > 0) return false
  return true
}

function compareTimes(a: number | null, b: number | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a - b
}

/**
 * A document's nodes, depth first, each subsegment after its parent, given to `visit` with what was skipped where it
 * was met: how assembleTraces walks a document, whatever trace it joins.
 */
function walkNodes(doc: SegmentDocument, visit: (step: TraceNode | Skipped) => void): void {
  const topKind: NodeKind = doc.type === 'subsegment' ? 'subsegment' : 'segment'
  const stack: {doc: SegmentDocument; kind: NodeKind; parentId: string | undefined}[] = [{doc, kind: topKind, parentId: asString(doc.parent_id)}]
  while (stack.length > 0) {
    const item = stack.pop()!
    const id = item.doc.id
    if (typeof id !== 'string' || id === '') {
      visit(NO_ID)
      continue
    }
    visit(nodeOf(item.doc, item.kind, item.parentId))
    const subsegments = item.doc.subsegments
    if (Array.isArray(subsegments)) {
      for (let i = subsegments.length - 1; i >= 0; i--) {
        const sub = asRecord(subsegments[i])
        if (sub) stack.push({doc: sub, kind: 'subsegment', parentId: id})
        else visit({kind: 'skipped', parentOf: id})
      }
    }
  }
}

const NO_ID: Skipped = {kind: 'skipped', parentOf: undefined}

function hasId(doc: SegmentDocument): boolean {
  return typeof doc.id === 'string' && doc.id !== ''
}

/** A document's nodes made now, for assembly later: the document itself need not be kept (split-read.ts). */
export function walkDocument(doc: SegmentDocument): WalkedDocument {
  const walked: WalkedDocument = {traceId: asString(doc.trace_id), hasId: hasId(doc), steps: []}
  if (walked.hasId) walkNodes(doc, (step) => walked.steps.push(step))
  return walked
}

/** The trace a document names: its container's (a `Trace.Id`), or else its own `trace_id`. */
function namedTraceId({traceId, walked, doc}: SourcedDocument): string | undefined {
  return traceId ?? (walked ? walked.traceId : asString(doc.trace_id))
}

/** Group documents by trace and assemble each trace's tree. */
export function assembleTraces(documents: SourcedDocument[], expectedTraceIds: string[] = []): AssembledTrace[] {
  const traces = new Map<string, {entries: Entries; documentCount: number; warnings: string[]}>()
  const traceFor = (id: string) => {
    let trace = traces.get(id)
    if (!trace) {
      trace = {entries: new Map(), documentCount: 0, warnings: []}
      traces.set(id, trace)
    }
    return trace
  }
  for (const id of expectedTraceIds) traceFor(id)

  // Documents that name no trace (embedded fragments, .NET test payloads) join the only trace
  // their input names, or a trace of their own.
  const knownIds = new Set(expectedTraceIds)
  for (let i = 0; i < documents.length; i++) {
    const id = namedTraceId(documents[i]!)
    if (id) knownIds.add(id)
  }
  const fallbackTraceId = knownIds.size === 1 ? [...knownIds][0]! : UNKNOWN_TRACE_ID

  // Indexed loops: this runs cold on small inputs, where an iterator costs a result object a step.
  for (let i = 0; i < documents.length; i++) {
    const document = documents[i]!
    const {doc, walked, source} = document
    const trace = traceFor(namedTraceId(document) ?? fallbackTraceId)
    if (walked ? !walked.hasId : !hasId(doc)) {
      trace.warnings.push(`${source}: document without a string "id"; skipped`)
      continue
    }
    trace.documentCount++
    const take = (step: TraceNode | Skipped) => {
      if (step.kind === 'skipped') {
        trace.warnings.push(
          step.parentOf === undefined
            ? `${source}: a subsegment without a string "id" was skipped`
            : `${source}: a subsegment of ${sanitize(step.parentOf)} is not an object; skipped`,
        )
        return
      }
      const existing = trace.entries.get(step.id)
      const existingRank = existing ? nodeRank(existing) : -1
      const rank = nodeRank(step)
      // An older, in-progress copy already there wins over an even less finished one; the walk went on into its
      // embedded subsegments all the same, as they may still be new.
      if (existingRank > rank) return
      if (existingRank === 2 && rank === 2) {
        trace.warnings.push(`${source}: id ${sanitize(step.id)} appears more than once; the last copy is shown`)
      }
      // Replacing an entry keeps its place in the map: nodes stay in the order their ids were first met.
      trace.entries.set(step.id, step)
    }
    // Walked here, unless the reading walked it already (split-read.ts): each assembly gets nodes of its own.
    if (walked) for (let at = 0; at < walked.steps.length; at++) take(walked.steps[at]!)
    else walkNodes(doc, take)
  }

  const result: AssembledTrace[] = []
  for (const [id, trace] of traces) {
    result.push({id, ...linkTree(trace.entries, trace.warnings), documentCount: trace.documentCount})
  }
  return result
}

function linkTree(entries: Entries, warnings: string[]): Omit<AssembledTrace, 'id' | 'documentCount'> {
  const roots: TraceNode[] = []
  entries.forEach((node) => {
    const parentId = node.parentId
    if (parentId === undefined) {
      roots.push(node)
    } else if (parentId === node.id) {
      node.cycleBroken = true
      warnings.push(`${sanitize(node.id)} names itself as its parent; shown as a root`)
      roots.push(node)
    } else {
      const parent = entries.get(parentId)
      if (parent) {
        // A first child gets an array of one: a push onto an empty array makes room for 17.
        if (parent.children === NO_CHILDREN) parent.children = [node]
        else parent.children.push(node)
      } else {
        node.detachedFrom = parentId
        roots.push(node)
      }
    }
  })
  roots.sort(byStartTime)
  let nodes = walkInStartOrder(roots, entries.size)
  // Anything not reachable from a root hangs on a cycle: cut the first such node loose and retry. Every node
  // is in one children list (or the roots) at most, so the walk meets each reachable node once: fewer nodes
  // than entries tells that there is a cycle.
  if (nodes.length < entries.size) {
    cutCycles(entries, roots, warnings)
    roots.sort(byStartTime)
    nodes = walkInStartOrder(roots, entries.size)
  }
  return {roots, nodes, nodeCount: nodes.length, warnings}
}

/**
 * Every node under `roots`, parents before children, siblings in start order: each children list is put in that
 * order as its parent is reached. One walk for both, and analysis reads the nodes from it instead of walking again.
 */
function walkInStartOrder(roots: TraceNode[], most: number): TraceNode[] {
  // Made at its full length once: grown a push at a time, 100,000 nodes went through six arrays too big for the young
  // generation, each a fresh mapping from the system.
  const nodes = new Array<TraceNode>(most)
  let count = 0
  const stack: TraceNode[] = []
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i]!)
  while (stack.length > 0) {
    const node = stack.pop()!
    nodes[count++] = node
    const children = node.children
    if (children.length > 1 && !inStartOrder(children)) children.sort(byStartTime)
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!)
  }
  nodes.length = count
  return nodes
}

/** Nodes no root reaches hang on a parent cycle: each first one met is cut loose as a root, and what it reaches is kept under it. */
function cutCycles(entries: Entries, roots: TraceNode[], warnings: string[]): void {
  const visited = new Set<TraceNode>()
  const visit = (start: TraceNode) => {
    const stack = [start]
    while (stack.length > 0) {
      const node = stack.pop()!
      if (visited.has(node)) continue
      visited.add(node)
      for (const child of node.children) stack.push(child)
    }
  }
  for (const root of roots) visit(root)
  // In the order the ids were first met, as the tree was linked.
  for (const node of entries.values()) {
    if (visited.has(node)) continue
    // Not reached, so neither a root nor detached: its parent is in the trace and holds it as a child.
    const parent = entries.get(node.parentId!)
    if (parent) parent.children = parent.children.filter((child) => child !== node)
    node.cycleBroken = true
    node.detachedFrom = node.parentId
    warnings.push(`${sanitize(node.id)} is part of a parent cycle; the cycle was cut there`)
    roots.push(node)
    visit(node)
  }
}
