import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'

import {displayWidth} from '../../../src/render/format.js'
import {renderShow} from '../../../src/render/tree.js'
import {buildShowModel, toShowJson} from '../../../src/traces/model.js'
import {mergeParsedInputs, parseTraceInput} from '../../../src/traces/parse.js'
import {modelOf, plainRender, readFixture} from '../../harness/fixtures.js'

/**
 * `show` on the traces people really have (issue 12), on documents drawn from the X-Ray segment
 * document schema (test/fixtures/drawn/draw_issue12.py, SOURCES.md): long URLs, Step Functions with
 * control-plane Lambda calls, unfinished work inside finished work, span links, unreadable documents,
 * big traces. Text asserted as exact strings at fixed widths.
 */

const CHECKOUT = 'drawn/checkout-long-url-unfinished-link.batch-get-traces.json'
const STEP_FUNCTIONS = 'drawn/stepfunctions-map-lambda.batch-get-traces.json'
const SDK_MODE = 'drawn/sdk-lambda-mode-detached.documents.json'
const AWSDOCS = 'xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json'

/** The first line holding `needle`: of the tree (ending in the timeline's edge) unless it is a header label. */
const rowOf = (text: string, needle: string) => {
  const lines = text.split('\n')
  const header = /^ {2}\S/.test(needle)
  return lines.find((line) => line.includes(needle) && (header || /[|▏]$/.test(line)))!
}

describe('a line with a 300-character URL', () => {
  it.each([
    [60, '* orders-g... POST 502 [fault]    1.20 s |#################|'],
    [80, '* orders-gateway/Prod POST 502 [fault]           1.20 s |######################|'],
    [120, '* orders-gateway/Prod AWS::ApiGa... POST https://a...k3=v3&k4 502 [fault]    1.20 s |##################################|'],
  ])('at %i columns keeps the marks, the status, the method and the name; the URL is cut in the middle or goes', (width, line) => {
    const text = plainRender(modelOf(CHECKOUT), {width, ascii: true})
    expect(rowOf(text, 'orders-g')).toBe(line)
    for (const row of text.split('\n')) expect(displayWidth(row), row).toBeLessThanOrEqual(width)
    // The invoke keeps its operation and status at every width.
    expect(rowOf(text, 'Lambda')).toMatch(/Lambda( aws)? 502 Invoke( orders-api)? \[fault\]/)
  })

  it('shows the URL whole in --details', () => {
    const text = plainRender(modelOf(CHECKOUT), {width: 400, ascii: true, details: true})
    expect(text).toMatch(/url: https:\/\/abc123xyz0\.execute-api\.eu-west-1\.amazonaws\.com\/Prod\/orders\/q{200}/)
  })
})

describe('Lambda nodes that are not invocations', () => {
  it('a GetFunction call is a downstream call: no [sync], not in the header; 40 invocations are summarised', () => {
    const model = modelOf(STEP_FUNCTIONS)
    const trace = model.traces[0]!
    expect(trace.lambda).toHaveLength(40)
    const text = plainRender(model, {width: 120, ascii: true})
    expect(text.split('\n').slice(0, 7).join('\n')).toBe(
      [
        'Trace 1-6b060000-5f0c2e9d4a7b1c3e8f6a2d40',
        '  started    2026-11-25 09:46:40.000 UTC - duration 2.40 s - 82 documents, 287 nodes',
        '  services   orders-machine (AWS::StepFunctions::StateMachine), orders-fn (AWS::Lambda, AWS::Lambda::Function)',
        '  lambda     orders-fn 40 invocations (40 sync), 3 cold starts, worst status 200',
        '  cold start yes (orders-fn 3 times, init up to 310 ms)',
        '  issues     0 errors - 10 faults - 0 throttles',
        '',
      ].join('\n'),
    )
    expect(rowOf(text, '(inferred)')).toBe('* |  `- orders-fn AWS::Lambda (inferred) 200 GetFunction                    30.0 ms |#                                 |')
  })
})

