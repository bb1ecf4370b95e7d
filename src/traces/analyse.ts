import type {AssembledTrace} from './assemble.js'
import type {IssueCounts, LambdaAttempt, LambdaInvocation, TraceModel, TraceNode} from './types.js'

/**
 * Facts derived once from an assembled tree: time bounds, services, error counts, the Lambda
 * picture (service segment, attempts, function segment, cold start), the critical path and
 * each node's self time. Pure functions over the tree; every walk is iterative and linear
 * (the critical path adds one sort of each node's children).
 */

const LAMBDA_SERVICE = 'AWS::Lambda'
const LAMBDA_FUNCTION = 'AWS::Lambda::Function'

/** A node's parent. */
export interface ParentLookup {
  get(node: TraceNode): TraceNode | undefined
}

/**
 * Parents looked up in a map made the first time one is asked for: only Lambda service segments and
 * unfinished nodes ask, and a big trace often has neither (a 100,000-entry map is ~20 ms).
 */
function lazyParents(nodes: TraceNode[]): ParentLookup {
  let parents: Map<TraceNode, TraceNode> | undefined
  return {
    get(node) {
      if (!parents) {
        parents = new Map()
        for (const parent of nodes) for (const child of parent.children) parents.set(child, parent)
      }
      return parents.get(node)
    },
  }
}

// The loops over every node index their arrays: this code runs once a process, cold (interpreted), where a
// for-of allocates an iterator result per element (1,000 nodes: a scavenge more).

/** How many nodes the trees under `roots` hold, roots included, without listing them. */
export function countNodes(roots: readonly TraceNode[]): number {
  let count = 0
  const stack = [...roots]
  while (stack.length > 0) {
    const node = stack.pop()!
    count++
    const children = node.children
    for (let i = 0; i < children.length; i++) stack.push(children[i]!)
  }
  return count
}

function timeBounds(nodes: TraceNode[]): {start: number | null; end: number | null} {
  let start: number | null = null
  let end: number | null = null
  for (let at = 0; at < nodes.length; at++) {
    const node = nodes[at]!
    if (node.startTime !== null && (start === null || node.startTime < start)) start = node.startTime
    const last = node.endTime ?? node.startTime
    if (last !== null && (end === null || last > end)) end = last
  }
  return {start, end}
}

function countIssues(nodes: TraceNode[]): IssueCounts {
  const counts = {errors: 0, faults: 0, throttles: 0}
  for (let at = 0; at < nodes.length; at++) {
    const node = nodes[at]!
    if (node.error) counts.errors++
    if (node.fault) counts.faults++
    if (node.throttle) counts.throttles++
  }
  return counts
}

/**
 * Every service the trace went through, once: its segments, and the subsegments that stand as roots
 * (a function's handler traced by the SDK, sent without Lambda's own segments).
 */
