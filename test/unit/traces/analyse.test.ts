import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {analyseTrace, computeCriticalPath, computeSelfTimes} from '../../../src/traces/analyse.js'
import {assembleTraces} from '../../../src/traces/assemble.js'
import type {SegmentDocument} from '../../../src/traces/types.js'
import {modelOf} from '../../harness/fixtures.js'
import {walk} from '../../harness/tree.js'

const TRACE = '1-6b04eba2-c16f9196aeffbc1aba4613ea'

function treeOf(docs: SegmentDocument[]) {
  const [trace] = assembleTraces(docs.map((doc) => ({doc: {trace_id: TRACE, ...doc}, source: 'test'})))
  return trace!
}

function span(id: string, start: number, end: number | undefined, subsegments: SegmentDocument[] = []): SegmentDocument {
  return {id, name: id, start_time: start, ...(end === undefined ? {in_progress: true} : {end_time: end}), subsegments}
}

describe('computeCriticalPath (drawn cases, times in seconds)', () => {
  it('walks back from the end through the last-finishing children', () => {
    // root  0──────────10
    //  a     1──4
    //  b       3─────8
    //  c               9─10
    const trace = treeOf([span('root', 0, 10, [span('a', 1, 4), span('b', 3, 8), span('c', 9, 10)])])
    expect(computeCriticalPath(trace.roots, 10)).toEqual(['root', 'b', 'c'])
  })

  it('descends into nested children and skips work that starts after its parent ended', () => {
    // root 0────────6
    //  call  1───4            (returns 202)
    //   lambda        5─────────12   (async: starts after call ended, clipped away)
    //  db        4.5─5.5
    const trace = treeOf([
      span('root', 0, 6, [span('call', 1, 4), span('db', 4.5, 5.5)]),
      {...span('lambda', 5, 12), parent_id: 'call'},
    ])
    expect(computeCriticalPath(trace.roots, 12)).toEqual(['root', 'call', 'db'])
  })

  it('clips children that outlive their parent and handles in-progress nodes', () => {
    // root 0────5
    //  slow   2─────9  (clipped to 5)
    //  open     3…     (in progress, ends with the trace)
    const trace = treeOf([span('root', 0, 5, [span('slow', 2, 9), span('open', 3, undefined)])])
    expect(computeCriticalPath(trace.roots, 9)).toEqual(['root', 'slow'])
  })

  it('spans several roots (e.g. detached segments) under one virtual root', () => {
    const trace = treeOf([span('first', 0, 2), {...span('second', 3, 7), parent_id: 'missing'}])
    expect(computeCriticalPath(trace.roots, 7)).toEqual(['first', 'second'])
  })

  it('stays linear on a flat fan-out of 100,000 children', () => {
    const children = Array.from({length: 100_000}, (_, i) => span(`c${i}`, i / 1000, i / 1000 + 0.5))
    const trace = treeOf([span('root', 0, 101, children)])
    const path = computeCriticalPath(trace.roots, 101)
    expect(path[0]).toBe('root')
    expect(path.at(-1)).toBe('c99999')
  })
})

describe('computeSelfTimes', () => {
  it('subtracts the union of the children, clipped to the parent', () => {
    // root 0──────────10, children 1-4 and 3-6 overlap (5 s), 8-12 clipped to 8-10 (2 s)
    const trace = treeOf([span('root', 0, 10, [span('a', 1, 4), span('b', 3, 6), span('c', 8, 12)])])
    const self = computeSelfTimes(walk(trace.roots))
    expect(self.get('root')).toBeCloseTo(3)
    expect(self.get('a')).toBeCloseTo(3)
    expect(self.get('c')).toBeCloseTo(4)
  })
})

