import {spawn} from 'node:child_process'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {BIN, cleanEnv, HAS_SCRIPT, ROOT, runCli, startCli, until} from '../harness/cli.js'
import {ACCOUNT, roleArn as role, STACK_TRACE, startLocalAccount, XRAY_POLICY} from '../harness/account.js'
import type {LocalAws} from '../harness/local-aws.js'
import type {LocalIam} from '../harness/local-iam.js'
import type {LocalLambda} from '../harness/local-lambda.js'

/**
 * enable / disable / status / restore through the built binary, against the local endpoint playing
 * Lambda (updates InProgress for a while, conflicts, revisions, throttling, pages of 50, the X-Ray
 * permission refusal) and IAM (roles, the real managed policies, attachments in the request log).
 */


let aws: LocalAws
let lambda: LocalLambda
let iam: LocalIam
let state: string

beforeEach(async () => {
  ;({aws, iam, lambda, state} = await startLocalAccount({settleMs: 150}))
})
afterEach(() => aws.stop())

/** Polls every 0.2 s instead of Lambda's 1 s (XTRACE_POLL_SECONDS) — but for the first test, which keeps the default. */
function xtrace(args: string[], options: {input?: string; env?: Record<string, string>} = {}) {
  return startXtrace(args, options).exited
}

function startXtrace(args: string[], options: {input?: string; env?: Record<string, string>} = {}) {
  return startCli([...args, '--endpoint-url', aws.url], {
    env: {XDG_STATE_HOME: state, XTRACE_POLL_SECONDS: '0.2', ...options.env},
    ...(options.input === undefined ? {} : {input: options.input}),
    timeoutMs: 60_000,
  })
}

function addFunctions(prefix: string, count: number, overrides: Parameters<LocalLambda['add']>[1] = {}) {
  return Array.from({length: count}, (_, i) => lambda.add(`${prefix}-${String(i).padStart(3, '0')}`, {Role: role('traced-role'), ...overrides}))
}

const modes = () => [...lambda.functions.values()].map((fn) => `${fn.FunctionName}=${fn.TracingConfig.Mode}`)
const updates = () => aws.calls('UpdateFunctionConfiguration', 'lambda')

interface ChangeJson {
  results: {function: string; arn: string; region: string; previousMode: string; mode: string; changed: boolean; policyAttached: boolean; status: string; error?: {code: string; message: string}}[]
  summary: {changed: number; unchanged: number; skipped: number; failed: number; planned?: number}
  operation?: string
  dryRun?: boolean
}