describe('a big trace', () => {
  it('folds runs of same-named siblings above 200 nodes, never the critical ones', () => {
    const model = modelOf(STEP_FUNCTIONS)
    const text = plainRender(model, {width: 120, ascii: true})
    expect(rowOf(text, ' x 35')).toBe('     `- ProcessOrder x 35  p50 213 ms - max 643 ms - 2 faults                2.29 s |==================================|')
    const critical = new Set(model.traces[0]!.criticalPath)
    const processOrders = text.split('\n').filter((line) => /ProcessOrder\s/.test(line) && !line.includes(' x 35'))
    expect(processOrders).toHaveLength(5)
    expect(model.traces[0]!.roots[0]!.children[1]!.children.filter((node) => critical.has(node.id))).toHaveLength(5)
    expect(text.split('\n').length).toBeLessThan(60)
  })

  it('unfolds with --expand NAME or --no-collapse, and folds a small trace only when asked', () => {
    const model = modelOf(STEP_FUNCTIONS)
    const expanded = renderShow(model, {width: 120, ascii: true, details: false, chalk: new Chalk({level: 0}), expand: ['ProcessOrder']})
    expect(expanded).not.toContain(' x 35')
    expect(expanded.match(/ProcessOrder\s/g)).toHaveLength(40)
    const flat = renderShow(model, {width: 120, ascii: true, details: false, chalk: new Chalk({level: 0}), collapse: false})
    expect(flat).toBe(expanded)
  })
})

describe('unfinished work', () => {
  it('a subsegment without an end inside an ended parent ends with its parent, is marked, and leaves the trace complete', () => {
    const model = modelOf(CHECKOUT)
    const trace = model.traces[0]!
    expect(trace.inProgress).toBe(false)
    expect(trace.unfinished).toBe(1)
    const text = plainRender(model, {width: 100, ascii: true})
    expect(rowOf(text, 'PutItem')).toBe('*          |     `- DynamoDB aws PutItem orders [no end]     >=850 ms |     .....................  |')
    expect(rowOf(text, '  notes')).toBe('  notes      1 node without an end inside finished work, drawn to the parent\'s end [no end]')
    expect(text).not.toContain('in progress')
    // The critical path stops it at its parent's end: the walk continues past it.
    expect(trace.criticalPath).toContain('c000000000000008')
    expect(trace.criticalPath.at(-1)).toBe('c000000000000009')
  })

  it('a trace whose only segment is still open is in progress, with its time so far', () => {
    const doc = {id: 'a0000000000000f1', trace_id: '1-6b090000-0000000000000000000000aa', name: 'slow-job', start_time: 1795900000, in_progress: true}
    const model = buildShowModel(parseTraceInput(JSON.stringify(doc), 'open.json'))
    const text = renderShow(model, {width: 100, ascii: true, details: false, chalk: new Chalk({level: 0}), now: 1795900012.4})
    expect(text.split('\n')[1]).toBe('  started    2026-11-28 21:06:40.000 UTC - duration 12.4 s so far - 1 document, 1 node - in progress')
    expect(rowOf(text, 'slow-job')).toBe('  slow-job segment [in progress]                              running |.                           |')
  })
})

describe('span links', () => {
  it('are on the node line, in --details with the command to open them, and in --json', () => {
    const model = modelOf(CHECKOUT)
    const text = renderShow(model, {width: 150, ascii: true, details: true, chalk: new Chalk({level: 0}), columns: {offset: false, self: false}})
    expect(rowOf(text, 'linked from')).toContain('orders-api ^ linked from 1-6b06ffff-0f1e2d3c4b5a69788796a5b4 [attempt #1] [fault]')
    expect(text).toContain('link: 1-6b06ffff-0f1e2d3c4b5a69788796a5b4 (child_of), segment d000000000000001\n')
    expect(text).toContain('  open it: xtrace show 1-6b06ffff-0f1e2d3c4b5a69788796a5b4\n')
    const json = toShowJson(model)
    const fn = json.traces[0]!.roots[0]!.children[0]!.children[0]!.children[1]!
    expect(fn.links).toEqual([{traceId: '1-6b06ffff-0f1e2d3c4b5a69788796a5b4', id: 'd000000000000001', attributes: {reference_type: 'child_of'}}])
  })
})

