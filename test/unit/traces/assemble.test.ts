import {describe, expect, it} from 'vitest'

import {assembleTraces, UNKNOWN_TRACE_ID} from '../../../src/traces/assemble.js'
import type {SegmentDocument, TraceNode} from '../../../src/traces/types.js'
import {modelOf} from '../../harness/fixtures.js'
import {walk} from '../../harness/tree.js'

const TRACE = '1-6b04eba2-c16f9196aeffbc1aba4613ea'

function doc(id: string, start: number, extra: Partial<SegmentDocument> = {}): SegmentDocument {
  return {id, name: id, trace_id: TRACE, start_time: start, end_time: start + 1, ...extra}
}

function assemble(...docs: SegmentDocument[]) {
  const traces = assembleTraces(docs.map((d, i) => ({doc: d, source: `doc ${i}`})))
  expect(traces).toHaveLength(1)
  // The nodes analysis reads are the tree's, in the order a walk from the roots meets them (cycles cut or not).
  expect(traces[0]!.nodes).toEqual(walk(traces[0]!.roots))
  expect(traces[0]!.nodes).toHaveLength(traces[0]!.nodeCount)
  return traces[0]!
}

/** The tree as nested "id(child,child)" text: the drawn shape each test expects. */
function shape(nodes: TraceNode[]): string {
  return nodes.map((n) => (n.children.length > 0 ? `${n.id}(${shape(n.children)})` : n.id)).join(',')
}

describe('assembleTraces', () => {
  it('links separate documents by parent_id, whatever their order', () => {
    // root ─┬─ sub (embedded) ── inferred (separate, parent is the subsegment)
    //       └─ child (separate segment, listed first)
    const trace = assemble(
      doc('inferred', 3, {parent_id: 'sub', inferred: true}),
      doc('child', 2, {parent_id: 'root'}),
      doc('root', 0, {subsegments: [{id: 'sub', name: 'sub', start_time: 1, end_time: 4}]}),
    )
    expect(shape(trace.roots)).toBe('root(sub(inferred),child)')
    expect(trace.warnings).toEqual([])
  })

  it('orders siblings by start time, unknown start last', () => {
    const trace = assemble(
      doc('root', 0, {
        subsegments: [
          {id: 'c', name: 'c', start_time: 3},
          {id: 'none', name: 'none'},
          {id: 'a', name: 'a', start_time: 1},
          {id: 'b', name: 'b', start_time: 2},
        ],
      }),
    )
    expect(shape(trace.roots)).toBe('root(a,b,c,none)')
  })

  it('makes a document with a parent outside the trace a root marked as detached', () => {
    const trace = assemble(doc('root', 0), doc('lost', 1, {parent_id: 'nowhere'}))
    expect(shape(trace.roots)).toBe('root,lost')
    expect(trace.roots[1]!.detachedFrom).toBe('nowhere')
  })

  it('keeps the complete copy of an id sent in progress first (and the other way round)', () => {
    for (const order of [0, 1]) {
      const open = doc('seg', 0, {in_progress: true, end_time: undefined})
      const done = doc('seg', 0, {end_time: 5, subsegments: [{id: 'x', name: 'x', start_time: 1, end_time: 2}]})
      const trace = assemble(...(order === 0 ? [open, done] : [done, open]))
      expect(trace.nodeCount).toBe(2)
      expect(trace.roots[0]!.inProgress).toBe(false)
      expect(trace.roots[0]!.endTime).toBe(5)
      expect(trace.warnings).toEqual([])
    }
  })

  it('warns when two complete copies share an id, and shows one', () => {
    const trace = assemble(doc('seg', 0), doc('seg', 0, {name: 'second'}))
    expect(trace.nodeCount).toBe(1)
    expect(trace.roots[0]!.name).toBe('second')
    expect(trace.warnings).toEqual([expect.stringContaining('id seg appears more than once')])
  })

  it('cuts self-parents and cycles instead of looping', () => {
    // a → b → c → a (a cycle), d → d (self)
    const trace = assemble(
      doc('a', 0, {parent_id: 'c'}),
      doc('b', 1, {parent_id: 'a'}),
      doc('c', 2, {parent_id: 'b'}),
      doc('d', 3, {parent_id: 'd'}),
    )
    expect(trace.nodeCount).toBe(4)
    expect(walk(trace.roots).map((n) => n.id).sort()).toEqual(['a', 'b', 'c', 'd'])
    expect(shape(trace.roots)).toBe('a(b(c)),d')
    expect(trace.roots.every((root) => root.cycleBroken)).toBe(true)
    expect(trace.warnings).toHaveLength(2)
  })

  it('handles a chain 100,000 deep without recursion', () => {
    const docs = [doc('n0', 0)]
    for (let i = 1; i < 100_000; i++) docs.push(doc(`n${i}`, i, {parent_id: `n${i - 1}`}))
    const trace = assemble(...docs.reverse())
    expect(trace.nodeCount).toBe(100_000)
    expect(walk(trace.roots)).toHaveLength(100_000)
  })

  it('skips documents without an id and says so', () => {
    const trace = assemble(doc('ok', 0), {name: 'no id', trace_id: TRACE} as SegmentDocument)
    expect(trace.nodeCount).toBe(1)
    expect(trace.warnings).toEqual(['doc 1: document without a string "id"; skipped'])
  })

  it('groups by trace, and gives documents without trace_id to the only trace there is', () => {
    const other = '1-6b04eba3-500783a4b52468aeecbb3210'
    const two = assembleTraces([
      {doc: doc('a', 0), source: 's'},
      {doc: {...doc('b', 0), trace_id: other}, source: 's'},
      {doc: {id: 'c', name: 'c', start_time: 0, end_time: 1}, source: 's'},
    ])
    expect(two.map((t) => [t.id, t.nodeCount])).toEqual([
      [TRACE, 1],
      [other, 1],
      [UNKNOWN_TRACE_ID, 1],
    ])
    const one = assembleTraces([
      {doc: doc('a', 0), source: 's'},
      {doc: {id: 'c', name: 'c', start_time: 0, end_time: 1}, source: 's'},
    ])
    expect(one.map((t) => [t.id, t.nodeCount])).toEqual([[TRACE, 2]])
  })
})