function listServices(nodes: TraceNode[], roots: readonly TraceNode[]): {name: string; origin?: string}[] {
  const seen = new Set<string>()
  const services: {name: string; origin?: string}[] = []
  const rootSet = new Set(roots)
  for (let at = 0; at < nodes.length; at++) {
    const node = nodes[at]!
    if (node.kind !== 'segment' && !rootSet.has(node)) continue
    const key = `${node.name}\u0000${node.origin ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    services.push(node.origin === undefined ? {name: node.name} : {name: node.name, origin: node.origin})
  }
  return services
}

function httpStatus(node: TraceNode): number | undefined {
  const response = node.http?.response
  if (typeof response === 'object' && response !== null) {
    const status = (response as Record<string, unknown>).status
    if (typeof status === 'number') return status
  }
  return undefined
}

const ATTEMPT = /^Attempt #(\d+)$/

function functionNameOf(node: TraceNode): string {
  const arn = node.aws?.function_arn
  if (typeof arn === 'string') {
    const match = /:function:([^:]+)/.exec(arn)
    if (match?.[1]) return match[1]
  }
  return node.name
}

function describeFunctionSegment(invocation: LambdaInvocation, fn: TraceNode): void {
  invocation.functionSegmentId = fn.id
  const arn = fn.aws?.function_arn
  if (typeof arn === 'string') invocation.functionArn = arn
  for (const child of fn.children) {
    if (child.name === 'Initialization') {
      invocation.coldStart = true
      if (child.duration !== null) invocation.initDuration = (invocation.initDuration ?? 0) + child.duration
    } else if (child.name === 'Restore') {
      // SnapStart resumes from a snapshot instead of initialising: not a classic cold start.
      if (child.duration !== null) invocation.restoreDuration = child.duration
    } else if (child.name === 'Invocation' && child.duration !== null) {
      invocation.invocationDuration = child.duration
    } else if (child.name === 'Overhead' && child.duration !== null) {
      invocation.overheadDuration = child.duration
    }
  }
}

/** Pairs each Attempt with the function segment that started during it; falls back to order. */
function pairAttempts(attempts: TraceNode[], functions: TraceNode[]): LambdaAttempt[] {
  const paired = new Set<TraceNode>()
  const result: LambdaAttempt[] = attempts.map((attempt) => ({
    nodeId: attempt.id,
    number: Number(ATTEMPT.exec(attempt.name)?.[1] ?? 0),
  }))
  attempts.forEach((attempt, i) => {
    const direct = attempt.children.find((child) => child.origin === LAMBDA_FUNCTION)
    const during =
      direct ??
      functions.find(
        (fn) =>
          !paired.has(fn) &&
          fn.startTime !== null &&
          attempt.startTime !== null &&
          fn.startTime >= attempt.startTime - 0.001 &&
          (attempt.endTime === null || fn.startTime <= attempt.endTime + 0.001),
      )
    if (during) {
      paired.add(during)
      result[i]!.functionSegmentId = during.id
    }
  })
  const unpaired = functions.filter((fn) => !paired.has(fn))
  for (const attempt of result) {
    if (attempt.functionSegmentId === undefined && unpaired.length > 0) attempt.functionSegmentId = unpaired.shift()!.id
  }
  return result
}

/** The Lambda API calls that run a function; any other (GetFunction, ListFunctions…) is an ordinary downstream call. */
export const INVOKE_OPERATIONS = new Set(['Invoke', 'InvokeAsync', 'InvokeWithResponseStream'])

/**
 * Whether an `AWS::Lambda` segment stands for an invocation. Lambda's own service segment does; an
 * inferred one (X-Ray draws it from the caller's subsegment, as in Step Functions or SDK traces) does
 * only when the call was an invoke.
 */
export function isInvocation(service: TraceNode, parentOf: ParentLookup): boolean {
  const operation = service.aws?.operation ?? parentOf.get(service)?.aws?.operation
  if (typeof operation === 'string') return INVOKE_OPERATIONS.has(operation)
  return !service.inferred
}

export function analyseLambda(nodes: TraceNode[], parentOf: ParentLookup): LambdaInvocation[] {
  const invocations: LambdaInvocation[] = []
  const claimed = new Set<TraceNode>()
  for (let at = 0; at < nodes.length; at++) {
    const service = nodes[at]!
    if (service.origin !== LAMBDA_SERVICE || service.kind !== 'segment' || !isInvocation(service, parentOf)) continue
    const attempts = service.children.filter((child) => ATTEMPT.test(child.name))
    const functions: TraceNode[] = []
    for (const child of service.children) if (child.origin === LAMBDA_FUNCTION) functions.push(child)
    for (const attempt of attempts) {
      for (const child of attempt.children) if (child.origin === LAMBDA_FUNCTION) functions.push(child)
    }
    const dwell = service.children.find((child) => child.name === 'Dwell Time')
    const status = httpStatus(service)
    const caller = parentOf.get(service)
    const callerType = caller?.aws?.invocation_type
    const invocation: LambdaInvocation = {
      functionName: functionNameOf(functions[0] ?? service),
      serviceSegmentId: service.id,
      invocationType:
        status === 202 || dwell !== undefined || callerType === 'Event'
          ? 'async'
          : callerType === 'RequestResponse' || (status !== undefined && status !== 202)
            ? 'sync'
            : 'unknown',
      attempts: pairAttempts(attempts, functions),
      coldStart: false,
    }
    if (status !== undefined) invocation.status = status
    if (dwell?.duration != null) invocation.dwellTime = dwell.duration
    const first = functions[0]
    if (first) describeFunctionSegment(invocation, first)
    for (const fn of functions) claimed.add(fn)
    invocations.push(invocation)
  }
  // Function segments whose service segment is not in the trace still say whether they started cold.
  for (let at = 0; at < nodes.length; at++) {
    const fn = nodes[at]!
    if (fn.origin !== LAMBDA_FUNCTION || fn.kind !== 'segment' || claimed.has(fn)) continue
    const invocation: LambdaInvocation = {
      functionName: functionNameOf(fn),
      invocationType: 'unknown',
      attempts: [],
      coldStart: false,
    }
    describeFunctionSegment(invocation, fn)
    invocations.push(invocation)
  }
  return invocations
}

/**
 * Duration less the union of the children's intervals, clipped to the node. Children are sorted by
 * start; `childrenOverride` lets a Lambda attempt count the function segment that ran in it.
 */
export function computeSelfTimes(nodes: TraceNode[], childrenOverride: Map<TraceNode, TraceNode[]> = new Map()): Map<string, number> {
  const selfTime = new Map<string, number>()
  for (let at = 0; at < nodes.length; at++) {
    const node = nodes[at]!
    if (node.startTime === null || node.endTime === null) continue
    const start = node.startTime
    const end = Math.max(start, node.endTime)
    let covered = 0
    let runStart = -Infinity
    let runEnd = -Infinity
    const override = childrenOverride.get(node)
    const children = override ? [...override].sort((a, b) => (a.startTime ?? Infinity) - (b.startTime ?? Infinity)) : node.children
    for (let c = 0; c < children.length; c++) {
      const child = children[c]!
      if (child.startTime === null) continue
      const childStart = Math.max(start, child.startTime)
      const childEnd = Math.min(end, child.endTime ?? child.clippedEnd ?? end)
      if (childEnd <= childStart) continue
      if (childStart > runEnd) {
        if (runEnd > runStart) covered += runEnd - runStart
        runStart = childStart
        runEnd = childEnd
      } else if (childEnd > runEnd) {
        runEnd = childEnd
      }
    }
    if (runEnd > runStart) covered += runEnd - runStart
    selfTime.set(node.id, Math.max(0, end - start - covered))
  }
  return selfTime
}

/**
 * The chain of work that determines end-to-end latency, as Jaeger computes it for spans: from the
 * end of the trace walk backwards, always descending into the child that finished last before the
 * point in time reached; when a node has no such child, step back to its parent at the node's start.
 * Children are clipped to their parent's interval; work that starts after its parent ended (an
 * asynchronous call) cannot be on the path. All roots sit under a virtual root spanning the trace.
 * `childrenOverride` lets a node stand in another's place for this walk only (see lambdaPathChildren).
 */
export function computeCriticalPath(
  roots: TraceNode[],
  traceEnd: number | null,
  childrenOverride: Map<TraceNode, TraceNode[]> = new Map(),
): string[] {
  interface Item {
    node: TraceNode | undefined
    start: number
    end: number
    parent: Item | undefined
    children: Item[] | undefined
    /** Index into children sorted by end time, descending; only ever moves forward. */
    cursor: number
  }
  if (roots.length === 0 || traceEnd === null) return []

  const build = (node: TraceNode, parent: Item): Item => {
    const start = Math.max(node.startTime ?? parent.start, parent.start)
    const end = Math.min(Math.max(node.endTime ?? node.clippedEnd ?? traceEnd, start), parent.end)
    return {node, start, end, parent, children: undefined, cursor: 0}
  }
  const childrenOf = (item: Item): Item[] => {
    if (item.children) return item.children
    const source = item.node ? (childrenOverride.get(item.node) ?? item.node.children) : roots
    const children: Item[] = []
    for (const child of source) {
      if (child.startTime !== null && child.startTime > item.end) continue
      children.push(build(child, item))
    }
    children.sort((a, b) => b.end - a.end)
    item.children = children
    return children
  }

  let traceStart = Infinity
  for (const root of roots) if (root.startTime !== null) traceStart = Math.min(traceStart, root.startTime)
  if (!Number.isFinite(traceStart)) return []
  const top: Item = {node: undefined, start: traceStart, end: traceEnd, parent: undefined, children: undefined, cursor: 0}

  const reversed: string[] = []
  let current: Item = top
  let bound = top.end
  // Each step either advances a cursor or moves up a level, so the loop ends; the cap guards data we did not foresee.
  for (let steps = 0; steps < 10_000_000; steps++) {
    const children = childrenOf(current)
    while (current.cursor < children.length && children[current.cursor]!.end > bound) current.cursor++
    const next = children[current.cursor]
    if (current.node) reversed.push(current.node.id)
    if (next && next.end > current.start) {
      current.cursor++
      current = next
      bound = next.end
      continue
    }
    if (!current.parent) break
    bound = current.start
    current = current.parent
  }

  const seen = new Set<string>()
  const path: string[] = []
  for (let i = reversed.length - 1; i >= 0; i--) {
    const id = reversed[i]!
    if (!seen.has(id)) {
      seen.add(id)
      path.push(id)
    }
  }
  return path
}

/**
 * For the critical path, a Lambda function segment counts as the child of the Attempt it ran in
 * (the documents make both children of the service segment), so the path runs through the
 * attempt into the function's own work. The tree itself is not re-parented.
 */
function lambdaPathChildren(invocations: LambdaInvocation[], byId: Map<string, TraceNode>): Map<TraceNode, TraceNode[]> {
  const override = new Map<TraceNode, TraceNode[]>()
  for (const invocation of invocations) {
    const service = invocation.serviceSegmentId === undefined ? undefined : byId.get(invocation.serviceSegmentId)
    if (!service) continue
    const moved = new Set<TraceNode>()
    for (const attempt of invocation.attempts) {
      const attemptNode = byId.get(attempt.nodeId)
      const fn = attempt.functionSegmentId === undefined ? undefined : byId.get(attempt.functionSegmentId)
      if (!attemptNode || !fn || !service.children.includes(fn)) continue
      override.set(attemptNode, [...attemptNode.children, fn])
      moved.add(fn)
    }
    if (moved.size > 0) override.set(service, service.children.filter((child) => !moved.has(child)))
  }
  return override
}

/**
 * Unfinished work inside finished work: a node with no end whose parent ended is drawn to the parent's
 * end and marked, and the critical path stops it there. A node is still running only when every
 * ancestor is too; the trace is in progress only when such a chain reaches a root. Returns the running
 * roots and the number of clipped nodes. Parents come before children in `nodes`.
 */
function settleUnfinished(nodes: TraceNode[], parentOf: ParentLookup): {running: boolean; clipped: number} {
  const open = new Set<TraceNode>()
  let clipped = 0
  let running = false
  for (let at = 0; at < nodes.length; at++) {
    const node = nodes[at]!
    if (node.endTime !== null) continue
    const parent = parentOf.get(node)
    const parentEnd = parent ? (parent.endTime ?? parent.clippedEnd) : undefined
    if (parent && parentEnd !== undefined && parentEnd !== null) {
      node.clippedEnd = Math.max(parentEnd, node.startTime ?? parentEnd)
      clipped++
    } else if (!parent || open.has(parent)) {
      open.add(node)
      if (!parent) running = true
    }
  }
  return {running, clipped}
}

const DAY = 86400

/** Nodes whose start lies a day or more from the median start of the trace: a clock gone wrong. */
function farStarts(nodes: TraceNode[]): {id: string; offset: number}[] {
  let count = 0
  let earliest = Infinity
  let latest = -Infinity
  for (let at = 0; at < nodes.length; at++) {
    const start = nodes[at]!.startTime
    if (start === null) continue
    count++
    if (start < earliest) earliest = start
    if (start > latest) latest = start
  }
  // The median lies between the earliest and the latest start, so when those are less than a day apart no start is a
  // day from it: the common case, answered without sorting 100,000 starts (~25 ms).
  if (count < 3 || latest - earliest < DAY) return []
  // A typed array sorts numerically without a comparator: several times faster on a big trace.
  const starts = new Float64Array(count)
  let filled = 0
  for (let at = 0; at < nodes.length; at++) {
    const start = nodes[at]!.startTime
    if (start !== null) starts[filled++] = start
  }
  starts.sort()
  const median = starts[Math.floor(starts.length / 2)]!
  return nodes.filter((node) => node.startTime !== null && Math.abs(node.startTime - median) >= DAY).map((node) => ({id: node.id, offset: node.startTime! - median}))
}

/**
 * The nodes the Lambda picture names, by id: only those, as a map of every node of a 100,000-node trace with one
 * invocation in it cost ~50 ms for the handful that are looked up.
 */
function nodesNamedBy(invocations: LambdaInvocation[], nodes: TraceNode[]): Map<string, TraceNode> {
  const byId = new Map<string, TraceNode>()
  if (invocations.length === 0) return byId
  const named = new Set<string>()
  for (const invocation of invocations) {
    if (invocation.serviceSegmentId !== undefined) named.add(invocation.serviceSegmentId)
    for (const attempt of invocation.attempts) {
      named.add(attempt.nodeId)
      if (attempt.functionSegmentId !== undefined) named.add(attempt.functionSegmentId)
    }
  }
  for (let at = 0; at < nodes.length; at++) {
    const node = nodes[at]!
    if (named.has(node.id)) byId.set(node.id, node)
  }
  return byId
}

/** The whole model of one assembled trace. */
export function analyseTrace(trace: AssembledTrace, unreadableDocuments = 0, limitExceeded = false): TraceModel {
  const nodes = trace.nodes
  const parentOf = lazyParents(nodes)
  const settled = settleUnfinished(nodes, parentOf)
  const far = farStarts(nodes)
  const farIds = new Set(far.map((item) => item.id))
  // A node with a broken clock would stretch the whole timeline: the bounds are taken without it.
  const {start, end} = timeBounds(far.length > 0 ? nodes.filter((node) => !farIds.has(node.id)) : nodes)
  const lambda = analyseLambda(nodes, parentOf)
  const byId = nodesNamedBy(lambda, nodes)
  const told = lambda.filter((invocation) => invocation.functionSegmentId !== undefined)
  // The critical path and self times see a function segment under the attempt it ran in.
  const lambdaChildren = lambdaPathChildren(lambda, byId)
  let selfTime: Map<string, number> | undefined
  return {
    id: trace.id,
    roots: trace.roots,
    nodeCount: trace.nodeCount,
    documentCount: trace.documentCount,
    startTime: start,
    endTime: end,
    duration: start !== null && end !== null ? end - start : null,
    services: listServices(nodes, trace.roots),
    lambda,
    coldStart: told.length === 0 ? null : told.some((invocation) => invocation.coldStart),
    criticalPath: computeCriticalPath(trace.roots, end, lambdaChildren),
    // Made when first read: only a self column (160 columns and wider, or --columns self), --details and stats read
    // it, and for 100,000 nodes it is a 100,000-entry map.
    get selfTime() {
      return (selfTime ??= computeSelfTimes(nodes, lambdaChildren))
    },
    counts: countIssues(nodes),
    inProgress: settled.running,
    unfinished: settled.clipped,
    unreadableDocuments,
    limitExceeded,
    parentlessRoots: trace.roots.filter((root) => root.parentId === undefined).length,
    farStarts: far,
    warnings: trace.warnings,
  }
}
