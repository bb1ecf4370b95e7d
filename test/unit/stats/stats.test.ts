import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'

import type {ServiceGraph} from '../../../src/map/graph.js'
import {layoutMap} from '../../../src/map/layout.js'
import {renderMap} from '../../../src/render/map.js'
import {renderStats} from '../../../src/render/stats.js'
import {sampleIds, trafficFigures} from '../../../src/stats/figures.js'
import {distribution, histogramDistribution, logBuckets, nearestRank} from '../../../src/stats/percentile.js'
import type {StatsResult} from '../../../src/stats/run.js'
import type {TraceListing} from '../../../src/traces/listing.js'

const chalk = new Chalk({level: 0})

describe('percentiles: nearest rank', () => {
  it('matches the textbook examples (rank ⌈p/100 · n⌉)', () => {
    // The worked example of the nearest-rank method: 15, 20, 35, 40, 50.
    const values = [15, 20, 35, 40, 50]
    expect([5, 30, 40, 50, 100].map((p) => nearestRank(values, p))).toEqual([15, 20, 20, 35, 50])
    // 1..10: p90 is the 9th value, p95 and p99 the 10th.
    expect(distribution([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual({count: 10, p50: 5, p90: 9, p95: 10, p99: 10, max: 10})
    expect(distribution([])).toEqual({count: 0, p50: null, p90: null, p95: null, p99: null, max: null})
  })

  it('gives the same answer from a histogram as from the values it counts', () => {
    const values = [0.1, 0.1, 0.2, 0.2, 0.2, 0.5, 0.9, 1.5, 1.5, 3]
    const histogram = [{value: 0.1, count: 2}, {value: 3, count: 1}, {value: 0.2, count: 3}, {value: 0.5, count: 1}, {value: 0.9, count: 1}, {value: 1.5, count: 2}]
    expect(histogramDistribution(histogram)).toEqual(distribution(values))
  })

  it('buckets durations on a log scale (1-2-5), dropping empty ends', () => {
    expect(logBuckets([0.0012, 0.003, 0.004, 0.9])).toEqual([
      {from: 0.001, to: 0.002, count: 1},
      {from: 0.002, to: 0.005, count: 2},
      {from: 0.005, to: 0.01, count: 0},
      {from: 0.01, to: 0.02, count: 0},
      {from: 0.02, to: 0.05, count: 0},
      {from: 0.05, to: 0.1, count: 0},
      {from: 0.1, to: 0.2, count: 0},
      {from: 0.2, to: 0.5, count: 0},
      {from: 0.5, to: 1, count: 1},
    ])
  })

  it('draws the same sample from the same seed', () => {
    const ids = Array.from({length: 100}, (_, i) => `id-${i}`)
    expect(sampleIds(ids, 5, 3)).toEqual(sampleIds(ids, 5, 3))
    expect(sampleIds(ids, 5, 3)).not.toEqual(sampleIds(ids, 5, 4))
    expect(new Set(sampleIds(ids, 50, 1)).size).toBe(50)
    expect(sampleIds(ids, 500, 1)).toEqual(ids)
  })
})

const listing = (id: string, duration: number, flags: Partial<TraceListing> = {}): TraceListing => ({
  id, startTime: 1, duration, responseTime: duration, fault: false, error: false, throttle: false, partial: false, services: [], ...flags,
})

describe('stats as text', () => {
  const traffic = trafficFigures([listing('a', 0.12), listing('b', 0.25, {fault: true}), listing('c', 0.3), listing('d', 1.7, {error: true, throttle: true})], 15, true)
  const result: StatsResult = {
    traffic,
    coldStarts: {source: 'documents', sample: 4, of: 4, coldStarts: 1, rate: 0.25, init: distribution([0.31]), latency: {cold: distribution([1.7]), warm: distribution([0.12, 0.25, 0.3])}},
    breakdown: {source: 'documents', sample: 4, rows: [{name: 'orders \u001b[31mtable', kind: 'downstream', traces: 4, duration: {p50: 0.1, p95: 0.2}, selfTime: {p50: 0.1, p95: 0.2}, criticalPath: 4, criticalTime: 0.4, share: 0.17}], more: 3},
    documents: {requested: 200, fetched: 4, missing: 0, incomplete: 0, seed: 1, from: 4, fromAll: true},
  }
  it('at 80 columns, exactly', () => {
    expect(renderStats(result, {chalk, width: 80, ascii: true})).toBe(
      [
        'Traffic',
        '  from the summaries of every trace of the window',
        '  traces      4 (0.267 a minute)',
        '  issues      1 fault (25%) · 1 error (25%) · 1 throttled (25%)',
        '  duration    p50 250 ms · p90 1.70 s · p95 1.70 s · p99 1.70 s · max 1.70 s',
        '  response    p50 250 ms · p90 1.70 s · p95 1.70 s · p99 1.70 s · max 1.70 s',
        '',
        'Durations',
        '  100 ms - 200 ms  1  #########################',
        '  200 ms - 500 ms  2  ##################################################',
        '  500 ms - 1.00 s  0  ',
        '  1.00 s - 2.00 s  1  #########################',
        '',
        'Cold starts',
        '  from the documents of all 4 traces',
        '  cold starts 1 of 4 (25%)',
        '  init        p50 310 ms · p90 310 ms · p95 310 ms · p99 310 ms · max 310 ms',
        '  cold        p50 1.70 s · p90 1.70 s · p95 1.70 s · p99 1.70 s · max 1.70 s',
        '  warm        p50 250 ms · p90 300 ms · p95 300 ms · p99 300 ms · max 300 ms',
        '',
        'Where the time goes',
        '  from the documents of all 4 traces; by self time on the critical path',
        '  NODE                                KIND        TRACES       P50       P95  SELF P50  CRITICAL   SHARE',
        '  orders \\x1b[31mtable                downstream       4    100 ms    200 ms    100 ms         4     17%',
        '  … and 3 more nodes',
      ].join('\n'),
    )
  })
})

describe('map as text', () => {
  const counts = (requests: number, faults = 0, errors = 0, throttles = 0) => ({requests, ok: requests - faults - errors - throttles, faults, errors, throttles, totalResponseTime: requests * 0.2, responseTime: [{value: 0.2, count: requests}]})
  const graph: ServiceGraph = {
    window: {start: 0, end: 600},
    nodes: [
      {id: 'api|client', name: 'api', type: 'client', root: false, duration: [], ...counts(0)},
      {id: 'api|AWS::ApiGateway::Stage', name: 'api', type: 'AWS::ApiGateway::Stage', root: true, duration: [], ...counts(100, 2, 1)},
      {id: 'fn|AWS::Lambda', name: 'fn', type: 'AWS::Lambda', root: false, duration: [], ...counts(100)},
      {id: 'fn|AWS::Lambda::Function', name: 'fn', type: 'AWS::Lambda::Function', root: false, duration: [], ...counts(100, 2)},
      {id: 'db|AWS::DynamoDB::Table', name: 'db \u001b]0;x\u0007', type: 'AWS::DynamoDB::Table', root: false, duration: [], ...counts(300, 0, 0, 3)},
      {id: 'q|AWS::SQS::Queue', name: 'q', type: 'AWS::SQS::Queue', root: false, duration: [], ...counts(10)},
    ],
    edges: [
      {from: 'api|client', to: 'api|AWS::ApiGateway::Stage', ...counts(100)},
      {from: 'api|AWS::ApiGateway::Stage', to: 'fn|AWS::Lambda', ...counts(100)},
      {from: 'fn|AWS::Lambda', to: 'fn|AWS::Lambda::Function', ...counts(100)},
      {from: 'fn|AWS::Lambda::Function', to: 'db|AWS::DynamoDB::Table', ...counts(300, 0, 0, 3)},
      {from: 'fn|AWS::Lambda::Function', to: 'q|AWS::SQS::Queue', ...counts(10)},
      {from: 'q|AWS::SQS::Queue', to: 'fn|AWS::Lambda', ...counts(10)},
    ],
  }
  it.each([80, 120])('at %i columns: the tree from the entry point, a cycle cut, names made safe', (width) => {
    const text = renderMap(graph, layoutMap(graph), {chalk, ascii: false, width})
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(width)
    expect(text).not.toContain('\u001b')
    expect(text).toContain('\\x1b]0;x\\x07')
    expect(text).toMatch(/└─ fn( Lambda service)? ⟲ cycle cut/)
    expect(text.split('\n').at(-1)).toBe('6 nodes, 6 edges; 3 with faults, errors or throttles (X-Ray\'s service graph)')
  })

  it('at 120 columns, exactly', () => {
    expect(renderMap(graph, layoutMap(graph), {chalk, ascii: true, width: 120})).toBe(
      [
        'SERVICE                                                  REQUESTS    /MIN  FAULTS  ERRORS  THROTTLED       AVG       P95',
        'api (client)',
        '`- api AWS::ApiGateway::Stage <- 100 calls, p95 200 ms        100      10    2.0%    1.0%         0%    200 ms    200 ms',
        '   `- fn Lambda service <- 100 calls, p95 200 ms              100      10      0%      0%         0%    200 ms    200 ms',
        '      `- fn function <- 100 calls, p95 200 ms                 100      10    2.0%      0%         0%    200 ms    200 ms',
        '         |- db \\x1b]0;x\\x07 AWS::DynamoDB::Table              300      30      0%      0%       1.0%    200 ms    200 ms',
        '         `- q AWS::SQS::Queue <- 10 calls, p95 200 ms          10     1.0      0%      0%         0%    200 ms    200 ms',
        '            `- fn Lambda service <> cycle cut',
        '',
        '6 nodes, 6 edges; 3 with faults, errors or throttles (X-Ray\'s service graph)',
      ].join('\n'),
    )
  })
})
