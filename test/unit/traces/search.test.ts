import {describe, expect, it} from 'vitest'

import {formatDuration, truncateMiddle} from '../../../src/render/format.js'
import {annotationValue, buildFilter, functionNameOf, quote, statusFilter} from '../../../src/traces/filter.js'
import {parseDuration, parseTime, resolveWindow} from '../../../src/traces/window.js'
import {parseFilter} from '../../harness/xray-filter.js'

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0) / 1000

describe('windows', () => {
  it('reads durations as people write them', () => {
    expect(['90s', '15m', '2h', '3d', '1h30m', '1.5s', '250ms', '30'].map((text) => parseDuration(text))).toEqual([90, 900, 7200, 259200, 5400, 1.5, 0.25, 30])
    expect(parseDuration('15', 'm')).toBe(900)
    for (const bad of ['5x', '', 'm', '1h 30x', '-5m']) expect(parseDuration(bad)).toBeUndefined()
  })

  it('reads times: ISO 8601 in UTC unless zoned, epoch seconds or milliseconds, relative', () => {
    expect(parseTime('2026-12-02T10:00:00Z', '--start', NOW)).toBe(NOW - 7200)
    expect(parseTime('2026-12-02 10:00', '--start', NOW)).toBe(NOW - 7200)
    expect(parseTime('2026-12-02T11:00:00+01:00', '--start', NOW)).toBe(NOW - 7200)
    expect(parseTime('2026-12-02T11:00:00+0100', '--start', NOW)).toBe(NOW - 7200)
    expect(parseTime(String(NOW - 60), '--start', NOW)).toBe(NOW - 60)
    expect(parseTime(String((NOW - 60) * 1000), '--start', NOW)).toBe(NOW - 60)
    expect(parseTime('-2h', '--start', NOW)).toBe(NOW - 7200)
    expect(parseTime('now', '--end', NOW)).toBe(NOW)
    expect(() => parseTime('yesterday', '--start', NOW)).toThrow(/--start yesterday: expected a time/)
  })

  it('resolves the window, refusing what cannot hold traces and clipping to 30 days', () => {
    expect(resolveWindow({}, NOW).window).toEqual({start: NOW - 900, end: NOW})
    expect(resolveWindow({start: '-2h', end: '-1h'}, NOW).window).toEqual({start: NOW - 7200, end: NOW - 3600})
    expect(resolveWindow({start: '-1h'}, NOW).window).toEqual({start: NOW - 3600, end: NOW})
    const clipped = resolveWindow({since: '40d'}, NOW)
    expect(clipped.window.start).toBe(NOW - 30 * 86400)
    expect(clipped.notes).toEqual(['the window starts before X-Ray\'s 30 days of retention: searching from 2026-11-02T12:00:00Z'])
    expect(() => resolveWindow({start: '-40d', end: '-31d'}, NOW)).toThrow(/X-Ray keeps traces for 30 days/)
    expect(() => resolveWindow({start: '-1h', end: '-2h'}, NOW)).toThrow(/ends before it starts/)
    expect(() => resolveWindow({since: '1h', end: '-2h'}, NOW)).toThrow(/--since cannot be combined/)
  })
})

describe('filter expressions', () => {
  it('quotes and escapes so that no value can end its string', () => {
    for (const value of ['plain', 'with "quotes"', 'back\\slash', '\\"', '"', 'x") OR service("y', '\\']) {
      expect(quote(value)).toMatch(/^".*"$/s)
      // The harness's parser reads back exactly the value: nothing leaked into the expression.
      const predicate = parseFilter(`user = ${quote(value)}`)
      const trace = {duration: 0, responseTime: 0, http: {}, error: false, fault: false, throttle: false, partial: false, annotations: {}, services: []}
      expect(predicate({...trace, users: [value]})).toBe(true)
      expect(predicate({...trace, users: [`${value}x`]})).toBe(false)
    }
  })

  it('types annotation values as X-Ray indexes them', () => {
    expect(['42', '-1.5', 'true', 'false', 'gold', '"42"', 'a b'].map(annotationValue)).toEqual(['42', '-1.5', 'true', 'false', '"gold"', '"42"', '"a b"'])
  })

  it('turns statuses, functions and flags into one AND-ed expression', () => {
    expect(statusFilter('5xx')).toBe('(http.status >= 500 AND http.status <= 599)')
    expect(statusFilter('429')).toBe('http.status = 429')
    expect(() => statusFilter('7xx')).toThrow(/--status 7xx/)
    expect(() => statusFilter('600')).toThrow(/--status 600/)
    expect(functionNameOf('arn:aws:lambda:us-east-1:123456789012:function:orders-api')).toBe('orders-api')
    expect(functionNameOf('123456789012:function:orders-api:prod')).toBe('orders-api')
    expect(buildFilter({})).toBeUndefined()
    expect(buildFilter({filter: 'fault'})).toBe('fault')
    expect(buildFilter({functions: ['a'], errors: true, throttles: true, status: ['404', '5xx'], slowerThan: '250ms', method: 'get', filter: 'ok OR fault'})).toBe(
      'service(id(name: "a", type: "AWS::Lambda::Function")) AND (error OR throttle) AND (http.status = 404 OR (http.status >= 500 AND http.status <= 599)) AND duration > 0.25 AND http.method = "GET" AND (ok OR fault)',
    )
    // Every expression the builder writes parses in the documented subset.
    expect(() => parseFilter(buildFilter({functions: ['a', 'b'], faults: true, annotation: ['n=1', 't=x'], urlContains: '/x', user: 'u', partial: true, responseSlowerThan: '2s'})!)).not.toThrow()
  })
})

describe('formatting', () => {
  it('scales durations as people read them, with three significant digits', () => {
    expect([0.00085, 0.0124, 0.85, 6.413, 59.99, 192, 7500, 0.9996, null].map(formatDuration)).toEqual(['850 µs', '12.4 ms', '850 ms', '6.41 s', '1m00s', '3m12s', '2h05m', '1.00 s', '?'])
  })

  it('cuts in the middle, keeping both ends', () => {
    expect(truncateMiddle('https://abcdefghij.execute-api.us-east-1.amazonaws.com/Prod/order', 30)).toBe('https://abcdefg…com/Prod/order')
    expect(truncateMiddle('short', 30)).toBe('short')
  })
})