describe('--details', () => {
  it('prints an exception once, at the deepest node that has it; the levels above say (cause below)', () => {
    const text = plainRender(modelOf(CHECKOUT), {width: 120, ascii: true, details: true})
    expect(text.match(/! OrderStoreError: order store unavailable$/gm)).toHaveLength(1)
    expect(text.match(/! OrderStoreError: order store unavailable \(cause below\)$/gm)).toHaveLength(2)
    expect(text).toMatch(/! OrderStoreError: order store unavailable\n.*at save \(\/var\/task\/store\.js:88\)/)
  })

  it('shows the function\'s log group with the command that reads it', () => {
    const text = plainRender(modelOf(CHECKOUT), {width: 140, ascii: true, details: true})
    expect(text).toContain('logs: /aws/lambda/orders-api   (aws logs tail /aws/lambda/orders-api --since 1h)\n')
  })
})

describe('the header', () => {
  it('lists every service once, functions whose handler is the root included, and says when documents lost their parents', () => {
    const text = plainRender(modelOf(SDK_MODE), {width: 100, ascii: true})
    expect(rowOf(text, '  services')).toBe('  services   lost-0, checkout-handler, lost-1, lost-2')
    expect(rowOf(text, '  notes')).toBe('  notes      3 roots: documents without a parent')
  })

  it('wraps instead of cutting at 80 columns', () => {
    const text = plainRender(modelOf(AWSDOCS), {width: 80, ascii: true})
    expect(text.split('\n').slice(1, 5).join('\n')).toBe(
      [
        '  started    2017-07-08 00:23:31.562 UTC - duration 3.23 s - 5 documents, 11',
        '             nodes',
        '  services   Scorekeep (AWS::ElasticBeanstalk::Environment), random-name',
        '             (AWS::Lambda, AWS::Lambda::Function), SNS (AWS::SNS), DynamoDB',
      ].join('\n'),
    )
    expect(text).not.toMatch(/^ {2}\S.*\.\.\.$/m)
  })

  it('says cold start is unknown when there is no function segment to tell by', () => {
    const doc = {id: 'a0000000000000f2', trace_id: '1-6b090000-0000000000000000000000bb', name: 'caller', start_time: 1, end_time: 2, subsegments: [{id: 'a0000000000000f3', name: 'Lambda', namespace: 'aws', start_time: 1.1, end_time: 1.9, aws: {operation: 'Invoke', function_name: 'x'}}]}
    const inferred = {id: 'a0000000000000f4', trace_id: doc.trace_id, parent_id: 'a0000000000000f3', name: 'x', origin: 'AWS::Lambda', inferred: true, start_time: 1.1, end_time: 1.9}
    const model = buildShowModel(parseTraceInput(JSON.stringify([doc, inferred]), 'x.json'))
    expect(model.traces[0]!.coldStart).toBeNull()
    expect(toShowJson(model).traces[0]!.coldStart).toBeNull()
    expect(rowOf(plainRender(model), '  cold start')).toBe('  cold start unknown (no Lambda function segment in the trace)')
    const plain = buildShowModel(parseTraceInput(JSON.stringify({...doc, subsegments: []}), 'y.json'))
    expect(toShowJson(plain).traces[0]!.coldStart).toBeNull()
    expect(plainRender(plain)).not.toContain('cold start')
  })

  it('flags a start time days away from the rest, and keeps it out of the timeline', () => {
    const base = {trace_id: '1-6b090000-0000000000000000000000cc'}
    const docs = [
      {...base, id: 'a0000000000000a1', name: 'a', start_time: 1795900000, end_time: 1795900001},
      {...base, id: 'a0000000000000a2', name: 'b', start_time: 1795900000.2, end_time: 1795900000.5},
      {...base, id: 'a0000000000000a3', name: 'skewed', start_time: 1795900000 - 3 * 86400, end_time: 1795900000.4 - 3 * 86400},
    ]
    const model = buildShowModel(parseTraceInput(JSON.stringify(docs), 'skew.json'))
    expect(model.traces[0]!.duration).toBeCloseTo(1, 6)
    expect(plainRender(model)).toContain('             1 node starts 72h00m before the rest (a clock off?): left out of the timeline\n')
  })
})

