import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'

import {displayWidth} from '../../../src/render/format.js'
import {generateTrace} from '../../../bench/generate.js'
import {renderShow, showChunks} from '../../../src/render/tree.js'
import {buildShowModel} from '../../../src/traces/model.js'
import {parseTraceInput} from '../../../src/traces/parse.js'
import {modelOf, plainRender} from '../../harness/fixtures.js'

const AWSDOCS = 'xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json'

describe('renderShow', () => {
  it('draws the AWS docs Lambda trace (ASCII, 100 columns)', () => {
    expect(plainRender(modelOf(AWSDOCS), {width: 100, ascii: true})).toBe(
      `Trace 1-59602603-23fc5b688855d396af79b496
  started    2017-07-08 00:23:31.562 UTC - duration 3.23 s - 5 documents, 11 nodes
  services   Scorekeep (AWS::ElasticBeanstalk::Environment), random-name (AWS::Lambda,
             AWS::Lambda::Function), SNS (AWS::SNS), DynamoDB (AWS::DynamoDB::Table)
  lambda     random-name: sync, status 200
  cold start yes (random-name init 755 ms)
  issues     0 errors - 0 faults - 0 throttles

  * critical path                                            duration  0                     3.23 s
* Scorekeep AWS::Elast... POST http://scor...m/api/user 200    3.23 s |############################|
* |- Lambda aws 200 Invoke random-name                         2.94 s |########################### |
* |  \`- random-name AWS::Lambda 200 [sync]                     2.89 s |########################### |
* |     \`- random-name AWS::Lambda::Function [cold start]      1.74 s |          ################# |
  |        |- Initialization                                   755 ms |    =======                 |
* |        |- annotations                                     57.0 ms |            ##              |
* |        \`- SNS aws 200 Publish awseb-e-ruag3jyweb-sta...    959 ms |             #########      |
* |           \`- SNS AWS::SNS 200 Publish awseb-e-r...         959 ms |             #########      |
* \`- ## UserModel.saveUser                                     188 ms |                          ##|
*    \`- DynamoDB aws 200 UpdateItem scorekeep-user            79.0 ms |                           #|
*       \`- DynamoDB 200 UpdateItem scorekeep...               79.0 ms |                           #|
`,
    )
  })

  it('draws the async retried Lambda trace with box-drawing characters', () => {
    const text = plainRender(modelOf('drawn/lambda-async-retry.batch-get-traces.json'), {width: 110, ascii: false})
    expect(text.split('\n').slice(8, 13).join('\n')).toBe(
      `* orders-worker AWS::Lambda 202 [async]                               2.90 s ▕███████████████████████████████▏
* ├─ Dwell Time                                                       120 ms ▕██                             ▏
* ├─ Attempt #1 500 [fault]                                           1.38 s ▕ ████████████████              ▏
* ├─ orders-worker AWS::Lambda:… [cold start] [attempt #1] [fault]    1.37 s ▕ ███████████████               ▏
* │  ├─ Initialization                                                485 ms ▕ ██████                        ▏`,
    )
  })

  it('shows exceptions with their first stack frames, annotations and SQL with --details', () => {
    const text = plainRender(modelOf('drawn/lambda-async-retry.batch-get-traces.json'), {width: 110, ascii: true, details: true})
    expect(text).toContain('! Error: connect ETIMEDOUT 10.0.0.5:5432\n')
    expect(text).toContain('    at Socket.onTimeout (/var/task/db.js:42)\n')
    expect(text).toContain('annotation order_id: o-1001\n')
    expect(text).toContain('sql.sanitized_query: SELECT * FROM orders WHERE id = $1\n')
    expect(text).toContain('self time: 77.0 ms\n')
  })

  it('explains cause references: an exception id string and a {id} pointer', () => {
    const text = plainRender(modelOf('xray/otel-segment-cause-is-exception-id-string.json'), {details: true})
    expect(text).toContain('cause: exception abcdefghijklmnop (recorded on another segment)')
    const failing = plainRender(modelOf('xray/sdk-generated/node-xray-sdk-checkout-inventory-streamed.batch-get-traces.json'), {details: true})
    expect(failing).toMatch(/cause: see [0-9a-f]{16}/)
  })

  it('limits depth like tree -L and says how much is hidden', () => {
    const text = plainRender(modelOf(AWSDOCS), {depth: 2})
    const rows = text.split('\n').filter((line) => line.endsWith('|') && !line.includes('critical path'))
    expect(rows).toHaveLength(3)
    expect(rows[1]).toContain('Lambda aws 200 Invoke random-name [+6 below]')
    expect(rows[2]).toContain('## UserModel.saveUser [+2 below]')
  })

  it('folds runs of four or more same-named siblings wherever they stand, and nothing else', () => {
    // The root's children as drawn with --collapse: a name, or NAME x COUNT for a fold. Z ends last (the critical path), after the others.
    const rows = (names: string[]) => {
      const root = {id: 'a000000000000000', trace_id: '1-6b04eba2-c16f9196aeffbc1aba4613ea', name: 'root', start_time: 1, end_time: 2}
      const children = ['Z', ...names].map((name, i) => ({
        id: `c${String(i).padStart(15, '0')}`, name, start_time: 1.1, end_time: name === 'Z' ? 1.9 : 1.5,
      }))
      const model = buildShowModel(parseTraceInput(JSON.stringify({...root, subsegments: children}), 'runs.json'))
      const text = renderShow(model, {width: 120, ascii: true, details: false, chalk: new Chalk({level: 0}), collapse: true})
      return [...text.matchAll(/[|`]- (\w+)( x \d+)?/g)].map((match) => match[1]! + (match[2] ?? '')).filter((row) => row !== 'Z').join(' ')
    }
    expect(rows(['A', 'B', 'A', 'B'])).toBe('A B A B')
    expect(rows(['A', 'A', 'A', 'B'])).toBe('A A A B')
    expect(rows(['A', 'A', 'A', 'A', 'B'])).toBe('A x 4 B')
    expect(rows(['B', 'A', 'A', 'A', 'A'])).toBe('B A x 4')
    expect(rows(['A', 'A', 'A', 'B', 'B', 'B', 'B', 'B', 'C'])).toBe('A A A B x 5 C')
    expect(rows(['A', 'A', 'A', 'A', 'B', 'A', 'A', 'A', 'A'])).toBe('A x 4 B A x 4')
  })

  it('keeps every line within the width, wide characters included', () => {
    const doc = {
      id: 'aaaaaaaaaaaaaaaa', trace_id: '1-6b04eba2-c16f9196aeffbc1aba4613ea', start_time: 1, end_time: 2,
      name: '注文サービス'.repeat(10), annotations: {'名前': '🚀'.repeat(100)},
    }
    const chain = Array.from({length: 60}, (_, i) => ({
      id: `d${String(i).padStart(15, '0')}`, trace_id: doc.trace_id, start_time: 1 + i / 100, end_time: 2,
      name: `level ${i}`, ...(i > 0 ? {parent_id: `d${String(i - 1).padStart(15, '0')}`} : {}),
    }))
    const model = buildShowModel(parseTraceInput(JSON.stringify([doc, ...chain]), 'wide.json'))
    for (const width of [40, 60, 100, 160]) {
      for (const ascii of [true, false]) {
        for (const line of plainRender(model, {width, ascii, details: true}).split('\n')) {
          expect(displayWidth(line)).toBeLessThanOrEqual(width)
        }
      }
    }
  })

  it('colours faults, errors and throttles only when asked to', () => {
    const model = modelOf('xray/sdk-generated/node-xray-sdk-checkout-inventory-streamed.batch-get-traces.json')
    const plain = plainRender(model)
    expect(plain).not.toContain('\u001b')
    const coloured = renderShow(model, {width: 100, ascii: true, details: false, chalk: new Chalk({level: 1})})
    expect(coloured).toContain('\u001b[31m')
    expect(coloured).toContain('[fault]')
  })

  it('names the queue, topic or table an AWS call went to by the last part of its URL or ARN', () => {
    const call = (id: string, start: number, aws: Record<string, unknown>) => ({id, name: 'AWS', namespace: 'aws', start_time: start, end_time: start + 0.01, aws})
    const segment = {
      id: '0000000000000001',
      trace_id: '1-6b04eba2-c16f9196aeffbc1aba4613ea',
      name: 'worker',
      start_time: 100,
      end_time: 101,
      subsegments: [
        call('0000000000000002', 100.1, {operation: 'SendMessage', queue_url: 'https://sqs.us-east-1.amazonaws.com/123456789012/order-events'}),
        call('0000000000000003', 100.2, {operation: 'SendMessage', queue_url: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs//'}),
        call('0000000000000004', 100.3, {operation: 'Publish', topic_arn: 'arn:aws:sns:us-east-1:123456789012:alerts'}),
        call('0000000000000005', 100.4, {operation: 'Publish', topic_arn: ':/', table_name: ''}),
        call('0000000000000006', 100.5, {operation: 'GetItem', queue_url: '', table_name: 'orders'}),
      ],
    }
    const lines = plainRender(buildShowModel(parseTraceInput(JSON.stringify(segment), 'aws.json')), {width: 120}).split('\n')
    const label = (operation: string, nth = 0) => lines.filter((line) => line.includes(` ${operation}`))[nth]?.replace(/ {2,}.*$/, '').trim()
    expect(label('SendMessage')).toMatch(/AWS aws SendMessage order-events$/)
    expect(label('SendMessage', 1)).toMatch(/AWS aws SendMessage jobs$/)
    expect(label('Publish')).toMatch(/AWS aws Publish alerts$/)
    expect(label('Publish', 1)).toMatch(/AWS aws Publish$/)
    expect(label('GetItem')).toMatch(/AWS aws GetItem orders$/)
  })

  it('lists ids X-Ray did not return', () => {
    const model = buildShowModel(parseTraceInput(JSON.stringify({Traces: [], UnprocessedTraceIds: ['1-5759e988-bd862e3fe1be46a994272793']}), 'r'), [
      '1-5759e988-bd862e3fe1be46a994272793',
      '1-6b04eba2-c16f9196aeffbc1aba4613ea',
    ])
    expect(plainRender(model)).toBe(
      'Not returned (2):\n  1-5759e988-bd862e3fe1be46a994272793  unprocessed\n  1-6b04eba2-c16f9196aeffbc1aba4613ea  not found\n',
    )
  })
})

describe('terminal safety', () => {
  const hostile = [
    '\u001b[2J\u001b[H', // clear screen, home
    '\u001b]0;owned\u0007', // set window title
    '\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\', // hyperlink
    '\u009b31m', // 8-bit CSI
    'back\b\b\bspace\rcarriage',
    'rtl\u202egnp.exe',
    '\u0007bell',
  ]
  const doc = {
    id: 'bbbbbbbbbbbbbbbb', trace_id: '1-6b04eba2-c16f9196aeffbc1aba4613ea', start_time: 1, end_time: 2,
    name: hostile.join('|'), origin: hostile[1], fault: true,
    http: {request: {method: hostile[0], url: hostile[2]}, response: {status: 500}},
    aws: {operation: hostile[3], table_name: hostile[4]},
    sql: {sanitized_query: hostile[5]},
    annotations: {[hostile[0]!]: hostile[6]},
    metadata: {[hostile[1]!]: {nested: hostile.join('')}},
    cause: {exceptions: [{type: hostile[2], message: hostile.join(' '), stack: [{label: hostile[0], path: hostile[1], line: 1}]}]},
    subsegments: [{id: 'cccccccccccccccc', name: hostile[4], namespace: hostile[5], start_time: 1, end_time: 1.5, in_progress: false}],
  }
  const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u

  it('prints no raw control character, escape or bidi override from trace data', () => {
    const model = buildShowModel(parseTraceInput(JSON.stringify(doc), 'hostile.json'))
    for (const ascii of [true, false]) {
      const text = plainRender(model, {ascii, details: true, width: 200})
      expect(text).not.toMatch(RAW_CONTROL)
      expect(text).toContain('\\x1b[2J')
      expect(text).toContain('\\u202e')
    }
  })

  it('adds only colour (SGR) sequences of its own when colour is on', () => {
    const model = buildShowModel(parseTraceInput(JSON.stringify(doc), 'hostile.json'))
    const text = renderShow(model, {width: 200, ascii: false, details: true, chalk: new Chalk({level: 3})})
    const withoutSgr = text.replace(/\u001b\[[0-9;]*m/g, '')
    expect(withoutSgr).not.toMatch(RAW_CONTROL)
  })
})

describe('showChunks', () => {
  it('writes a big drawing in chunks that V8 keeps among its young objects, and that join to the whole drawing', () => {
    // 2,000 nodes at 160 columns: ~330,000 characters, most of them two-byte (box drawing). A chunk of 1,000 lines
    // was ~160,000 characters; V8 gives a string of more than 128 KB (64K two-byte characters) pages of its own.
    const model = buildShowModel(parseTraceInput(JSON.stringify(generateTrace(2000)), 'generated.json'))
    const options = {width: 160, ascii: false, details: false, chalk: new Chalk({level: 0})}
    const chunks = [...showChunks(model, options)]
    const longestLine = Math.max(...chunks.join('').split('\n').map((line) => line.length))
    expect(chunks.length).toBeGreaterThan(10)
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(16_384 + longestLine + 2)
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(65_536 / 2)
    expect(chunks.join('')).toBe(renderShow(model, options))
    expect(chunks.join('').split('\n').length).toBeGreaterThan(2000)
  })
})