describe('real documents', () => {
  it('puts the out-of-order AWS docs example together: Lambda under the caller, inferred under their subsegments', () => {
    const [trace] = modelOf('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json').traces
    expect(shape(trace!.roots)).toBe(
      '194fcc8747581230(0c544c1b1bbff948(1fb07842d944e714(00f91aa01f4984fd(2279c0030c955e52,e6d2fe619f827804,b29b548af4d54a0f(1ee3c4a523f89ca5)))),071684f2e555e571(4cd3f10b76c624b4(17ba309b32c7fbaf)))',
    )
  })

  it('joins 150 streamed subsegments to their parents (children arrive before parents)', () => {
    const model = modelOf('xray/sdk-generated/node-xray-sdk-checkout-inventory-streamed.batch-get-traces.json')
    const fanOut = model.traces.find((t) => t.id === '1-6b04eba3-203771834374a7e9f6e0b449')!
    expect(fanOut.roots).toHaveLength(1)
    expect(fanOut.roots[0]!.name).toBe('checkout-api')
    const shards = fanOut.roots[0]!.children
    expect(shards.map((c) => c.name).sort()).toEqual(['shard-0', 'shard-1', 'shard-2', 'shard-3', 'shard-4', 'shard-5'])
    for (const shard of shards) {
      expect(shard.children).toHaveLength(12)
      for (const batch of shard.children) expect(batch.children.map((c) => c.name)).toEqual(['DynamoDB'])
    }
    expect(fanOut.nodeCount).toBe(1 + 6 + 72 + 72)
    expect(fanOut.warnings).toEqual([])
    // checkout → inventory-service continues the trace through the propagated header.
    const checkout = model.traces.find((t) => t.id === '1-6b04eba2-c16f9196aeffbc1aba4613ea')!
    const names = walk(checkout.roots).map((n) => n.name)
    expect(checkout.roots).toHaveLength(1)
    expect(names).toContain('inventory-service')
  })
})