describe('a trace X-Ray cut at its size quota (Trace.LimitExceeded)', () => {
  // The AWS docs' response as saved, marked as X-Ray marks a trace that outgrew the trace document size quota
  // (API_Trace: "LimitExceeded is set to true when the trace has exceeded the Trace document size limit").
  const cut = () => {
    const response = JSON.parse(readFixture(AWSDOCS)) as {Traces: Record<string, unknown>[]}
    response.Traces[0]!.LimitExceeded = true
    return response
  }

  it('says the trace is incomplete, first among its notes, and in --json', () => {
    const model = buildShowModel(parseTraceInput(JSON.stringify(cut()), 'cut.json'))
    expect(model.traces[0]!.limitExceeded).toBe(true)
    expect(rowOf(plainRender(model, {width: 160}), '  notes')).toBe(
      "  notes      incomplete: the trace reached X-Ray's size quota (LimitExceeded), and segments sent after that were not stored",
    )
    expect(toShowJson(model).traces[0]!.limitExceeded).toBe(true)
  })

  it('says nothing of a trace X-Ray kept whole, or of LimitExceeded that is not true', () => {
    for (const value of [false, 'true', undefined]) {
      const response = cut()
      response.Traces[0]!.LimitExceeded = value
      const model = buildShowModel(parseTraceInput(JSON.stringify(response), 'whole.json'))
      expect(model.traces[0]!.limitExceeded).toBe(false)
      expect(plainRender(model)).not.toContain('LimitExceeded')
      expect(toShowJson(model).traces[0]!.limitExceeded).toBe(false)
    }
  })

  it('holds when the same trace comes from two inputs and only one says so', () => {
    const whole = JSON.parse(readFixture(AWSDOCS)) as unknown
    const model = buildShowModel(mergeParsedInputs([parseTraceInput(JSON.stringify(whole), 'a.json'), parseTraceInput(JSON.stringify(cut()), 'b.json')]))
    expect(model.traces).toHaveLength(1)
    expect(model.traces[0]!.limitExceeded).toBe(true)
  })
})

describe('unreadable documents', () => {
  const trace = '1-6b090000-0000000000000000000000dd'
  const good = {id: 'a0000000000000b1', trace_id: trace, name: 'ok', start_time: 1, end_time: 2}
  it('draw everything readable, say how many could not be read, and keep the trace in --json', () => {
    const response = {Traces: [{Id: trace, Segments: [{Id: 'x', Document: ''}, {Id: 'y', Document: '{broken'}, {Id: good.id, Document: JSON.stringify(good)}]}]}
    const model = buildShowModel(parseTraceInput(JSON.stringify(response), 'mixed.json'))
    expect(model.traces.map((t) => t.id)).toEqual([trace])
    expect(rowOf(plainRender(model), '  notes')).toBe('  notes      2 unreadable documents (not drawn; see the warnings)')
    expect(toShowJson(model).traces[0]!.unreadableDocuments).toBe(2)
  })

  it('a trace none of whose documents can be read is reported by its id', () => {
    const response = {Traces: [{Id: trace, Segments: [{Id: 'x', Document: ''}]}]}
    const model = buildShowModel(parseTraceInput(JSON.stringify(response), 'bad.json'))
    expect(model.traces).toEqual([])
    expect(model.unreadableTraceIds).toEqual([trace])
    expect(toShowJson(model).unreadableTraceIds).toEqual([trace])
    expect(plainRender(model)).toBe(`Not returned (1):\n  ${trace}  no document could be read\n`)
  })
})

describe('durations and columns', () => {
  it('scale durations the same way everywhere, and add start offset and self time where width allows', () => {
    const text = plainRender(modelOf(AWSDOCS), {width: 170, ascii: true})
    expect(rowOf(text, '  * critical path')).toMatch(/critical path\s+start\s+self\s+duration/)
    expect(rowOf(text, 'Initialization')).toMatch(/ {2}\| {8}\|- Initialization +\+502 ms +755 ms +755 ms \|/)
    const narrow = plainRender(modelOf(AWSDOCS), {width: 100, ascii: true})
    expect(rowOf(narrow, '  * critical path')).not.toContain('start')
    const forced = renderShow(modelOf(AWSDOCS), {width: 100, ascii: true, details: false, chalk: new Chalk({level: 0}), columns: {offset: true, self: false}})
    expect(rowOf(forced, '  * critical path')).toMatch(/critical path\s+start\s+duration/)
  })

  it('rounds --json times to the microsecond', () => {
    const json = JSON.stringify(toShowJson(modelOf(AWSDOCS)))
    expect(json).toContain('"duration":3.232,')
    expect(json).not.toMatch(/\d\.\d{7,}/)
  })
})