describe('xtrace enable / disable', () => {
  it('enables one function, waits for it to settle, journals it, and a second run makes no update call', async () => {
    lambda.add('orders-api', {Role: role('traced-role')})
    const first = await xtrace(['enable', 'orders-api'], {env: {XTRACE_POLL_SECONDS: ''}})
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^FUNCTION\s+BEFORE\s+AFTER\s+RESULT\s+REASON\norders-api\s+PassThrough\s+Active\s+changed\n/)
    expect(first.stdout).toMatch(/1 changed, 0 unchanged, 0 skipped, 0 failed\nUndo with: xtrace restore \d{8}T\d{6}Z-[0-9a-f]{6}\n$/)
    expect(lambda.get('orders-api')).toMatchObject({TracingConfig: {Mode: 'Active'}, LastUpdateStatus: 'Successful'})
    // It waited: it polled GetFunction (the FunctionUpdatedV2 waiter) until Successful.
    expect(aws.calls('GetFunction', 'lambda').length).toBeGreaterThan(0)
    const update = JSON.parse(updates()[0]!.body) as {TracingConfig: unknown; RevisionId?: string}
    expect(update.TracingConfig).toEqual({Mode: 'Active'})
    expect(update.RevisionId).toMatch(/^[0-9a-f-]{36}$/)

    const journals = readdirSync(join(state, 'xtrace/operations'))
    expect(journals).toHaveLength(1)
    const journalPath = join(state, 'xtrace/operations', journals[0]!)
    expect(statSync(journalPath).mode & 0o777).toBe(0o600)
    expect(statSync(join(state, 'xtrace/operations')).mode & 0o777).toBe(0o700)
    expect(readFileSync(journalPath, 'utf8')).toContain(`"arn":"arn:aws:lambda:us-east-1:${ACCOUNT}:function:orders-api","account":"123456789012","region":"us-east-1","previousMode":"PassThrough","mode":"Active"`)

    aws.requests.length = 0
    const second = await xtrace(['enable', 'orders-api', '--json'])
    expect(second.code).toBe(0)
    expect(updates()).toHaveLength(0)
    const json = JSON.parse(second.stdout) as ChangeJson
    expect(json).toEqual({
      results: [{
        function: 'orders-api',
        arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:orders-api`,
        account: ACCOUNT,
        region: 'us-east-1',
        previousMode: 'Active',
        mode: 'Active',
        changed: false,
        policyAttached: false,
        status: 'unchanged',
      }],
      summary: {changed: 0, unchanged: 1, skipped: 0, failed: 0},
    })
  })

  it('disables by ARN and by partial ARN, and never touches IAM', async () => {
    lambda.add('a', {Role: role('traced-role'), TracingConfig: {Mode: 'Active'}})
    lambda.add('b', {Role: role('bare-role'), TracingConfig: {Mode: 'Active'}})
    const result = await xtrace(['disable', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:a`, `${ACCOUNT}:function:b`, '--yes', '--json'])
    expect(result.code).toBe(0)
    expect((JSON.parse(result.stdout) as ChangeJson).summary).toEqual({changed: 2, unchanged: 0, skipped: 0, failed: 0})
    expect(modes()).toEqual(['a=PassThrough', 'b=PassThrough'])
    expect(aws.requests.filter((r) => r.service === 'iam')).toHaveLength(0)
  })

  it('follows every page of ListFunctions: 160 functions, --match and --all, in bulk with --yes', async () => {
    addFunctions('api', 120)
    addFunctions('worker', 40)
    const matched = await xtrace(['enable', '--match', 'api-*', '--yes', '--json', '--concurrency', '100'])
    expect(matched.code).toBe(0)
    expect((JSON.parse(matched.stdout) as ChangeJson).summary).toEqual({changed: 120, unchanged: 0, skipped: 0, failed: 0})
    expect(aws.calls('ListFunctions', 'lambda')).toHaveLength(4) // 160 functions, 50 a page
    expect(modes().filter((m) => m.endsWith('=Active'))).toHaveLength(120)

    const all = await xtrace(['enable', '--all', '--yes', '--concurrency', '100'])
    expect(all.code).toBe(0)
    expect(all.stdout).toContain('40 changed, 120 unchanged, 0 skipped, 0 failed')
    // Published versions are not looked up one by one in bulk: one note instead.
    expect(all.stderr).toContain('published versions keep the mode they were published with')
    expect(updates()).toHaveLength(160)
  })

  it('refuses a bulk change without a terminal and without --yes, before any write', async () => {
    addFunctions('api', 3)
    const result = await xtrace(['enable', '--all'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      'error: --yes required when not running interactively (changing 3 functions)\nTry: check the plan with --dry-run, then run again with --yes\n',
    )
    expect(result.stdout).toBe('')
    expect(updates()).toHaveLength(0)
    expect(readdirSafe(join(state, 'xtrace/operations'))).toEqual([])
  })

  it('--dry-run shows the plan, changes nothing and journals nothing', async () => {
    addFunctions('api', 3)
    lambda.get('api-001')!.TracingConfig = {Mode: 'Active'}
    const text = await xtrace(['enable', '--all', '--dry-run'])
    expect(text.code).toBe(0)
    expect(text.stdout).toBe(
      [
        'FUNCTION  CURRENT      PLANNED',
        'api-000   PassThrough  → Active',
        'api-001   Active       unchanged',
        'api-002   PassThrough  → Active',
        '',
        '2 functions would change to Active, 1 already Active. Dry run: nothing was changed.',
        '',
      ].join('\n'),
    )
    const json = JSON.parse((await xtrace(['enable', '--all', '--dry-run', '--json'])).stdout) as ChangeJson
    expect(json.dryRun).toBe(true)
    expect(json.summary).toEqual({changed: 0, unchanged: 1, skipped: 0, failed: 0, planned: 2})
    expect(json.results.map((r) => r.status)).toEqual(['planned', 'unchanged', 'planned'])
    expect(updates()).toHaveLength(0)
    expect(readdirSafe(join(state, 'xtrace/operations'))).toEqual([])
  })

  it('stops a function whose role lacks the X-Ray permissions, with the exact fix, and writes nothing', async () => {
    lambda.add('no-perm', {Role: role('bare-role')})
    lambda.add('fine', {Role: role('traced-role')})
    const result = await xtrace(['enable', 'no-perm', 'fine', '--yes'])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/no-perm\s+PassThrough\s+PassThrough\s+failed\s+role bare-role lacks xray:PutTraceSegments \(and xray:PutTelemetryRecords\), which Lambda requires for Active tracing/)
    expect(result.stdout).toContain('Try: xtrace enable no-perm --attach-policy   (attaches AWSXRayDaemonWriteAccess to bare-role)')
    expect(result.stdout).toContain(`Try: aws iam attach-role-policy --role-name bare-role --policy-arn ${XRAY_POLICY}`)
    expect(result.stdout).toContain('1 changed, 0 unchanged, 0 skipped, 1 failed')
    expect(updates().map((u) => u.body)).toHaveLength(1) // only "fine"
    expect(aws.calls('AttachRolePolicy', 'iam')).toHaveLength(0)
    expect(result.stdout + result.stderr).not.toMatch(STACK_TRACE)
  })

  it('--attach-policy needs consent; with --yes it attaches once per role and rides out IAM propagation', async () => {
    lambda.options.canWriteXRay = (arn) => iam.canWriteXRay(arn, 1500)
    lambda.add('one', {Role: role('bare-role')})
    lambda.add('two', {Role: role('bare-role')})

    const refused = await xtrace(['enable', 'one', '--attach-policy'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--yes required when not running interactively (attaching AWSXRayDaemonWriteAccess to IAM roles)')
    expect(aws.calls('AttachRolePolicy', 'iam')).toHaveLength(0)

    const result = await xtrace(['enable', 'one', 'two', '--attach-policy', '--yes', '--json'])
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout) as ChangeJson
    expect(json.results.map((r) => [r.function, r.status, r.policyAttached])).toEqual([['one', 'changed', true], ['two', 'changed', true]])
    const attach = aws.calls('AttachRolePolicy', 'iam')
    expect(attach).toHaveLength(1)
    expect(new URLSearchParams(attach[0]!.body).get('PolicyArn')).toBe(XRAY_POLICY)
    expect(new URLSearchParams(attach[0]!.body).get('RoleName')).toBe('bare-role')
    // Lambda refused while IAM propagated, and xtrace retried.
    expect(updates().length).toBeGreaterThan(2)

    // restore puts the modes back but leaves the policy, and says how to detach it.
    const restored = await xtrace(['restore', '--yes'])
    expect(restored.code).toBe(0)
    expect(restored.stderr).toContain(`note: AWSXRayDaemonWriteAccess stays attached to role bare-role (attached by ${json.operation}); to detach it: aws iam detach-role-policy --role-name bare-role --policy-arn ${XRAY_POLICY}`)
    expect(modes()).toEqual(['one=PassThrough', 'two=PassThrough'])
  })

  it('relies on Lambda\'s own refusal when IAM cannot be read, with the same guidance', async () => {
    lambda.add('opaque', {Role: role('bare-role')})
    aws.inject({kind: 'access-denied', service: 'iam'})
    const result = await xtrace(['enable', 'opaque'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('warning: could not read role bare-role: access denied: the caller may not call iam:GetRole')
    expect(result.stdout).toContain('Lambda refused: role bare-role lacks xray:PutTraceSegments')
    expect(result.stdout).toContain('Try: xtrace enable opaque --attach-policy')
    expect(updates()).toHaveLength(1)
  })

  it('does not overwrite a concurrent change: a moved revision is read again, someone else\'s Active is left alone', async () => {
    lambda.add('moved', {Role: role('traced-role')})
    lambda.add('raced', {Role: role('traced-role')})
    const seen = new Set<string>()
    lambda.options.beforeUpdate = (fn) => {
      if (seen.has(fn.FunctionName)) return
      seen.add(fn.FunctionName)
      // Someone else changes the function between xtrace's read and its update.
      fn.RevisionId = `someone-else-${fn.FunctionName}`
      if (fn.FunctionName === 'raced') fn.TracingConfig = {Mode: 'Active'}
    }
    const result = await xtrace(['enable', 'moved', 'raced', '--yes'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/moved\s+PassThrough\s+Active\s+changed\s+the configuration changed meanwhile; updated on top of the new revision/)
    expect(result.stdout).toMatch(/raced\s+PassThrough\s+Active\s+unchanged\s+someone else set Active meanwhile/)
    const bodies = updates().map((u) => JSON.parse(u.body) as {FunctionName?: string; RevisionId: string})
    expect(bodies.filter((b) => b.RevisionId === 'someone-else-moved')).toHaveLength(1)
    expect(updates()).toHaveLength(3) // moved twice, raced once
  })

  it('waits out an update already in progress (ResourceConflictException) and retries throttled calls', async () => {
    const busy = lambda.add('busy', {Role: role('traced-role')})
    addFunctions('api', 10)
    lambda.busy(busy, 1200)
    aws.inject({kind: 'throttle', service: 'lambda', every: 3, times: 4})
    const result = await xtrace(['enable', '--all', '--yes', '--json'])
    expect(result.code).toBe(0)
    expect((JSON.parse(result.stdout) as ChangeJson).summary).toEqual({changed: 11, unchanged: 0, skipped: 0, failed: 0})
    expect(aws.requests.filter((r) => r.fault === 'throttle')).toHaveLength(4)
    expect(modes().every((m) => m.endsWith('=Active'))).toBe(true)
  })

  it('stops starting updates when the credentials expire mid-run, instead of failing every function', async () => {
    addFunctions('api', 12)
    aws.inject({kind: 'expired-token', operation: 'UpdateFunctionConfiguration'})
    const result = await xtrace(['enable', '--all', '--yes', '--concurrency', '2'])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/api-000\s+PassThrough\s+PassThrough\s+failed\s+the AWS credentials have expired/)
    expect(result.stdout).toContain('not started: stopped after "the AWS credentials have expired"')
    expect(result.stdout).toContain('Try: refresh them (e.g. aws sso login) and try again')
    expect(updates().length).toBeLessThanOrEqual(2)
    expect(result.stdout + result.stderr).not.toMatch(STACK_TRACE)
  })

  it('reports an update that Lambda marks Failed, with its reason, and exits 1', async () => {
    lambda.add('broken', {Role: role('traced-role')})
    lambda.options.failUpdate = () => 'The function could not be updated: KMS key is disabled'
    const result = await xtrace(['enable', 'broken', '--json'])
    expect(result.code).toBe(1)
    const [entry] = (JSON.parse(result.stdout) as ChangeJson).results
    expect(entry).toMatchObject({status: 'failed', error: {code: 'UPDATE_FAILED', message: 'Lambda reported the update Failed: The function could not be updated: KMS key is disabled'}})
  })

  it('refuses qualified names with the reason, and unknown names before changing anything', async () => {
    addFunctions('api', 2)
    for (const qualified of ['api-000:3', 'api-000:prod', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:api-000:prod`]) {
      const result = await xtrace(['enable', qualified])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('names a published version or alias: only $LATEST can change, a published version\'s configuration is immutable')
    }
    const missing = await xtrace(['enable', 'api-000', 'api-999', '--yes'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('error: no such function: api-999 (not in us-east-1); nothing was changed')
    expect(updates()).toHaveLength(0)
    const nothing = await xtrace(['enable'])
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toBe(
      'error: name the functions, or select them with --all, --match GLOB or --tag KEY=VALUE\n' +
        'Try: xtrace status   (lists the functions and their modes)\n' +
        'Try: xtrace enable --all --dry-run   (shows what the command would change for every function)\n',
    )
    // Each Try line runs as printed.
    const suggested = await xtrace(['enable', '--all', '--dry-run'])
    expect(suggested.code).toBe(0)
  })

  it('reads names from stdin, selects by tag across regions, and says which aliases keep their mode', async () => {
    lambda.add('svc-a', {Role: role('traced-role'), tags: {team: 'payments'}})
    lambda.add('svc-b', {Role: role('traced-role'), tags: {team: 'search'}})
    lambda.add('svc-c', {Role: role('traced-role'), tags: {team: 'payments'}, region: 'eu-west-1'})
    lambda.publish('svc-a', 'prod')

    const byTag = await xtrace(['enable', '--tag', 'team=payments', '--region', 'us-east-1', '--region', 'eu-west-1', '--yes'])
    expect(byTag.code).toBe(0)
    expect(byTag.stdout).toMatch(/FUNCTION\s+REGION\s+BEFORE/)
    expect(byTag.stdout).toMatch(/svc-c\s+eu-west-1\s+PassThrough\s+Active\s+changed/)
    expect(byTag.stdout).toMatch(/svc-a\s+us-east-1\s+PassThrough\s+Active\s+changed\s+alias prod→1 points at a published version, which keeps its mode until you publish a new one/)
    // One tag search per region (the IaC tags of the functions to change are read too, by ARN).
    expect(aws.calls('GetResources', 'tagging').filter((r) => r.body.includes('TagFilters')).map((r) => r.region).sort()).toEqual(['eu-west-1', 'us-east-1'])
    expect(modes()).toEqual(['svc-a=Active', 'svc-b=PassThrough', 'svc-c=Active'])

    const fromStdin = await xtrace(['disable', '-', '--yes'], {input: 'svc-a\n# a comment\nsvc-b, svc-a\n'})
    expect(fromStdin.code).toBe(0)
    expect(fromStdin.stdout).toContain('1 changed, 1 unchanged, 0 skipped, 0 failed')
  })
})

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path)
  } catch {
    return []
  }
}

describe('Ctrl-C in the middle of a bulk change, then xtrace restore', () => {
  it('stops starting updates, reports every function, exits 130, and restore undoes exactly what changed', async () => {
    lambda.options.settleMs = 600
    addFunctions('fn', 60)
    const run = startXtrace(['enable', '--all', '--yes', '--concurrency', '4', '--json'])
    while (updates().length < 6) await new Promise((resolve) => setTimeout(resolve, 20))
    run.child.kill('SIGINT')
    const {code, stdout, stderr} = await run.exited
    expect(code).toBe(130)
    expect(stderr).toContain('stopping: no new updates start; letting the ones in flight finish')
    expect(stderr).toMatch(/\(interrupted\)\nUndo with: xtrace restore (\S+)/)
    expect(stderr).not.toMatch(STACK_TRACE)
    const json = JSON.parse(stdout) as ChangeJson
    const changed = json.results.filter((r) => r.status === 'changed').map((r) => r.function)
    expect(json.results).toHaveLength(60)
    expect(json.summary.changed).toBeGreaterThanOrEqual(6)
    expect(json.summary.skipped).toBeGreaterThan(0)
    expect(json.summary.changed + json.summary.skipped).toBe(60)
    // Every function Lambda now has Active is reported as changed, and nothing else is.
    expect([...lambda.functions.values()].filter((fn) => fn.TracingConfig.Mode === 'Active').map((fn) => fn.FunctionName).sort()).toEqual(changed.sort())

    await new Promise((resolve) => setTimeout(resolve, 700)) // let the last updates settle
    const restore = await xtrace(['restore', '--yes', '--json'])
    expect(restore.stderr).toBe('')
    expect(restore.code).toBe(0)
    expect((JSON.parse(restore.stdout) as ChangeJson).summary).toEqual({changed: changed.length, unchanged: 0, skipped: 0, failed: 0})
    expect(modes().every((m) => m.endsWith('=PassThrough'))).toBe(true)

    const list = await xtrace(['restore', '--list', '--json'])
    const operations = (JSON.parse(list.stdout) as {operations: {command: string; restores: string | null; restoredBy: string | null; changed: number}[]}).operations
    expect(operations.map((o) => o.command)).toEqual(['restore', 'enable'])
    expect(operations[1]!.restoredBy).not.toBeNull()
    expect(operations[0]!.restores).toBe(json.operation)

    const again = await xtrace(['restore'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('error: every recorded operation has been restored already')
  })
  it('a second Ctrl-C quits at once, reporting updates still in flight as unknown and offering restore (text mode)', async () => {
    addFunctions('slow', 8)
    // Updates that would hang for 20 s: waiting them out would fail the test on its own timeout.
    aws.inject({kind: 'latency', operation: 'UpdateFunctionConfiguration', delayMs: 20_000})
    const run = startXtrace(['enable', '--all', '--yes', '--concurrency', '3'])
    while (updates().length < 3) await new Promise((resolve) => setTimeout(resolve, 20))
    run.child.kill('SIGINT')
    await new Promise((resolve) => setTimeout(resolve, 200))
    run.child.kill('SIGINT')
    const {code, stdout} = await run.exited
    expect(code).toBe(130)
    expect(stdout.match(/failed\s+interrupted while the update was in flight: outcome unknown/g)).toHaveLength(3)
    expect(stdout.match(/skipped\s+not started: interrupted/g)).toHaveLength(5)
    expect(stdout).toMatch(/0 changed, 0 unchanged, 5 skipped, 3 failed \(interrupted\)\nUndo with: xtrace restore \S+\n$/)
    const journal = readdirSync(join(state, 'xtrace/operations'))
    expect(readFileSync(join(state, 'xtrace/operations', journal[0]!), 'utf8').match(/"outcome":"unknown"/g)).toHaveLength(3)
  })
})

describe('Ctrl-C after the report', () => {
  it('ends the run with its own exit code, not by signal', async () => {
    addFunctions('api', 3)
    const run = startXtrace(['enable', '--all', '--yes', '--json'])
    run.onStdout((stdout) => {
      if (stdout.includes('"summary"')) run.child.kill('SIGINT')
    })
    const {code, signal, stdout} = await run.exited
    expect(signal).toBeNull()
    expect(code).toBe(0)
    expect((JSON.parse(stdout) as ChangeJson).summary.changed).toBe(3)
  })
})

describe('xtrace restore', () => {
  it('picks an operation by id, shows its plan with --dry-run, and says when there is nothing to restore', async () => {
    const empty = await xtrace(['restore'])
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain('error: no operation is on record')
    addFunctions('api', 3)
    const first = JSON.parse((await xtrace(['enable', 'api-000', '--json'])).stdout) as ChangeJson
    await xtrace(['enable', 'api-001', 'api-002', '--yes'])

    const plan = await xtrace(['restore', first.operation!, '--dry-run'])
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('api-000   Active   → PassThrough')
    expect(plan.stdout).toContain('1 function would change to PassThrough, 0 already PassThrough. Dry run: nothing was changed.')
    expect(modes()).toEqual(['api-000=Active', 'api-001=Active', 'api-002=Active'])

    const restored = await xtrace(['restore', first.operation!])
    expect(restored.code).toBe(0) // one function: no confirmation needed
    expect(modes()).toEqual(['api-000=PassThrough', 'api-001=Active', 'api-002=Active'])
    const unknown = await xtrace(['restore', '20200101T000000Z-000000'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('error: no operation 20200101T000000Z-000000 on record')
    const list = await xtrace(['restore', '--list'])
    expect(list.stdout).toMatch(/^OPERATION\s+WHEN\s+COMMAND\s+MODE\s+CHANGED\s+RESTORED BY\n/)
    expect(list.stdout).toMatch(new RegExp(`${first.operation}\\s+\\S+ \\S+\\s+enable\\s+Active\\s+1\\s+\\S+`))
  })

  it('refuses a malformed --tag as a usage error', async () => {
    const result = await xtrace(['status', '--tag', 'team'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('error: --tag team: expected KEY=VALUE\nTry: e.g. --tag team=payments\n')
  })
})

describe('xtrace status', () => {
  it('tables mode, runtime, memory, role permission, last update and aliases, with the coverage line', async () => {
    lambda.add('api', {Role: role('traced-role'), TracingConfig: {Mode: 'Active'}, MemorySize: 1024})
    lambda.add('jobs', {Role: role('bare-role'), TracingConfig: {Mode: 'Active'}, Runtime: 'python3.13'})
    lambda.add('web', {Role: role('traced-role')})
    lambda.publish('web', 'prod')
    lambda.get('web')!.TracingConfig = {Mode: 'Active'}
    lambda.add('zzz', {Role: role('traced-role')})
    const text = await xtrace(['status'])
    expect(text.code).toBe(0)
    expect(text.stdout).toBe(
      [
        'FUNCTION  MODE         RUNTIME      MEMORY  ROLE         X-RAY WRITE  LAST UPDATE  PUBLISHED ALIASES     MANAGED BY',
        'api       Active       nodejs20.x  1024 MB  traced-role  yes          Successful   -                     ?',
        'jobs      Active       python3.13   128 MB  bare-role    no           Successful   -                     ?',
        'web       Active       nodejs20.x   128 MB  traced-role  yes          Successful   prod→1 (PassThrough)  ?',
        'zzz       PassThrough  nodejs20.x   128 MB  traced-role  yes          Successful   -                     ?',
        '',
        '3 of 4 functions Active, 75%',
        '1 Active function cannot send traces: its role may not call xray:PutTraceSegments (xtrace doctor explains)',
        '1 function has aliases on published versions with another mode (shown in brackets): publish a new version to change them',
        '',
      ].join('\n'),
    )
    // Each role evaluated once, each managed policy fetched once.
    expect(aws.calls('GetRole', 'iam')).toHaveLength(2)
    expect(aws.calls('GetPolicyVersion', 'iam')).toHaveLength(2)

    const json = JSON.parse((await xtrace(['status', 'web', '--json'])).stdout) as {functions: Record<string, unknown>[]; summary: unknown}
    expect(json.summary).toEqual({functions: 1, active: 1, passThrough: 0, coveragePercent: 100})
    expect(json.functions[0]).toMatchObject({
      function: 'web',
      mode: 'Active',
      roleCanWriteXRay: true,
      lastUpdateStatus: 'Successful',
      publishedAliases: [{alias: 'prod', version: '1', mode: 'PassThrough'}],
    })
    expect(JSON.stringify(json)).not.toContain('X-Amz-Signature')
  })

  it('says up front when alias lookups will take a while, at the rate it will use, and not with --no-aliases', async () => {
    addFunctions('fn', 6)
    // One ListAliases a function at 1 call a second: about 6 s, which is worth a word before the wait.
    const run = startXtrace(['status', '--lambda-rate', '1'])
    await until(() => run.output().stderr.includes('\n'), 'the note')
    run.child.kill('SIGTERM')
    await run.exited
    expect(run.output().stderr.split('\n')[0]).toBe('note: looking up aliases takes about 6 s: one lambda:ListAliases call a function, at the 1 control-plane call a second asked for (--no-aliases skips them)')
    const quick = await xtrace(['status', '--lambda-rate', '1', '--no-aliases'])
    expect(quick.code).toBe(0)
    expect(quick.stderr).toBe('')
    expect(quick.stdout).toContain('0 of 6 functions Active')
  })

  it('reads the listed functions while the listing goes on, each once, with the same output', async () => {
    addFunctions('fn', 160) // four pages of 50
    // Slow pages, so that the order asked for (the first page's functions read before the last page) is not a race.
    aws.inject({kind: 'latency', service: 'lambda', operation: 'ListFunctions', delayMs: 300})
    const json = JSON.parse((await xtrace(['status', '--json', '--no-aliases'])).stdout) as {functions: {function: string; lastUpdateStatus: string}[]}
    expect(json.functions.map((fn) => fn.function)).toEqual([...lambda.functions.values()].map((fn) => fn.FunctionName).sort())
    expect(new Set(json.functions.map((fn) => fn.lastUpdateStatus))).toEqual(new Set(['Successful']))
    const pages = aws.calls('ListFunctions', 'lambda')
    const reads = aws.calls('GetFunction', 'lambda')
    expect(pages).toHaveLength(4)
    // One read a function: each of the 160 needs one, so a second read of any would make 161.
    expect(reads).toHaveLength(160)
    expect(reads[0]!.at).toBeLessThan(pages.at(-1)!.at)
  })

  it('says unknown (not yes) when IAM cannot be read', async () => {
    lambda.add('api', {Role: role('traced-role')})
    aws.inject({kind: 'access-denied', service: 'iam'})
    const json = JSON.parse((await xtrace(['status', '--json', '--no-aliases'])).stdout) as {functions: {roleCanWriteXRay: unknown; roleVerdict: string}[]}
    expect(json.functions[0]).toMatchObject({roleCanWriteXRay: null, roleVerdict: 'unknown'})
  })
})

describe('confirmation on a terminal', () => {
  it.skipIf(!HAS_SCRIPT)('asks before a bulk change; "n" changes nothing, "y" goes ahead', async () => {
    addFunctions('api', 2)
    const run = (answer: string) =>
      new Promise<{code: number | null; output: string}>((resolve) => {
        const command = `${process.execPath} ${BIN} enable --all --endpoint-url ${aws.url}`
        // `script` gives the CLI a pseudo-terminal, as a person at a shell would.
        const child = spawn('script', ['-qec', command, '/dev/null'], {cwd: ROOT, env: cleanEnv({XDG_STATE_HOME: state, TERM: 'dumb'}), stdio: ['pipe', 'pipe', 'pipe']})
        let output = ''
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString()
          if (output.includes('(y/N)') && !child.stdin.writableEnded) child.stdin.end(`${answer}\r`)
        })
        child.on('close', (code) => resolve({code, output}))
      })
    const declined = await run('n')
    expect(declined.output).toContain('Set Active tracing on 2 functions in us-east-1?')
    expect(declined.output).toContain('nothing was changed')
    expect(declined.code).toBe(1)
    expect(updates()).toHaveLength(0)

    const accepted = await run('y')
    expect(accepted.code).toBe(0)
    expect(accepted.output).toContain('2 changed, 0 unchanged, 0 skipped, 0 failed')
    expect(updates()).toHaveLength(2)
  })
})

describe('the finish', () => {
  it('a mistyped command says so and exits 127; autocomplete prints its setup', async () => {
    // On a pipe too (the runner's stdin and stdout are pipes), and never running the guess.
    const typo = await runCli(['enabel', 'fn', '--all'])
    expect(typo.code).toBe(127)
    expect(typo.stdout).toBe('')
    expect(typo.stderr).toBe('error: enabel is not an xtrace command. Did you mean enable?\nTry: xtrace enable fn --all\nTry: xtrace --help   (lists every command)\n')
    const far = await runCli(['frobnicate'])
    expect(far.code).toBe(127)
    expect(far.stderr).toBe('error: frobnicate is not an xtrace command\nTry: xtrace --help   (lists every command)\n')
    const complete = await runCli(['autocomplete', 'bash'])
    expect(complete.code).toBe(0)
    expect(complete.stdout).toContain('xtrace autocomplete')
  })
})
