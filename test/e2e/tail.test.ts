import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type RunningCli, startCli, until} from '../harness/cli.js'
import {awsClientsLoaded, MODULE_SPY} from '../harness/modules.js'
import {LocalAws} from '../harness/local-aws.js'
import {generateTraffic} from '../harness/traffic.js'

/**
 * `xtrace tail` through the binary while traces are stored behind it: each appears once, in order,
 * also when X-Ray indexes it late; throttling and a dropped connection are waited out and said;
 * Ctrl-C ends it with a summary and exit 0; expired credentials end it with exit 1.
 */

let aws: LocalAws

beforeEach(async () => {
  aws = new LocalAws()
  await aws.start()
})
afterEach(() => aws.stop())

function tail(args: string[]): RunningCli {
  // Short polls and a short overlap keep the test quick; AWS_MAX_ATTEMPTS=2 makes two throttles fail a call.
  return startCli(['tail', '--interval', '1s', '--overlap', '5s', '--since', '0s', '--endpoint-url', aws.url, ...args], {env: {AWS_MAX_ATTEMPTS: '2', TZ: 'UTC'}, timeoutMs: 60_000})
}


const ids = (run: RunningCli) =>
  run
    .output()
    .stdout.split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as {id: string}).id)

function store(traffic: ReturnType<typeof generateTraffic>, from: number, to: number, indexDelayMs = 0): string[] {
  const batch = traffic.manifest.slice(from, to)
  for (const trace of batch) aws.addDocuments(traffic.documents.get(trace.id)!, {indexDelayMs})
  return batch.map((trace) => trace.id)
}

