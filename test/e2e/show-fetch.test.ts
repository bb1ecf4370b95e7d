import {spawn} from 'node:child_process'
import {createSocket} from 'node:dgram'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {cleanEnv, fixture, ROOT, runCli, STACK_TRACE} from '../harness/cli.js'
import {awsClientsLoaded, MODULE_SPY} from '../harness/modules.js'
import {readFixture} from '../harness/fixtures.js'
import {LocalAws} from '../harness/local-aws.js'

const LAMBDA_TRACE = '1-59602603-23fc5b688855d396af79b496'
const scratch = mkdtempSync(join(tmpdir(), 'xtrace-fetch-'))
const aws = new LocalAws()

function documentsOf(path: string): string[] {
  const response = JSON.parse(readFixture(path)) as {Traces: {Segments: {Document: string}[]}[]}
  return response.Traces.flatMap((trace) => trace.Segments.map((segment) => segment.Document))
}

/** Twelve small traces with their own ids, stored in the endpoint. */
const MANY = Array.from({length: 12}, (_, i) => `1-6b1${i.toString(16).padStart(5, '0')}-${'0'.repeat(22)}${i.toString(16).padStart(2, '0')}`)

function show(args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(['show', ...args], {env: {AWS_ENDPOINT_URL: aws.url, ...env}})
}

beforeAll(async () => {
  await aws.start()
  aws.addDocuments(documentsOf('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json'))
  MANY.forEach((id, i) => aws.addDocuments([{id: `a${String(i).padStart(15, '0')}`, name: `svc-${i}`, trace_id: id, start_time: 1700000000 + i, end_time: 1700000000.5 + i}]))
})
afterAll(() => aws.stop())
afterEach(() => {
  aws.clearFaults()
  aws.tracesPerPage = 5
  aws.unprocessed.clear()
  aws.limitExceeded.clear()
  aws.segmentsPerPart = undefined
  aws.requests.length = 0
})

