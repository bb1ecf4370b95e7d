import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {nodeOf} from '../../../src/traces/node.js'
import type {NodeKind, SegmentDocument, TraceNode} from '../../../src/traces/types.js'

/**
 * What a node reads from its document, written out plainly: the plain object every node was before node.ts (one
 * field each), against which the class's fields, bits and accessors are held.
 */
function plainNode(doc: SegmentDocument, kind: NodeKind, parentId: string | undefined) {
  const time = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null)
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
  const record = (value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined)
  const startTime = time(doc.start_time)
  const endTime = time(doc.end_time)
  const links = (Array.isArray(doc.links) ? doc.links : []).flatMap((item: unknown) => {
    const link = record(item)
    const traceId = text(link?.trace_id)
    const id = text(link?.id)
    const attributes = record(link?.attributes)
    return traceId && id ? [{traceId, id, ...(attributes ? {attributes} : {})}] : []
  })
  return {
    id: doc.id,
    name: typeof doc.name === 'string' && doc.name !== '' ? doc.name : '(unnamed)',
    kind,
    origin: text(doc.origin),
    namespace: text(doc.namespace),
    inferred: doc.inferred === true,
    inProgress: doc.in_progress === true,
    startTime,
    endTime,
    duration: startTime !== null && endTime !== null ? Math.max(0, endTime - startTime) : null,
    error: doc.error === true,
    fault: doc.fault === true,
    throttle: doc.throttle === true,
    http: record(doc.http),
    aws: record(doc.aws),
    sql: record(doc.sql),
    annotations: record(doc.annotations),
    metadata: record(doc.metadata),
    cause: doc.cause === null ? undefined : doc.cause,
    links: links.length > 0 ? links : undefined,
    children: [],
    parentId,
    detachedFrom: undefined,
    cycleBroken: undefined,
    clippedEnd: undefined,
  }
}

/** Every field of the TraceNode interface, read one by one (accessors included). */
function fieldsOf(node: TraceNode) {
  const {id, name, kind, origin, namespace, inferred, inProgress, startTime, endTime, duration, error, fault, throttle} = node
  const {http, aws, sql, annotations, metadata, cause, links, children, parentId, detachedFrom, cycleBroken, clippedEnd} = node
  return {id, name, kind, origin, namespace, inferred, inProgress, startTime, endTime, duration, error, fault, throttle, http, aws, sql, annotations, metadata, cause, links, children, parentId, detachedFrom, cycleBroken, clippedEnd}
}

const anything = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.double(), fc.string({maxLength: 4}), fc.dictionary(fc.string({maxLength: 3}), fc.integer(), {maxKeys: 2}), fc.array(fc.integer(), {maxLength: 2}))
const link = fc.oneof(anything, fc.record({trace_id: fc.oneof(fc.string({maxLength: 3}), anything), id: fc.oneof(fc.string({maxLength: 3}), anything), attributes: anything}, {requiredKeys: []}))
const field = (value: fc.Arbitrary<unknown>) => fc.oneof(value, anything)
const document = fc.record(
  {
    id: fc.string({minLength: 1, maxLength: 4}),
    name: field(fc.string({maxLength: 4})),
    origin: field(fc.constantFrom('AWS::Lambda', 'AWS::Lambda::Function')),
    namespace: field(fc.constantFrom('aws', 'remote')),
    start_time: field(fc.double({min: 0, max: 2e9})),
    end_time: field(fc.double({min: 0, max: 2e9})),
    error: anything,
    fault: anything,
    throttle: anything,
    inferred: anything,
    in_progress: anything,
    http: anything,
    aws: anything,
    sql: anything,
    annotations: anything,
    metadata: anything,
    cause: anything,
    links: field(fc.array(link, {maxLength: 3})),
  },
  {requiredKeys: ['id']},
)

describe('nodeOf', () => {
  it('reads every field of any document as a plain node of one field each would', () => {
    fc.assert(
      fc.property(document, fc.constantFrom<NodeKind>('segment', 'subsegment'), fc.option(fc.string({maxLength: 3}), {nil: undefined}), (doc, kind, parentId) => {
        expect(fieldsOf(nodeOf(doc, kind, parentId))).toStrictEqual(plainNode(doc, kind, parentId))
      }),
    )
  })

  it('sets what assembly and analysis set on one node only, though nodes share what they do not have', () => {
    const [a, b] = [nodeOf({id: 'a'}, 'segment', undefined), nodeOf({id: 'b'}, 'subsegment', 'a')]
    a.clippedEnd = 5
    a.detachedFrom = 'gone'
    a.cycleBroken = true
    expect([a.clippedEnd, a.detachedFrom, a.cycleBroken]).toEqual([5, 'gone', true])
    expect([b.clippedEnd, b.detachedFrom, b.cycleBroken]).toEqual([undefined, undefined, undefined])
    a.cycleBroken = false
    expect(a.cycleBroken).toBeUndefined()
    // What a node was made with stays as it was.
    const c = nodeOf({id: 'c', throttle: true, cause: {exceptions: []}, in_progress: true}, 'subsegment', undefined)
    c.clippedEnd = 2
    expect(fieldsOf(c)).toMatchObject({throttle: true, inProgress: true, cause: {exceptions: []}, clippedEnd: 2, kind: 'subsegment'})
  })

  it('gives a node without children one that cannot be added to', () => {
    const node = nodeOf({id: 'a'}, 'segment', undefined)
    expect(node.children).toEqual([])
    expect(() => node.children.push(node)).toThrow(TypeError)
  })
})
