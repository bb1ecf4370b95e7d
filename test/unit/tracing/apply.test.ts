import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'

import {renderChanges, toChangeJson, toPlanJson} from '../../../src/render/changes.js'
import {renderTable} from '../../../src/render/table.js'
import {type ChangeResult, initialResults, planChange} from '../../../src/tracing/plan.js'
import type {FunctionState} from '../../../src/tracing/select.js'
import {runPool} from '../../../src/util/pool.js'

const fn = (name: string, mode: 'Active' | 'PassThrough'): FunctionState => ({name, arn: `arn:aws:lambda:us-east-1:111122223333:function:${name}`, account: '111122223333', region: 'us-east-1', mode, role: 'arn:aws:iam::1:role/r'})
const chalk = new Chalk({level: 0})

describe('planning a change', () => {
  it('updates only what is not already in the requested mode', () => {
    const plan = planChange([fn('a', 'Active'), fn('b', 'PassThrough')], 'Active')
    expect(plan.map((e) => e.action)).toEqual(['unchanged', 'update'])
    expect(toPlanJson(plan, 'Active').summary).toEqual({changed: 0, unchanged: 1, skipped: 0, failed: 0, planned: 1})
  })

  it('starts every function as skipped until it is done, so an interrupted run reports all of them', () => {
    const results = initialResults(planChange([fn('a', 'Active'), fn('b', 'PassThrough')], 'Active'), 'Active')
    expect(results.map((r) => [r.status, r.phase])).toEqual([['unchanged', 'done'], ['skipped', 'pending']])
  })
})

describe('change output', () => {
  const results: ChangeResult[] = [
    {...initialResults(planChange([fn('a', 'PassThrough')], 'Active'), 'Active')[0]!, status: 'changed', changed: true, mode: 'Active', phase: 'done'},
    {
      ...initialResults(planChange([fn('evil\u001B]0;owned\u0007', 'PassThrough')], 'Active'), 'Active')[0]!,
      status: 'failed',
      error: {code: 'X', message: 'role r lacks xray:PutTraceSegments', suggestions: ['xtrace enable b --attach-policy']},
    },
  ]

  it('JSON carries exactly the documented keys', () => {
    const json = toChangeJson(results, {operation: 'op-1'})
    expect(Object.keys(json)).toEqual(['results', 'summary', 'operation'])
    expect(Object.keys(json.results[0]!)).toEqual(['function', 'arn', 'account', 'region', 'previousMode', 'mode', 'changed', 'policyAttached', 'status'])
    expect(Object.keys(json.results[1]!)).toEqual(['function', 'arn', 'account', 'region', 'previousMode', 'mode', 'changed', 'policyAttached', 'status', 'error'])
    expect(json.summary).toEqual({changed: 1, unchanged: 0, skipped: 0, failed: 1})
  })

  it('text: table, fixes, summary, how to undo — with terminal escapes from names neutralised', () => {
    const text = renderChanges(results, {chalk, bin: 'xtrace'}, {operation: 'op-1'})
    expect(text).not.toContain('\u001B')
    expect(text).not.toContain('\u0007')
    expect(text).toContain('Try: xtrace enable b --attach-policy\n\n1 changed, 0 unchanged, 0 skipped, 1 failed\nUndo with: xtrace restore op-1')
  })
})

describe('tables', () => {
  const rows = [{name: 'a-very-long-function-name-indeed', reason: 'a reason that is long enough to be cut somewhere'}, {name: 'short', reason: '-'}]
  const columns = [
    {header: 'FUNCTION', value: (r: (typeof rows)[number]) => r.name, shrink: true, min: 12},
    {header: 'REASON', value: (r: (typeof rows)[number]) => r.reason, shrink: true, min: 10},
  ]

  it('never cuts on a pipe', () => {
    expect(renderTable(rows, columns)).toContain('a reason that is long enough to be cut somewhere')
  })

  it('fits a terminal width by shrinking the widest shrinkable column first', () => {
    const text = renderTable(rows, columns, {width: 50})
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(50)
    expect(text).toContain('…')
  })
})

describe('runPool', () => {
  it('keeps at most N in flight, keeps order, and stops starting when told', async () => {
    let inFlight = 0
    let peak = 0
    const results = await runPool([1, 2, 3, 4, 5, 6, 7, 8], 3, async (n) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((resolve) => setTimeout(resolve, 5))
      inFlight--
      return n * 10
    })
    expect(peak).toBe(3)
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70, 80])

    let started = 0
    const partial = await runPool([1, 2, 3, 4, 5], 1, async (n) => {
      started++
      return n
    }, () => started < 2)
    expect(partial).toEqual([1, 2, undefined, undefined, undefined])
  })
})