describe('xtrace show <id> against the local AWS endpoint', () => {
  it('fetches and draws a trace, in any accepted id form', async () => {
    for (const form of [LAMBDA_TRACE, `Root=${LAMBDA_TRACE};Parent=53995c3f42cd8ad8;Sampled=1`, `XRAY TraceId: ${LAMBDA_TRACE}\tSegmentId: 1`]) {
      const result = await show([form, '--width', '100', '--ascii'])
      expect(result.code).toBe(0)
      expect(result.stderr).toBe('')
      expect(result.stdout).toContain(`Trace ${LAMBDA_TRACE}`)
      expect(result.stdout).toContain('random-name AWS::Lambda::Function [cold start]')
    }
    const calls = aws.calls('BatchGetTraces')
    expect(calls).toHaveLength(3)
    expect(JSON.parse(calls[0]!.body)).toEqual({TraceIds: [LAMBDA_TRACE]})
  })

  it('honours --endpoint-url as well as AWS_ENDPOINT_URL_XRAY', async () => {
    const byFlag = await runCli(['show', LAMBDA_TRACE, '--endpoint-url', aws.url])
    expect(byFlag.code).toBe(0)
    const byServiceEnv = await runCli(['show', LAMBDA_TRACE], {env: {AWS_ENDPOINT_URL_XRAY: aws.url}})
    expect(byServiceEnv.code).toBe(0)
    expect(aws.calls('BatchGetTraces')).toHaveLength(2)
  })

  it('asks for at most 5 ids a call and follows NextToken', async () => {
    aws.tracesPerPage = 2
    const result = await show([...MANY, '--json'])
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout) as {traces: {id: string}[]}
    expect(json.traces.map((t) => t.id)).toEqual(MANY)
    const calls = aws.calls('BatchGetTraces').map((call) => JSON.parse(call.body) as {TraceIds: string[]; NextToken?: string})
    for (const call of calls) expect(call.TraceIds.length).toBeLessThanOrEqual(5)
    expect(new Set(calls.flatMap((c) => c.TraceIds))).toEqual(new Set(MANY))
    // 3 batches (5, 5, 2 ids); at 2 traces a page the two full batches take 3 pages each.
    expect(calls.filter((c) => c.NextToken === undefined)).toHaveLength(3)
    expect(calls).toHaveLength(3 + 2 + 2)
  })

  it('puts a trace back together when its segments come on several pages', async () => {
    const whole = await show([LAMBDA_TRACE, '--json'])
    aws.segmentsPerPart = 1
    aws.tracesPerPage = 2
    const parted = await show([LAMBDA_TRACE, '--json'])
    expect(parted.code, parted.stderr).toBe(0)
    // The response's 5 documents, a page of 2 parts at a time: 3 pages.
    expect(aws.calls('BatchGetTraces')).toHaveLength(1 + 3)
    expect(parted.stdout).toBe(whole.stdout)
  })

  it('says a trace X-Ray cut at its size quota (LimitExceeded) is incomplete, in the header and in --json', async () => {
    aws.limitExceeded.add(LAMBDA_TRACE)
    const text = await show([LAMBDA_TRACE, MANY[0]!, '--width', '160'])
    expect(text.code, text.stderr).toBe(0)
    const notes = text.stdout.split('\n').filter((line) => line.startsWith('  notes'))
    // Only the cut trace says so, and first among its notes.
    expect(notes).toEqual(["  notes      incomplete: the trace reached X-Ray's size quota (LimitExceeded), and segments sent after that were not stored"])
    expect(text.stdout.indexOf('  notes')).toBeLessThan(text.stdout.indexOf(`Trace ${MANY[0]}`))
    const json = await show([LAMBDA_TRACE, MANY[0]!, '--json'])
    const traces = (JSON.parse(json.stdout) as {traces: {id: string; limitExceeded: boolean}[]}).traces
    expect(traces.map((t) => [t.id, t.limitExceeded])).toEqual([
      [LAMBDA_TRACE, true],
      [MANY[0], false],
    ])
  })

  it('reports unprocessed and unknown ids by id, shows the rest and exits 1', async () => {
    const unknown = '1-6b1fffff-000000000000000000000099'
    aws.unprocessed.add(MANY[1]!)
    const result = await show([MANY[0]!, MANY[1]!, unknown])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(`Trace ${MANY[0]}`)
    expect(result.stdout).toContain(`  ${MANY[1]}  unprocessed\n  ${unknown}  not found`)
    expect(result.stderr).toContain(`error: 2 traces were not returned by X-Ray: ${MANY[1]}, ${unknown}`)
    expect(result.stderr).toContain(`Try: new traces take a few seconds to become available: xtrace show --wait ${MANY[1]} ${unknown}`)
    const json = JSON.parse((await show([MANY[0]!, unknown, '--json'])).stdout) as {unprocessedTraceIds: string[]}
    expect(json.unprocessedTraceIds).toEqual([unknown])
  })

  it('--wait polls until a new trace arrives and its segments are complete', async () => {
    const id = '1-6b200000-000000000000000000000001'
    aws.addDocuments([{id: 'f000000000000001', name: 'slow', trace_id: id, start_time: 1700000100, in_progress: true}], {hiddenFor: 2})
    // The segment completes only once the CLI has seen it in progress (two hidden polls, then one more):
    // tied to the calls, not to a timer, so a slow machine cannot skip the in-progress state.
    let watching = true
    const completeLater = (async () => {
      while (watching && aws.calls('BatchGetTraces').length < 4) await new Promise((resolve) => setTimeout(resolve, 5))
      aws.addDocuments([{id: 'f000000000000001', name: 'slow', trace_id: id, start_time: 1700000100, end_time: 1700000101}])
    })()
    const result = await show([id, '--wait', '--poll-interval', '50', '--json'])
    watching = false
    await completeLater
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout) as {traces: {roots: {inProgress: boolean; endTime: number}[]}[]}
    expect(json.traces[0]!.roots[0]).toMatchObject({inProgress: false, endTime: 1700000101})
    expect(aws.calls('BatchGetTraces').length).toBeGreaterThan(3)
  })

  it('--wait gives up after its time and says which ids never came', async () => {
    const id = '1-6b200000-000000000000000000000002'
    const result = await show([id, '--wait', '1', '--poll-interval', '100'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`error: 1 trace was not returned by X-Ray: ${id}`)
    expect(result.stderr).toContain('Try: check the id and the region')
  })

  it('retries throttling with the SDK standard strategy and succeeds', async () => {
    aws.inject({kind: 'throttle', operation: 'BatchGetTraces', times: 2})
    const result = await show([LAMBDA_TRACE])
    expect(result.code).toBe(0)
    expect(aws.calls('BatchGetTraces').map((c) => c.fault ?? 'ok')).toEqual(['throttle', 'throttle', 'ok'])
  })

  it('waits out latency', async () => {
    aws.inject({kind: 'latency', delayMs: 500, operation: 'BatchGetTraces'})
    const result = await show([LAMBDA_TRACE])
    expect(result.code).toBe(0)
  })

  it.each([
    [{kind: 'throttle'} as const, /^error: xray:BatchGetTraces was throttled \(gave up after 2 attempts\)\nTry: wait a moment/],
    [{kind: 'server-error'} as const, /^error: AWS answered xray:BatchGetTraces with a server error \(ServiceException, HTTP 500\)\nTry: this is usually temporary/],
    [{kind: 'access-denied'} as const, /^error: access denied: the caller may not call xray:BatchGetTraces\nTry: allow xray:BatchGetTraces in the IAM policy/],
    [{kind: 'expired-token'} as const, /^error: the AWS credentials have expired\nTry: refresh them/],
    [{kind: 'drop'} as const, /^error: could not reach http:\/\/127\.0\.0\.1:\d+ \(.+\)\nTry: check the network/],
  ])('explains %o in one line and exits 1', async (fault, message) => {
    aws.inject(fault)
    // Two attempts (the SDK's own AWS_MAX_ATTEMPTS) keep the retry back-off short here.
    const result = await show([LAMBDA_TRACE], {AWS_MAX_ATTEMPTS: '2'})
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(STACK_TRACE)
  })

  it('fails fast and clearly without credentials or region', async () => {
    const noCredentials = await show([LAMBDA_TRACE], {AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined})
    expect(noCredentials.code).toBe(1)
    expect(noCredentials.stderr).toMatch(/^error: no AWS credentials found\nTry: set AWS_PROFILE or pass --profile/)
    const noProfile = await show([LAMBDA_TRACE, '--profile', 'nope'], {AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined})
    expect(noProfile.code).toBe(1)
    expect(noProfile.stderr).toMatch(/^error: no AWS credentials found for profile nope/)
    const noRegion = await show([LAMBDA_TRACE], {AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined})
    expect(noRegion.code).toBe(1)
    expect(noRegion.stderr).toMatch(/^error: no AWS region is set\nTry: pass --region/)
    // Both missing: both said at once, not one per run.
    const neither = await show([LAMBDA_TRACE], {AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined})
    expect(neither.code).toBe(1)
    expect(neither.stderr).toBe(
      'error: no AWS region is set, and no AWS credentials were found\n' +
        'Try: pass --region us-east-1 (or your region), or set AWS_REGION, or add region to your profile\n' +
        'Try: set AWS_PROFILE or pass --profile, run `aws configure` or `aws sso login`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY\n',
    )
    expect(aws.requests).toHaveLength(0)
  })

  it('cannot reach a closed port: says where it tried', async () => {
    const result = await runCli(['show', LAMBDA_TRACE, '--endpoint-url', 'http://127.0.0.1:9'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: could not reach http:\/\/127\.0\.0\.1:9 /)
  })

  it('--debug adds details but never the secret key', async () => {
    aws.inject({kind: 'access-denied'})
    const result = await show([LAMBDA_TRACE, '--debug'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('debug: AwsCallError: access denied')
    expect(result.stderr).toContain('caused by AccessDeniedException: User: arn:aws:iam::123456789012:user/test is not authorized')
    expect(result.stderr).toContain('http 403')
    expect(result.stderr).not.toContain(cleanEnv().AWS_SECRET_ACCESS_KEY)
  })

  it('loads the AWS SDK only when it fetches (the module spy works)', async () => {
    const spy = join(scratch, 'modules-fetch.txt')
    writeFileSync(spy, '')
    const result = await show([LAMBDA_TRACE], {NODE_OPTIONS: `--import ${MODULE_SPY}`, XTRACE_MODULE_SPY: spy})
    expect(result.code).toBe(0)
    expect(awsClientsLoaded(readFileSync(spy, 'utf8'))).toEqual(['@aws-sdk/client-xray'])
  })
})

describe('a trace emitted by the official X-Ray SDK for Node.js', () => {
  it('reads its UDP datagrams from a file, and the same documents fetched by id', async () => {
    const socket = createSocket('udp4')
    const datagrams: string[] = []
    socket.on('message', (message) => datagrams.push(message.toString('utf8')))
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    const {port} = socket.address() as AddressInfo
    const traceId = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'test/harness/emit-xray-sdk.mjs')], {
        env: {...cleanEnv(), AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`},
      })
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      child.on('error', reject)
      child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`emitter exited ${code}`))))
    })
    socket.close()
    expect(traceId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/)
    expect(datagrams.length).toBeGreaterThanOrEqual(2)
    for (const datagram of datagrams) expect(datagram).toMatch(/^\{"format":\s*"json",\s*"version":\s*1\}\n/)

    const file = join(scratch, 'sdk-datagrams.txt')
    writeFileSync(file, datagrams.join('\n'))
    const offline = await runCli(['show', '-f', file, '--details', '--width', '140'])
    expect(offline.code).toBe(0)
    expect(offline.stdout).toContain(`Trace ${traceId}`)
    expect(offline.stdout).toMatch(/e2e-orders-api .*\[fault\]|charge-card .*\[fault\]/)
    expect(offline.stdout).toContain('orders-db remote sql: SELECT * FROM orders WHERE id = $1')
    expect(offline.stdout).toContain('annotation tenant: acme\\x1b]0;pwned\\x07')
    expect(offline.stdout).not.toContain('\u001b')

    aws.addDocuments(datagrams.map((datagram) => datagram.slice(datagram.indexOf('\n') + 1)))
    const fetched = await show([traceId, '--json'])
    expect(fetched.code).toBe(0)
    const names: string[] = []
    const visit = (node: {name: string; children: unknown[]}) => {
      names.push(node.name)
      node.children.forEach((child) => visit(child as typeof node))
    }
    const json = JSON.parse(fetched.stdout) as {traces: {roots: {name: string; children: unknown[]}[]}[]}
    json.traces[0]!.roots.forEach(visit)
    expect(names).toEqual(['e2e-orders-api', 'load-order', 'orders-db', 'charge-card'])
  })
})

describe('fixture sanity', () => {
  it('uses the AWS docs Lambda example', () => {
    expect(readFileSync(fixture('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json'), 'utf8')).toContain(LAMBDA_TRACE)
  })
})
