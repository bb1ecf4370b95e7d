/** A segment or subsegment document as X-Ray defines it; untrusted, so every field is unknown. */
export type SegmentDocument = Record<string, unknown>

/** A document read from some input, with where it came from (for warnings) and its trace. */
export interface SourcedDocument {
  doc: SegmentDocument
  /** The trace id the container says it belongs to (a `Trace.Id`), if any. */
  traceId?: string
  /** Human-readable origin, e.g. `trace.json: Traces[0].Segments[3]`. */
  source: string
}

/** Everything read from one or more inputs, before assembly. */
export interface ParsedInput {
  documents: SourcedDocument[]
  /** Trace ids named by containers (BatchGetTraces / Trace objects), even with no documents. */
  traceIds: string[]
  unprocessedTraceIds: string[]
  warnings: string[]
  /** Trace ids the input lists (`xtrace traces --ids`, or its tab-separated lines): to be fetched. */
  idsToFetch?: string[]
}

export type NodeKind = 'segment' | 'subsegment'

/** One node of the assembled tree. Built once; every output reads from it. */
export interface TraceNode {
  id: string
  name: string
  kind: NodeKind
  origin?: string
  namespace?: string
  inferred: boolean
  inProgress: boolean
  startTime: number | null
  endTime: number | null
  /** Seconds; null when either end is unknown. */
  duration: number | null
  error: boolean
  fault: boolean
  throttle: boolean
  http?: Record<string, unknown>
  aws?: Record<string, unknown>
  sql?: Record<string, unknown>
  annotations?: Record<string, unknown>
  metadata?: Record<string, unknown>
  cause?: unknown
  children: TraceNode[]
  /** The parent id the documents name, when there is one. */
  parentId?: string
  /** Set when the named parent is not in the trace (or was cut to break a cycle). */
  detachedFrom?: string
  /** Set on a node whose parent link was cut to break a cycle. */
  cycleBroken?: boolean
}

export interface LambdaAttempt {
  nodeId: string
  number: number
  /** The `AWS::Lambda::Function` segment that ran during this attempt, when one did. */
  functionSegmentId?: string
}

/** What one Lambda invocation in a trace looked like. Durations in seconds. */
export interface LambdaInvocation {
  functionName: string
  functionArn?: string
  serviceSegmentId?: string
  functionSegmentId?: string
  invocationType: 'sync' | 'async' | 'unknown'
  status?: number
  dwellTime?: number
  attempts: LambdaAttempt[]
  coldStart: boolean
  initDuration?: number
  restoreDuration?: number
  invocationDuration?: number
  overheadDuration?: number
}

export interface IssueCounts {
  errors: number
  faults: number
  throttles: number
}

/** A whole trace, assembled and analysed. */
export interface TraceModel {
  id: string
  roots: TraceNode[]
  nodeCount: number
  /** Number of top-level documents (segments and independent subsegments). */
  documentCount: number
  startTime: number | null
  endTime: number | null
  duration: number | null
  /** Service names in order of first appearance, with their origin. */
  services: {name: string; origin?: string}[]
  lambda: LambdaInvocation[]
  coldStart: boolean
  criticalPath: string[]
  /** Seconds of a node's own time (duration less the union of its children). */
  selfTime: Map<string, number>
  counts: IssueCounts
  inProgress: boolean
  warnings: string[]
}
