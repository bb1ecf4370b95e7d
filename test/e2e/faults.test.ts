import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import fc from 'fast-check'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {runPool} from '../../src/util/pool.js'

import {runCli, startCli} from '../harness/cli.js'
import {readFixture} from '../harness/fixtures.js'
import {roleArn as role, STACK_TRACE, startLocalAccount} from '../harness/account.js'
import type {FaultKind, LocalAws} from '../harness/local-aws.js'
import type {LocalIam} from '../harness/local-iam.js'
import type {LocalLambda} from '../harness/local-lambda.js'

/**
 * Faults on the local endpoint, for every command that calls AWS: each kind of fault on every call,
 * AccessDenied on each call a command makes (one at a time), and Ctrl-C at random points of a
 * 500-function change. Whatever happens: a message and an exit code, no stack trace, valid JSON with
 * --json, and nothing changed without being reported.
 */

const LAMBDA_TRACE = '1-59602603-23fc5b688855d396af79b496'

let aws: LocalAws
let lambda: LocalLambda
let state: string

/** The account every test starts from: two functions, a role that may write to X-Ray, a stored trace. */
async function freshAccount(): Promise<{aws: LocalAws; iam: LocalIam; lambda: LocalLambda}> {
  const local = await startLocalAccount({settleMs: 30})
  local.iam.addRole('app-role', {attached: ['arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess']})
  local.lambda.add('api', {Role: role('app-role')})
  local.lambda.add('web', {Role: role('app-role'), TracingConfig: {Mode: 'Active'}})
  const response = JSON.parse(readFixture('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json')) as {Traces: {Segments: {Document: string}[]}[]}
  local.aws.addDocuments(response.Traces.flatMap((trace) => trace.Segments.map((segment) => segment.Document)))
  return local
}

beforeEach(async () => {
  ;({aws, lambda} = await freshAccount())
  state = mkdtempSync(join(tmpdir(), 'xtrace-faults-'))
})
afterEach(() => aws.stop())

// Two attempts a call keep the suite quick; the retry path is the same as with five.
const env = () => ({XDG_STATE_HOME: mkdtempSync(join(state, 'run-')), AWS_MAX_ATTEMPTS: '2', XTRACE_POLL_SECONDS: '0.05'})

const COMMANDS: Record<string, string[]> = {
  show: ['show', LAMBDA_TRACE],
  status: ['status'],
  enable: ['enable', 'api', 'web', '--yes'],
  disable: ['disable', '--all', '--yes'],
  doctor: ['doctor', 'api'],
}

function run(args: string[], json: boolean, url = aws.url) {
  return runCli([...args, ...(json ? ['--json'] : []), '--endpoint-url', url], {env: env(), timeoutMs: 60_000})
}

function assertClean(result: {code: number | null; stdout: string; stderr: string}, json: boolean) {
  expect(result.stdout + result.stderr).not.toMatch(STACK_TRACE)
  expect(result.stderr).not.toContain('unexpected error')
  expect([0, 1]).toContain(result.code)
  if (json) expect(() => JSON.parse(result.stdout)).not.toThrow()
  if (result.code === 1 && !json) expect(result.stderr + result.stdout).toMatch(/error: |failed|✖|xx /)
}

describe('every kind of fault on every call', () => {
  const kinds: FaultKind[] = ['throttle', 'server-error', 'drop', 'access-denied', 'expired-token']
  for (const [name, args] of Object.entries(COMMANDS)) {
    it(`${name}: ${kinds.join(', ')}, and 300 ms of latency`, async () => {
      for (const kind of kinds) {
        aws.clearFaults()
        aws.inject({kind})
        // Text and --json take the same paths to the error; both are checked on the first kind.
        for (const json of kind === kinds[0] ? [false, true] : [true]) {
          const result = await run(args, json)
          assertClean(result, json)
          expect(result.code, `${name} under ${kind}`).toBe(1)
        }
      }
      aws.clearFaults()
      aws.inject({kind: 'latency', delayMs: 300})
      const slow = await run(args, true)
      assertClean(slow, true)
    })
  }

  it('messages name the failure: throttling, server errors, dropped connections, expired credentials', async () => {
    const expectations: [FaultKind, RegExp][] = [
      ['throttle', /lambda:ListFunctions was throttled \(gave up after 2 attempts\)/],
      ['server-error', /AWS answered lambda:ListFunctions with a server error/],
      ['drop', /could not reach .*socket hang up|could not reach/],
      ['expired-token', /the AWS credentials have expired/],
    ]
    for (const [kind, message] of expectations) {
      aws.clearFaults()
      aws.inject({kind, service: 'lambda'})
      const result = await run(['status'], false)
      expect(result.stderr).toMatch(message)
    }
  })
})

