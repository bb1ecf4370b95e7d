import {asRecord, asString} from '../util/record.js'
import type {NodeKind, SegmentDocument, TraceLink, TraceNode} from './types.js'

/**
 * The nodes of an assembled tree. Each field a node holds is 8 bytes more for each of 100,000 nodes to allocate, copy
 * through the young generation and keep (and on the machines measured, every 4 KB page first touched costs ~14 µs).
 * So a node holds what most nodes have, what few have sits in one object of its own (shared by all the nodes that
 * have none of it), the yes-or-no fields are bits of one integer, and the duration is worked out when read instead of
 * kept in a number box of its own (a trial that only dropped ten fields drew 100,000 nodes in ~893 instead of ~976 ms
 * on Node 20: docs/DEVELOPMENT.md, "Smaller nodes, less analysis").
 *
 * Every node is an AssembledNode with its fields in one order, so that reading a field stays monomorphic (a
 * 100,000-node trace was ~3x slower to analyse with dozens of object shapes).
 */

/** What few nodes have. */
interface Rare {
  cause: unknown
  links: TraceLink[] | undefined
  detachedFrom: string | undefined
  clippedEnd: number | undefined
}

function rare(cause: unknown, links: TraceLink[] | undefined): Rare {
  return {cause, links, detachedFrom: undefined, clippedEnd: undefined}
}

/** The rare fields of every node that has none of them; frozen, so that a write meant for one node cannot reach all. */
const NONE: Rare = Object.freeze(rare(undefined, undefined))

// The yes-or-no fields, as bits of one small integer (no field, nor number box, of their own).
const SUBSEGMENT = 1
const ERROR = 2
const FAULT = 4
const THROTTLE = 8
const INFERRED = 16
const IN_PROGRESS = 32
const CYCLE_BROKEN = 64

/**
 * The children of every node that has none: one frozen array, where an array a node was 100,000 more objects to copy
 * and keep. Only assembly gives a node children (an array of its own, assemble.ts); anything else that tried would throw.
 */
export const NO_CHILDREN = Object.freeze([]) as unknown as TraceNode[]

function asTime(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/** `links: [{trace_id, id, attributes}]` (X-Ray span links): the well-formed ones. */
function linksOf(value: unknown[]): TraceLink[] {
  const links: TraceLink[] = []
  for (const item of value) {
    const link = asRecord(item)
    const traceId = asString(link?.trace_id)
    const id = asString(link?.id)
    if (!traceId || !id) continue
    const attributes = asRecord(link?.attributes)
    links.push({traceId, id, ...(attributes ? {attributes} : {})})
  }
  return links
}

class AssembledNode implements TraceNode {
  id: string
  name: string
  origin: string | undefined
  namespace: string | undefined
  startTime: number | null
  endTime: number | null
  http: Record<string, unknown> | undefined
  aws: Record<string, unknown> | undefined
  sql: Record<string, unknown> | undefined
  annotations: Record<string, unknown> | undefined
  metadata: Record<string, unknown> | undefined
  children: TraceNode[]
  parentId: string | undefined
  private flags: number
  private rare: Rare

  /** A document (or an embedded subsegment) whose `id` is a non-empty string. */
  constructor(doc: SegmentDocument, kind: NodeKind, parentId: string | undefined) {
    this.id = doc.id as string
    this.name = typeof doc.name === 'string' && doc.name !== '' ? doc.name : '(unnamed)'
    this.origin = asString(doc.origin)
    this.namespace = asString(doc.namespace)
    this.startTime = asTime(doc.start_time)
    this.endTime = asTime(doc.end_time)
    this.http = asRecord(doc.http)
    this.aws = asRecord(doc.aws)
    this.sql = asRecord(doc.sql)
    this.annotations = asRecord(doc.annotations)
    this.metadata = asRecord(doc.metadata)
    this.children = NO_CHILDREN
    this.parentId = parentId
    this.flags =
      (kind === 'subsegment' ? SUBSEGMENT : 0) |
      (doc.error === true ? ERROR : 0) |
      (doc.fault === true ? FAULT : 0) |
      (doc.throttle === true ? THROTTLE : 0) |
      (doc.inferred === true ? INFERRED : 0) |
      (doc.in_progress === true ? IN_PROGRESS : 0)
    const cause = doc.cause === null ? undefined : doc.cause
    const links = Array.isArray(doc.links) ? linksOf(doc.links) : []
    this.rare = cause !== undefined || links.length > 0 ? rare(cause, links.length > 0 ? links : undefined) : NONE
  }

  get kind(): NodeKind {
    return this.flags & SUBSEGMENT ? 'subsegment' : 'segment'
  }

  get error(): boolean {
    return (this.flags & ERROR) !== 0
  }

  get fault(): boolean {
    return (this.flags & FAULT) !== 0
  }

  get duration(): number | null {
    return this.startTime !== null && this.endTime !== null ? Math.max(0, this.endTime - this.startTime) : null
  }

  get inferred(): boolean {
    return (this.flags & INFERRED) !== 0
  }

  get inProgress(): boolean {
    return (this.flags & IN_PROGRESS) !== 0
  }

  get throttle(): boolean {
    return (this.flags & THROTTLE) !== 0
  }

  get cause(): unknown {
    return this.rare.cause
  }

  get links(): TraceLink[] | undefined {
    return this.rare.links
  }

  get detachedFrom(): string | undefined {
    return this.rare.detachedFrom
  }

  set detachedFrom(value: string | undefined) {
    this.ownRare().detachedFrom = value
  }

  get cycleBroken(): boolean | undefined {
    return this.flags & CYCLE_BROKEN ? true : undefined
  }

  set cycleBroken(value: boolean | undefined) {
    this.flags = value ? this.flags | CYCLE_BROKEN : this.flags & ~CYCLE_BROKEN
  }

  get clippedEnd(): number | undefined {
    return this.rare.clippedEnd
  }

  set clippedEnd(value: number | undefined) {
    this.ownRare().clippedEnd = value
  }

  private ownRare(): Rare {
    if (this.rare === NONE) this.rare = rare(undefined, undefined)
    return this.rare
  }
}

/** The node a document (or an embedded subsegment) with a non-empty string `id` stands for. */
export function nodeOf(doc: SegmentDocument, kind: NodeKind, parentId: string | undefined): TraceNode {
  return new AssembledNode(doc, kind, parentId)
}