describe('Lambda facts', () => {
  it('reads the AWS docs example: synchronous, cold start with its init time', () => {
    const [trace] = modelOf('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json').traces
    expect(trace!.coldStart).toBe(true)
    expect(trace!.lambda).toHaveLength(1)
    const [invocation] = trace!.lambda
    expect(invocation).toMatchObject({
      functionName: 'random-name',
      functionArn: 'arn:aws:lambda:us-west-2:123456789012:function:random-name',
      serviceSegmentId: '1fb07842d944e714',
      functionSegmentId: '00f91aa01f4984fd',
      invocationType: 'sync',
      status: 200,
      coldStart: true,
      attempts: [],
    })
    expect(invocation!.initDuration).toBeCloseTo(0.755)
    expect(trace!.criticalPath).toEqual([
      '194fcc8747581230',
      '0c544c1b1bbff948',
      '1fb07842d944e714',
      '00f91aa01f4984fd',
      'e6d2fe619f827804',
      'b29b548af4d54a0f',
      '1ee3c4a523f89ca5',
      '071684f2e555e571',
      '4cd3f10b76c624b4',
      '17ba309b32c7fbaf',
    ])
    expect(trace!.services.map((s) => s.origin)).toEqual([
      'AWS::ElasticBeanstalk::Environment',
      'AWS::Lambda',
      'AWS::Lambda::Function',
      'AWS::SNS',
      'AWS::DynamoDB::Table',
    ])
  })

  it('pairs each attempt of an async, retried invocation with its function segment', () => {
    const [trace] = modelOf('drawn/lambda-async-retry.batch-get-traces.json').traces
    const [invocation] = trace!.lambda
    expect(invocation).toMatchObject({
      functionName: 'orders-worker',
      invocationType: 'async',
      status: 202,
      coldStart: true,
      attempts: [
        {nodeId: 'a0000000000000b2', number: 1, functionSegmentId: 'a0000000000000c1'},
        {nodeId: 'a0000000000000b3', number: 2, functionSegmentId: 'a0000000000000c2'},
      ],
    })
    expect(invocation!.dwellTime).toBeCloseTo(0.12)
    expect(invocation!.initDuration).toBeCloseTo(0.485)
    expect(trace!.counts).toEqual({errors: 0, faults: 4, throttles: 0})
    // The path runs from each attempt into the function segment that ran in it.
    expect(trace!.criticalPath).toEqual([
      'a0000000000000a1', 'a0000000000000b1', 'a0000000000000b2', 'a0000000000000c1', 'a0000000000000d1',
      'a0000000000000d2', 'a0000000000000e1', 'a0000000000000d3', 'a0000000000000b3', 'a0000000000000c2',
      'a0000000000000d4', 'a0000000000000e2', 'a0000000000000f1', 'a0000000000000e3', 'a0000000000000d5',
    ])
    // ...but the tree keeps the parents the documents name.
    expect(trace!.roots[0]!.children.map((c) => c.id)).toEqual([
      'a0000000000000b1', 'a0000000000000b2', 'a0000000000000c1', 'a0000000000000b3', 'a0000000000000c2',
    ])
  })

  it('tells a SnapStart restore from a cold start', () => {
    const [trace] = modelOf('drawn/lambda-snapstart-sync.trace.json').traces
    const [invocation] = trace!.lambda
    expect(trace!.coldStart).toBe(false)
    expect(invocation).toMatchObject({functionName: 'pricing', invocationType: 'sync', coldStart: false})
    expect(invocation!.restoreDuration).toBeCloseTo(0.18)
    expect(invocation!.invocationDuration).toBeCloseTo(0.219)
    expect(invocation!.overheadDuration).toBeCloseTo(0.005)
  })

  it('reports a function segment without its service segment on its own', () => {
    const trace = analyseTrace(
      treeOf([
        {
          ...span('fn', 0, 2, [span('Initialization', 0, 1)]),
          origin: 'AWS::Lambda::Function',
          parent_id: 'not-here',
          name: 'lonely',
        },
      ]),
    )
    expect(trace.lambda).toEqual([
      expect.objectContaining({functionName: 'lonely', invocationType: 'unknown', coldStart: true, initDuration: 1}),
    ])
  })
})

describe('trace facts', () => {
  it('counts errors, faults and throttles in the Node SDK checkout trace', () => {
    const model = modelOf('xray/sdk-generated/node-xray-sdk-checkout-inventory-streamed.batch-get-traces.json')
    const checkout = model.traces.find((t) => t.id === TRACE)!
    // Counted independently from the raw documents (embedded subsegments included, ids de-duplicated).
    expect(checkout.nodeCount).toBe(13)
    expect(checkout.counts).toEqual({errors: 3, faults: 3, throttles: 2})
    const failing = model.traces.find((t) => t.id === '1-6b04eba3-efc4710bc742f7418bd9d57e')!
    expect(failing.counts).toEqual({errors: 2, faults: 5, throttles: 1})
    expect(checkout.duration).toBeCloseTo(0.648, 3)
    // No Lambda function segment in this trace: whether it started cold cannot be told.
    expect(checkout.coldStart).toBeNull()
  })

  it('leaves out of the timeline the nodes that start a day or more from the median start, and only those', () => {
    const DAY = 86400
    // Starts near the edge: spread just under a day, exactly a day, and well over, around 1.8e9 (X-Ray's epoch seconds).
    const start = fc.oneof(fc.constantFrom(0, 0.5, 1, DAY - 0.5, DAY - 0.001, DAY, DAY + 1, 3 * DAY), fc.double({min: 0, max: 2 * DAY, noNaN: true}))
    fc.assert(
      fc.property(fc.array(start, {minLength: 1, maxLength: 9}), (offsets) => {
        const docs = offsets.map((offset, i) => span(`n${i}`, 1.8e9 + offset, 1.8e9 + offset + 0.01))
        const starts = docs.map((doc) => doc.start_time as number).sort((a, b) => a - b)
        const median = starts[Math.floor(starts.length / 2)]!
        const expected = starts.length < 3 ? [] : docs.filter((doc) => Math.abs((doc.start_time as number) - median) >= DAY).map((doc) => doc.id)
        expect(analyseTrace(treeOf(docs)).farStarts.map((far) => far.id).sort()).toEqual(expected.sort())
      }),
    )
  })
})