describe('AccessDenied on each call a command makes, one at a time', () => {
  for (const [name, args] of Object.entries(COMMANDS)) {
    // One run of the CLI per AWS operation the command makes (doctor makes 16): each against an
    // account of its own, two at a time. The budget is for that many processes on a loaded machine.
    it(name, {timeout: 120_000}, async () => {
      const clean = await run(args, true)
      expect(clean.code).toBe(0)
      const operations = [...new Set(aws.requests.map((r) => `${r.service}:${r.operation}`))]
      expect(operations.length).toBeGreaterThan(0)
      await runPool(operations, 2, async (operation) => {
        const [service, op] = operation.split(':')
        const local = await freshAccount()
        try {
          local.aws.inject({kind: 'access-denied', service: service!, operation: op!})
          const result = await run(args, true, local.aws.url)
          assertClean(result, true)
          const said = result.stdout + result.stderr
          // Denied calls are reported by their IAM action, or the command says it could not check.
          if (result.code === 1) expect(said, operation).toMatch(new RegExp(`access denied|${op}|could not`, 'i'))
        } finally {
          await local.aws.stop()
        }
      })
    })
  }
})

describe('Ctrl-C at random points of a 500-function change', () => {
  it('every function ends in a reported state, and restore brings back every changed one', async () => {
    for (let i = 0; i < 500; i++) lambda.add(`fn-${String(i).padStart(3, '0')}`, {Role: role('app-role')})
    lambda.functions.delete(lambda.get('api')!.FunctionArn)
    lambda.functions.delete(lambda.get('web')!.FunctionArn)
    const runs = Number.parseInt(process.env.FUZZ_RUNS ?? '', 10) > 200 ? 6 : 2
    await fc.assert(
      fc.asyncProperty(fc.integer({min: 20, max: 2500}), async (delayMs) => {
        for (const fn of lambda.functions.values()) fn.TracingConfig = {Mode: 'PassThrough'}
        const runEnv = env()
        const run = startCli(['enable', '--all', '--yes', '--json', '--concurrency', '50', '--endpoint-url', aws.url], {env: runEnv, timeoutMs: 60_000})
        await new Promise((resolve) => setTimeout(resolve, delayMs))
        run.child.kill('SIGINT')
        const {code, signal, stdout, stderr} = await run.exited
        expect(stdout + stderr).not.toMatch(STACK_TRACE)
        if (code === null) {
          // Killed before xtrace's own code ran (Node still starting): the shell says 130, and nothing changed.
          expect(signal).toBe('SIGINT')
          expect(stdout).toBe('')
          expect([...lambda.functions.values()].some((fn) => fn.TracingConfig.Mode === 'Active')).toBe(false)
          return
        }
        expect([0, 130]).toContain(code)
        const parsed = JSON.parse(stdout) as {error?: {code: string}}
        if (parsed.error) {
          // Interrupted before the first update: nothing may have changed.
          expect(parsed.error.code).toBe('INTERRUPTED')
          expect(code).toBe(130)
          expect([...lambda.functions.values()].some((fn) => fn.TracingConfig.Mode === 'Active')).toBe(false)
          return
        }
        const json = parsed as {results: {function: string; status: string}[]; summary: Record<string, number>}
        expect(json.results).toHaveLength(500)
        const changed = new Set(json.results.filter((r) => r.status === 'changed').map((r) => r.function))
        const active = [...lambda.functions.values()].filter((fn) => fn.TracingConfig.Mode === 'Active').map((fn) => fn.FunctionName)
        // Nothing changed without being reported, nothing reported that did not change.
        expect(new Set(active)).toEqual(changed)
        if (changed.size === 0) return
        await new Promise((resolve) => setTimeout(resolve, 100)) // let the last updates settle
        const restore = await runCli(['restore', '--yes', '--json', '--concurrency', '50', '--endpoint-url', aws.url], {env: runEnv, timeoutMs: 60_000})
        expect(restore.code, restore.stderr).toBe(0)
        expect(JSON.parse(restore.stdout).summary.changed).toBe(changed.size)
        expect([...lambda.functions.values()].every((fn) => fn.TracingConfig.Mode === 'PassThrough')).toBe(true)
      }),
      {numRuns: runs},
    )
  }, 120_000)
})