describe('xtrace tail', () => {
  it('prints each new trace once, in order, also when X-Ray indexes it late', async () => {
    const now = Date.now() / 1000
    const traffic = generateTraffic({count: 30, seed: 3, start: now - 60, end: now})
    const run = tail(['--json'])
    await until(() => run.output().stderr.includes('following'), 'tail to start')
    const first = store(traffic, 0, 10)
    await until(() => ids(run).length >= 10, 'the first ten')
    // Indexed two seconds late: the next poll misses them, a later one (within the overlap) has them.
    const late = store(traffic, 10, 20, 2000)
    await until(() => ids(run).length >= 20, 'the late ten')
    const last = store(traffic, 20, 30)
    await until(() => ids(run).length >= 30, 'the last ten')
    // Several more polls: nothing comes twice.
    const polls = aws.calls('GetTraceSummaries').length
    await until(() => aws.calls('GetTraceSummaries').length >= polls + 3, 'three more polls')
    run.child.kill('SIGINT')
    const result = await run.exited
    expect(result.code).toBe(0)
    const seen = ids(run)
    expect(seen).toHaveLength(30)
    // In order within each batch (by start); the batches in the order they were stored.
    const order = (batch: string[]) => traffic.manifest.filter((t) => batch.includes(t.id)).sort((a, b) => a.start - b.start).map((t) => t.id)
    expect(seen).toEqual([...order(first), ...order(late), ...order(last)])
    const truth = traffic.manifest
    const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
    expect(result.stderr.trimEnd().split('\n').pop()).toBe(
      `30 traces seen: ${count(truth.filter((t) => t.error).length, 'with an error', 'with errors')}, ${count(truth.filter((t) => t.fault).length, 'with a fault', 'with faults')}, ${truth.filter((t) => t.throttle).length} throttled, cold starts not looked at (--with-docs)`,
    )
  })

  it('waits out throttling and a dropped connection, says so once, and says when it recovers', async () => {
    const now = Date.now() / 1000
    const traffic = generateTraffic({count: 6, seed: 5, start: now - 30, end: now})
    const run = tail(['--json'])
    await until(() => run.output().stderr.includes('following'), 'tail to start')
    // Two throttles fail one call (two attempts each); a second failing call would only lengthen the pause.
    aws.inject({kind: 'throttle', operation: 'GetTraceSummaries', times: 2})
    await until(() => run.output().stderr.includes('recovered'), 'recovery from throttling')
    store(traffic, 0, 3)
    await until(() => ids(run).length >= 3, 'three traces')
    aws.inject({kind: 'drop', operation: 'GetTraceSummaries', times: 2})
    await until(() => run.output().stderr.split('recovered').length >= 3, 'recovery from the dropped connection')
    store(traffic, 3, 6)
    await until(() => ids(run).length >= 6, 'six traces')
    run.child.kill('SIGINT')
    const result = await run.exited
    expect(result.code).toBe(0)
    expect(ids(run)).toHaveLength(6)
    const notes = result.stderr.split('\n').filter((line) => line.startsWith('note: '))
    expect(notes).toEqual([
      expect.stringMatching(/^note: xray:GetTraceSummaries was throttled \(gave up after 2 attempts\); retrying, every \d+ s at most, until it answers$/),
      'note: recovered: X-Ray answers again (after throttling)',
      expect.stringMatching(/^note: could not reach http:\/\/127\.0\.0\.1:\d+ .*; retrying/),
      'note: recovered: X-Ray answers again (after a failure)',
    ])
  })

  it('prints a trace in progress once it completes, or after --partial-timeout as partial', async () => {
    const now = Date.now() / 1000
    const traffic = generateTraffic({count: 2, seed: 9, start: now - 20, end: now - 5})
    const [done, stuck] = traffic.manifest
    const open = (id: string) => traffic.documents.get(id)!.map((doc) => (doc.origin === 'AWS::Lambda::Function' ? {...doc, end_time: undefined, in_progress: true} : doc))
    const run = tail(['--json', '--partial-timeout', '3s'])
    await until(() => run.output().stderr.includes('following'), 'tail to start')
    aws.addDocuments(open(done!.id))
    aws.addDocuments(open(stuck!.id))
    const polls = aws.calls('GetTraceSummaries').length
    await until(() => aws.calls('GetTraceSummaries').length >= polls + 2, 'two polls')
    expect(ids(run)).toEqual([])
    aws.addDocuments(traffic.documents.get(done!.id)!)
    await until(() => ids(run).length >= 2, 'the completed trace and the stuck one', 20_000)
    run.child.kill('SIGINT')
    await run.exited
    const lines = run.output().stdout.trim().split('\n').map((line) => JSON.parse(line) as {id: string; partial: boolean})
    expect(lines.map((l) => [l.id, l.partial])).toEqual([
      [done!.id, false],
      [stuck!.id, true],
    ])
  })

  it('stops with exit 1 when the credentials expire', async () => {
    const run = tail([])
    await until(() => run.output().stderr.includes('following'), 'tail to start')
    aws.inject({kind: 'expired-token', operation: 'GetTraceSummaries'})
    const result = await run.exited
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/error: the AWS credentials have expired\nTry: refresh them/)
  })

  it('ends as Ctrl-C does when its reader goes away (| head), with no EPIPE stack trace', async () => {
    const now = Date.now() / 1000
    const traffic = generateTraffic({count: 20, seed: 9, start: now - 60, end: now})
    const run = tail(['--json'])
    await until(() => run.output().stderr.includes('following'), 'tail to start')
    // Traces stored after the reader went away make tail write again, into the closed pipe.
    run.child.stdout.once('data', () => {
      run.child.stdout.destroy()
      store(traffic, 10, 20)
    })
    store(traffic, 0, 10)
    const result = await run.exited
    expect(result.code).toBe(0)
    expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /)
    expect(result.stderr.trimEnd().split('\n').pop()).toMatch(/^\d+ traces? seen: /)
  })
})

describe('modules loaded', () => {
  it('tail loads the X-Ray client and no other AWS client', async () => {
    const spy = join(mkdtempSync(join(tmpdir(), 'xtrace-spy-')), 'modules.txt')
    writeFileSync(spy, '')
    const run = startCli(['tail', '--interval', '1s', '--since', '0s', '--endpoint-url', aws.url], {env: {TZ: 'UTC', NODE_OPTIONS: `--import ${MODULE_SPY}`, XTRACE_MODULE_SPY: spy}, timeoutMs: 60_000})
    await until(() => aws.calls('GetTraceSummaries').length >= 2, 'two polls')
    run.child.kill('SIGINT')
    expect((await run.exited).code).toBe(0)
    expect(awsClientsLoaded(readFileSync(spy, 'utf8'))).toEqual(['@aws-sdk/client-xray'])
  })
})
