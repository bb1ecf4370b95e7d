/** A segment or subsegment document as X-Ray defines it; untrusted, so every field is unknown. */
export type SegmentDocument = Record<string, unknown>

/**
 * A document read from some input, with where it came from (for warnings) and its trace: the document itself, or
 * its nodes made as it was read (`walked`, by split-read.ts, so that the document need not be kept). Walked nodes
 * become the assembled tree: such a document is assembled once.
 */
export type SourcedDocument = {
  /** The trace id the container says it belongs to (a `Trace.Id`), if any. */
  traceId?: string
  /** Human-readable origin, e.g. `trace.json: Traces[0].Segments[3]`. */
  source: string
} & ({doc: SegmentDocument; walked?: undefined} | {walked: WalkedDocument; doc?: undefined})

/** A subsegment the walk of a document skipped, in its place among the nodes: the trace's warnings say so. */
export interface Skipped {
  kind: 'skipped'
  /** The parent whose subsegment is not an object; undefined for a subsegment without an id. */
  parentOf: string | undefined
}

/**
 * A document walked (walkDocument, assemble.ts): what assembly takes from it, so that the document itself need not be kept.
 * A big saved file's documents are walked as they are read (split-read.ts), and never outlive the young generation.
 */
export interface WalkedDocument {
  /** The document's own `trace_id`, if a string. */
  traceId: string | undefined
  /** False for a document without a string id: skipped whole. */
  hasId: boolean
  /** Its nodes, depth first, each subsegment after its parent, with what was skipped where it was met. */
  steps: (TraceNode | Skipped)[]
}

/** Everything read from one or more inputs, before assembly. */
export interface ParsedInput {
  documents: SourcedDocument[]
  /** Trace ids named by containers (BatchGetTraces / Trace objects), even with no documents. */
  traceIds: string[]
  unprocessedTraceIds: string[]
  warnings: string[]
  /** Per trace id: documents the input holds for it that could not be read. */
  unreadable?: Map<string, number>
  /** Trace ids the input lists (`xtrace traces --ids`, or its tab-separated lines): to be fetched. */
  idsToFetch?: string[]
  /** Trace ids whose Trace object says `LimitExceeded`: X-Ray stopped storing the trace at its size quota. */
  limitExceeded?: string[]
}

export type NodeKind = 'segment' | 'subsegment'

/**
 * One node of the assembled tree. Built once; every output reads from it. Made by node.ts, where the fields few nodes
 * have, the yes-or-no ones and the duration are read through accessors: a node is no plain object, so copy the fields
 * you need rather than spreading it.
 */
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
  /** Span links to other traces (an SQS consumer to its producer, …), as the document gives them. */
  links?: TraceLink[]
  children: TraceNode[]
  /** The parent id the documents name, when there is one. */
  parentId?: string
  /** Set when the named parent is not in the trace (or was cut to break a cycle). */
  detachedFrom?: string
  /** Set on a node whose parent link was cut to break a cycle. */
  cycleBroken?: boolean
  /**
   * For a node with no end of its own inside a parent that ended: where it is drawn to, and where the
   * critical path stops it (its parent's end). Set by analysis.
   */
  clippedEnd?: number
}

export interface TraceLink {
  traceId: string
  id: string
  attributes?: Record<string, unknown>
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
  /** null: no Lambda function segment in the trace, so it cannot be told. */
  coldStart: boolean | null
  criticalPath: string[]
  /** Seconds of a node's own time (duration less the union of its children), by node id; made when first read. */
  readonly selfTime: Map<string, number>
  counts: IssueCounts
  /** A root, or a chain of open nodes from a root, is still running. */
  inProgress: boolean
  /** Nodes without an end inside an ended parent (drawn to the parent's end, marked `no end`). */
  unfinished: number
  /** Documents of this trace that could not be read. */
  unreadableDocuments: number
  /**
   * X-Ray marked the trace `LimitExceeded`: it reached the trace document size quota, and segments sent after that
   * were not stored, so the trace is incomplete (the console says "This trace has reached its maximum allocated quota").
   */
  limitExceeded: boolean
  /** Roots that name no parent at all: more than one means documents lost theirs. */
  parentlessRoots: number
  /** Nodes that start a day or more away from the rest of the trace (clock trouble), by id. */
  farStarts: {id: string; offset: number}[]
  warnings: string[]
}
