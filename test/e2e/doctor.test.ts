import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {runCli} from '../harness/cli.js'
import {ACCOUNT, BASIC_POLICY, roleArn as role, STACK_TRACE, startLocalAccount, XRAY_POLICY} from '../harness/account.js'
import type {LocalAws} from '../harness/local-aws.js'
import type {LocalIam} from '../harness/local-iam.js'
import type {LocalLambda} from '../harness/local-lambda.js'

/**
 * `xtrace doctor` through the binary against the local endpoint playing STS, X-Ray (destination,
 * sampling rules, trace summaries), Lambda and IAM (roles, the real managed policies, boundaries,
 * the policy simulator, AccessDenied). Every IAM write is in the request log: consent is asserted there.
 */

const doc = (...statements: Record<string, unknown>[]) => ({Version: '2012-10-17', Statement: statements})

let aws: LocalAws
let lambda: LocalLambda
let iam: LocalIam
let state: string

beforeEach(async () => {
  ;({aws, iam, lambda, state} = await startLocalAccount({settleMs: 100}))
})
afterEach(() => aws.stop())

interface Check {
  id: string
  status: 'ok' | 'warn' | 'fail' | 'unknown'
  function?: string
  message: string
  fix?: string
}
interface DoctorJson {
  checks: Check[]
  summary: {ok: number; warn: number; fail: number; unknown: number}
  fixes?: {action: string; target: string; status: string; error?: string}[]
}

function doctor(args: string[], env: Record<string, string> = {}) {
  return runCli(['doctor', ...args, '--endpoint-url', aws.url], {env: {XDG_STATE_HOME: state, ...env}, timeoutMs: 60_000})
}

async function doctorJson(args: string[]) {
  const result = await doctor([...args, '--json'])
  expect(result.stdout + result.stderr).not.toMatch(STACK_TRACE)
  return {result, json: JSON.parse(result.stdout) as DoctorJson}
}

const find = (json: DoctorJson, id: string, fn?: string) => json.checks.find((c) => c.id === id && (fn === undefined || c.function === fn))
const traced = (name: string) => aws.summaries.push({id: `1-${name}`, time: Date.now() / 1000 - 60, services: [{name, type: 'AWS::Lambda::Function'}, {name, type: 'AWS::Lambda'}]})

describe('xtrace doctor', () => {
  it('passes a healthy function, with the documented JSON shape, and exits 0', async () => {
    lambda.add('api', {Role: role('traced-role'), TracingConfig: {Mode: 'Active'}, MemorySize: 1024})
    traced('api')
    const {result, json} = await doctorJson(['api'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(Object.keys(json)).toEqual(['checks', 'summary'])
    expect(json.summary).toEqual({ok: 16, warn: 0, fail: 0, unknown: 0})
    for (const item of json.checks) expect(Object.keys(item).every((key) => ['id', 'status', 'function', 'message', 'fix', 'reason'].includes(key))).toBe(true)
    expect(json.checks.map((c) => c.id)).toEqual([
      'account.credentials', 'account.region', 'xray.destination', 'xray.sampling',
      'function.exists', 'function.tracing', 'function.update', 'function.versions',
      'role.exists', 'role.trust', 'role.xray-write', 'role.xray-sampling',
      'env.context-missing', 'env.reserved', 'env.daemon-memory', 'traffic.recent',
    ])
    expect(find(json, 'account.credentials')!.message).toBe(`account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:user/xtrace-test`)
    expect(find(json, 'role.xray-write')!.message).toBe('role traced-role allows xray:PutTraceSegments and xray:PutTelemetryRecords (confirmed by IAM\'s policy simulator)')
    expect(find(json, 'env.daemon-memory')!.message).toBe('the X-Ray daemon takes 31 MB of the function\'s 1024 MB (3.0%)')
    expect(find(json, 'traffic.recent')!.message).toBe('1 trace in the last 15 min')
    expect(find(json, 'xray.sampling')!.message).toContain('Lambda samples by its own default (1 request per second, then 5% of additional requests)')
    expect(aws.requests.filter((r) => r.service === 'iam' && !/^(Get|List|Simulate)/.test(r.operation))).toEqual([])

    const text = await doctor(['api', '--ascii'])
    expect(text.stdout).toContain('Account and X-Ray (us-east-1)\n  ok account.credentials  account 123456789012')
    expect(text.stdout).toMatch(/\napi\n {2}ok function\.exists {6}nodejs20\.x, 1024 MB, role traced-role\n/)
    expect(text.stdout.trimEnd().split('\n').pop()).toBe('1 function: 16 ok, 0 warn, 0 fail, 0 unknown')
  })

  it.each([
    ['no X-Ray policy: fail', {attached: [BASIC_POLICY]}, 'fail', /^role r lacks xray:PutTraceSegments and xray:PutTelemetryRecords/, /doctor fn --fix/],
    ['xray:Put* inline: ok', {inline: {p: doc({Effect: 'Allow', Action: 'xray:Put*', Resource: '*'})}}, 'ok', /^role r allows/, undefined],
    ['an explicit Deny: fail, not fixable', {attached: [XRAY_POLICY], inline: {guard: doc({Sid: 'NoTrace', Effect: 'Deny', Action: 'xray:PutTraceSegments', Resource: '*'})}}, 'fail', /denied by inline policy guard \(statement NoTrace\)/, /remove or narrow that Deny statement/],
    ['a boundary without xray: fail, not fixable', {attached: [XRAY_POLICY], boundary: 'BOUNDARY'}, 'fail', /^role r: its permissions boundary boundary does not allow xray:PutTraceSegments \(confirmed by IAM's policy simulator\): no segment of this function can reach X-Ray \(it is Active, but its traces are lost\)/, /add xray:PutTraceSegments and xray:PutTelemetryRecords to the permissions boundary/],
    ['conditions: unknown', {inline: {p: doc({Effect: 'Allow', Action: 'xray:*', Resource: '*', Condition: {StringEquals: {'aws:SourceVpc': 'vpc-1'}}})}}, 'unknown', /depends on condition aws:SourceVpc in inline policy p; IAM's policy simulator leaves it open too/, undefined],
    ['a Resource scoped to an X-Ray group: fail (the writes are requested for *)', {inline: {p: doc({Effect: 'Allow', Action: 'xray:*', Resource: 'arn:aws:xray:us-east-1:123456789012:group/g'})}}, 'fail', /^role r lacks xray:PutTraceSegments and xray:PutTelemetryRecords/, /doctor fn --fix/],
    ['only PutTraceSegments: warn, traces arrive', {inline: {p: doc({Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*'})}}, 'warn', /allows xray:PutTraceSegments but lacks xray:PutTelemetryRecords \(confirmed by IAM's policy simulator\): traces arrive and Lambda accepts Active tracing, but the X-Ray daemon cannot send its telemetry records/, /doctor fn --fix/],
  ] as const)('role.xray-write with %s', async (_name, setup, status, message, fix) => {
    const boundary = iam.addPolicy('boundary', doc({Effect: 'Allow', Action: 'logs:*', Resource: '*'}))
    iam.addRole('r', {...setup, ...('boundary' in setup ? {boundary} : {})} as never)
    lambda.add('fn', {Role: role('r'), TracingConfig: {Mode: 'Active'}})
    const {result, json} = await doctorJson(['fn'])
    const write = find(json, 'role.xray-write')!
    expect(write.status).toBe(status)
    expect(write.message).toMatch(message)
    if (fix) expect(write.fix).toMatch(fix)
    expect(result.code).toBe(status === 'fail' ? 1 : 0)
  })

  it('reads a customer managed policy at its default version', async () => {
    const policy = iam.addPolicy('tracing', doc({Effect: 'Allow', Action: 'logs:*', Resource: '*'}), doc({Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*'}))
    iam.addRole('r', {attached: [policy]})
    lambda.add('fn', {Role: role('r'), TracingConfig: {Mode: 'Active'}})
    const {json} = await doctorJson(['fn'])
    expect(find(json, 'role.xray-write')!.status).toBe('ok')
    expect(new URLSearchParams(aws.calls('GetPolicyVersion', 'iam').find((r) => r.body.includes('tracing'))!.body).get('VersionId')).toBe('v2')
  })

  it('is never ok on missing information: IAM reads refused, or the simulator disagreeing, give unknown', async () => {
    lambda.add('fn', {Role: role('traced-role'), TracingConfig: {Mode: 'Active'}})
    aws.inject({kind: 'access-denied', service: 'iam', operation: 'ListAttachedRolePolicies'})
    const refused = (await doctorJson(['fn'])).json
    // The role itself was read: its existence and trust stand; IAM's simulator decides the rest, and both are said.
    expect(find(refused, 'role.exists')).toMatchObject({status: 'ok'})
    expect(find(refused, 'role.trust')).toMatchObject({status: 'ok'})
    expect(find(refused, 'role.xray-write')).toMatchObject({status: 'ok', message: expect.stringMatching(/^role traced-role: whether it may call xray:PutTraceSegments depends on the attached managed policies \(could not be read\); IAM's policy simulator decides it: xray:PutTraceSegments allowed, xray:PutTelemetryRecords allowed$/)})
    aws.inject({kind: 'access-denied', service: 'iam', operation: 'SimulatePrincipalPolicy'})
    const blind = (await doctorJson(['fn'])).json
    expect(find(blind, 'role.xray-write')).toMatchObject({status: 'unknown', reason: 'IAM reads refused', fix: expect.stringMatching(/^allow iam:GetRole, iam:ListAttachedRolePolicies/)})
    aws.clearFaults()

    iam.simulate = () => 'implicitDeny'
    const disagreeing = (await doctorJson(['fn'])).json
    expect(find(disagreeing, 'role.xray-write')).toMatchObject({status: 'unknown', message: expect.stringContaining('disagree')})

    iam.simulate = undefined // the caller may not simulate: the reading of the policies stands, and says so
    const alone = (await doctorJson(['fn'])).json
    expect(find(alone, 'role.xray-write')).toMatchObject({status: 'ok', message: expect.stringContaining('the policy simulator was not available: access denied')})
  })

  it('acts on the simulator\'s definite answer when its own reading cannot decide: a role Lambda would refuse gets a planned fix', async () => {
    iam.addRole('bare-role', {attached: [BASIC_POLICY]})
    lambda.add('fn', {Role: role('bare-role')})
    aws.inject({kind: 'access-denied', service: 'iam', operation: 'ListAttachedRolePolicies'})
    const {result, json} = await doctorJson(['fn', '--fix', '--dry-run'])
    expect(find(json, 'role.xray-write')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining("IAM's policy simulator decides it: xray:PutTraceSegments implicitDeny, xray:PutTelemetryRecords implicitDeny: Lambda refuses to set Active tracing, and no segment of this function can reach X-Ray"),
      fix: 'xtrace doctor fn --fix   (attaches AWSXRayDaemonWriteAccess to bare-role)',
    })
    expect(json.fixes).toEqual([
      {action: 'attach-policy', target: role('bare-role'), status: 'planned'},
      {action: 'enable', target: 'fn', status: 'planned'},
    ])
    expect(result.code).toBe(1)
    // The simulator was asked whether the policy would be enough, with it added.
    expect(aws.calls('SimulatePrincipalPolicy', 'iam').some((r) => new URLSearchParams(r.body).has('PolicyInputList.member.1'))).toBe(true)

    // With a boundary that leaves X-Ray out, attaching would not be enough: no fix, and why.
    const boundary = iam.addPolicy('logs-only', doc({Effect: 'Allow', Action: 'logs:*', Resource: '*'}))
    iam.addRole('fenced-role', {attached: [BASIC_POLICY], boundary})
    lambda.add('fenced', {Role: role('fenced-role')})
    const fenced = (await doctorJson(['fenced', '--fix', '--dry-run'])).json
    // The boundary was read (GetRole answered): it decides, whatever the unread policies say.
    expect(find(fenced, 'role.xray-write')).toMatchObject({status: 'fail', message: expect.stringContaining('role fenced-role: its permissions boundary logs-only does not allow xray:PutTraceSegments'), fix: expect.stringMatching(/^add xray:PutTraceSegments and xray:PutTelemetryRecords to the permissions boundary/)})
    expect(fenced.fixes).toEqual([])
  })

  it('--strict fails on checks that could not be decided, and the summary says how many and why', async () => {
    iam.addRole('r', {inline: {p: doc({Effect: 'Allow', Action: 'xray:*', Resource: '*', Condition: {IpAddress: {'aws:SourceIp': '10.0.0.0/8'}}})}})
    lambda.add('fn', {Role: role('r'), TracingConfig: {Mode: 'Active'}, MemorySize: 1024})
    traced('fn')
    const lenient = await doctor(['fn', '--ascii'])
    expect(lenient.code).toBe(0)
    expect(lenient.stdout.trimEnd().split('\n').pop()).toBe('1 function: 14 ok, 0 warn, 0 fail, 2 unknown (not decided: 2 conditions xtrace cannot evaluate; --strict fails on them)')
    const strict = await doctor(['fn', '--ascii', '--strict'])
    expect(strict.code).toBe(1)
    expect(strict.stdout.trimEnd().split('\n').pop()).toBe('1 function: 14 ok, 0 warn, 0 fail, 2 unknown (not decided: 2 conditions xtrace cannot evaluate; --strict counts them as failed)')
  })

  it('fails a missing role, a role Lambda may not assume, and a name that does not exist', async () => {
    lambda.add('orphan', {Role: role('deleted-role')})
    iam.addRole('ec2-role', {attached: [XRAY_POLICY], trust: doc({Effect: 'Allow', Principal: {Service: 'ec2.amazonaws.com'}, Action: 'sts:AssumeRole'})})
    lambda.add('mistrusted', {Role: role('ec2-role'), TracingConfig: {Mode: 'Active'}})
    const {result, json} = await doctorJson(['orphan', 'mistrusted', 'ghost'])
    expect(result.code).toBe(1)
    expect(find(json, 'role.exists', 'orphan')).toMatchObject({status: 'fail', message: 'role deleted-role does not exist: Lambda cannot run the function'})
    expect(find(json, 'role.trust', 'mistrusted')).toMatchObject({status: 'fail', message: 'role ec2-role\'s trust policy does not let lambda.amazonaws.com assume it'})
    expect(find(json, 'function.exists', 'ghost')).toMatchObject({status: 'fail', message: 'no function ghost in us-east-1'})
  })

  it('flags the X-Ray environment without ever printing other variables', async () => {
    lambda.add('env', {
      Role: role('traced-role'),
      TracingConfig: {Mode: 'Active'},
      Environment: {Variables: {AWS_XRAY_CONTEXT_MISSING: 'LOG_EVERYTHING', AWS_XRAY_DAEMON_ADDRESS: '10.0.0.1:2000', DB_PASSWORD: 'hunter2-secret'}},
    })
    lambda.add('strict', {Role: role('traced-role'), TracingConfig: {Mode: 'Active'}, Environment: {Variables: {AWS_XRAY_CONTEXT_MISSING: 'RUNTIME_ERROR'}}})
    const {result, json} = await doctorJson(['env', 'strict'])
    expect(find(json, 'env.context-missing', 'env')).toMatchObject({status: 'fail', message: 'AWS_XRAY_CONTEXT_MISSING="LOG_EVERYTHING" is not a valid value (RUNTIME_ERROR, LOG_ERROR, IGNORE_ERROR)'})
    expect(find(json, 'env.context-missing', 'strict')).toMatchObject({status: 'warn'})
    expect(find(json, 'env.reserved', 'env')).toMatchObject({status: 'warn', message: expect.stringMatching(/^AWS_XRAY_DAEMON_ADDRESS=10\.0\.0\.1:2000 set by hand/)})
    expect(find(json, 'env.daemon-memory', 'env')).toMatchObject({status: 'warn', message: 'the X-Ray daemon takes 16 MB of the function\'s 128 MB (12.5%)'})
    const text = await doctor(['env', 'strict', '--verbose'])
    for (const output of [result.stdout, result.stderr, text.stdout, text.stderr]) {
      expect(output).not.toContain('hunter2-secret')
      expect(output).not.toContain('DB_PASSWORD')
    }
  })

  it('warns when an Active function sent no trace lately, naming the likely cause', async () => {
    lambda.add('quiet', {Role: role('bare-role'), TracingConfig: {Mode: 'Active'}})
    lambda.add('idle', {Role: role('traced-role'), TracingConfig: {Mode: 'Active'}})
    aws.summaries.push({id: '1-old', time: Date.now() / 1000 - 3 * 3600, services: [{name: 'idle', type: 'AWS::Lambda::Function'}]})
    const {json} = await doctorJson(['quiet', 'idle'])
    expect(find(json, 'traffic.recent', 'quiet')).toMatchObject({status: 'warn', message: 'Active, but no trace in the last 15 min: likely role.xray-write'})
    expect(find(json, 'traffic.recent', 'idle')).toMatchObject({status: 'warn', message: expect.stringContaining('no invocation in the window')})
    const longer = (await doctorJson(['idle', '--since', '4h'])).json
    expect(find(longer, 'traffic.recent', 'idle')).toMatchObject({status: 'ok', message: '1 trace in the last 4 h'})
    const bad = await doctor(['idle', '--since', '3d'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('error: --since 3d: expected a duration like 15m, 2h or 90s')
  })

  it('explains Transaction Search, and marks what it may not read as unknown', async () => {
    lambda.add('api', {Role: role('traced-role'), TracingConfig: {Mode: 'Active'}})
    aws.segmentDestination = {Destination: 'CloudWatchLogs', Status: 'ACTIVE'}
    aws.inject({kind: 'access-denied', operation: 'GetSamplingRules'})
    const {result, json} = await doctorJson(['api'])
    expect(result.code).toBe(0)
    expect(find(json, 'xray.destination')).toMatchObject({status: 'warn', message: expect.stringContaining('only indexed traces come back from BatchGetTraces')})
    expect(find(json, 'xray.sampling')).toMatchObject({status: 'unknown', message: 'access denied: the caller may not call xray:GetSamplingRules'})
    expect(find(json, 'traffic.recent')!.message).toContain('xray.destination (Transaction Search indexes only a sample)')
  })

  it('stops at the account when the credentials do not work', async () => {
    lambda.add('api', {Role: role('traced-role')})
    aws.inject({kind: 'expired-token', service: 'sts'})
    const {result, json} = await doctorJson([])
    expect(result.code).toBe(1)
    expect(json.checks).toEqual([{id: 'account.credentials', status: 'fail', message: 'the AWS credentials have expired', fix: 'refresh them (e.g. aws sso login) and try again'}])
    expect(aws.calls('ListFunctions', 'lambda')).toHaveLength(0)
  })
})

describe('xtrace doctor --fix', () => {
  beforeEach(() => {
    lambda.options.canWriteXRay = (arn) => iam.canWriteXRay(arn, 1200)
    lambda.add('worker', {Role: role('bare-role')})
    iam.addRole('locked-role', {attached: [XRAY_POLICY], inline: {guard: doc({Effect: 'Deny', Action: 'xray:*', Resource: '*'})}})
    lambda.add('locked', {Role: role('locked-role')})
  })

  it('without consent and without a terminal, refuses and writes nothing', async () => {
    const result = await doctor(['--fix'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('error: --yes required when not running interactively (attaching AWSXRayDaemonWriteAccess to 1 role and enabling 1 function)')
    expect(aws.calls('AttachRolePolicy', 'iam')).toHaveLength(0)
    expect(aws.calls('UpdateFunctionConfiguration', 'lambda')).toHaveLength(0)
  })

  it('--dry-run shows the plan and writes nothing', async () => {
    const {result, json} = await doctorJson(['--fix', '--dry-run'])
    expect(result.code).toBe(1) // the failures are still there
    expect(json.fixes).toEqual([
      {action: 'attach-policy', target: role('bare-role'), status: 'planned'},
      {action: 'enable', target: 'worker', status: 'planned'},
    ])
    const text = await doctor(['--fix', '--dry-run'])
    expect(text.stdout).toContain('Would fix:\n  - attach AWSXRayDaemonWriteAccess to role bare-role (for worker)\n  - set worker (us-east-1) to Active tracing\n')
    expect(text.stdout).toContain('1 failure must be fixed by hand')
    expect(aws.requests.filter((r) => ['AttachRolePolicy', 'UpdateFunctionConfiguration'].includes(r.operation))).toEqual([])
  })

  it('with --yes attaches the policy once, enables, checks again, journals, and leaves the Deny alone', async () => {
    const {result, json} = await doctorJson(['--fix', '--yes'])
    expect(json.fixes).toEqual([
      {action: 'attach-policy', target: role('bare-role'), status: 'done'},
      {action: 'enable', target: 'worker', status: 'done'},
    ])
    expect(aws.calls('AttachRolePolicy', 'iam')).toHaveLength(1)
    expect(lambda.get('worker')!.TracingConfig.Mode).toBe('Active')
    // The new state, checked again.
    expect(find(json, 'role.xray-write', 'worker')!.status).toBe('ok')
    expect(find(json, 'function.tracing', 'worker')!.status).toBe('ok')
    // The explicit Deny is explained, not changed: still a failure, so exit 1.
    expect(find(json, 'role.xray-write', 'locked')!.status).toBe('fail')
    expect(result.code).toBe(1)
    expect(lambda.get('locked')!.TracingConfig.Mode).toBe('PassThrough')
    const journals = readdirSync(join(state, 'xtrace/operations'))
    const journal = readFileSync(join(state, 'xtrace/operations', journals[0]!), 'utf8')
    expect(journal).toContain('"command":"doctor"')
    expect(journal).toContain(`"type":"attached","role":"${role('bare-role')}","policy":"${XRAY_POLICY}"`)
  })
})

describe('xtrace doctor at scale', () => {
  it('checks 200 functions sharing 5 roles, reading each role and each policy once', async () => {
    const shared = iam.addPolicy('shared-tracing', doc({Effect: 'Allow', Action: 'xray:*', Resource: '*'}))
    for (let r = 0; r < 5; r++) iam.addRole(`team-${r}-role`, {attached: [BASIC_POLICY, r % 2 ? XRAY_POLICY : shared]})
    for (let i = 0; i < 200; i++) lambda.add(`fn-${String(i).padStart(3, '0')}`, {Role: role(`team-${i % 5}-role`), TracingConfig: {Mode: 'Active'}, MemorySize: 1024})
    for (let i = 0; i < 200; i += 2) traced(`fn-${String(i).padStart(3, '0')}`)
    const {result, json} = await doctorJson([])
    expect(result.code).toBe(0)
    expect(json.checks.filter((c) => c.id === 'role.xray-write').every((c) => c.status === 'ok')).toBe(true)
    expect(json.checks.filter((c) => c.function)).toHaveLength(200 * 12)
    expect(aws.calls('GetRole', 'iam')).toHaveLength(5)
    expect(aws.calls('SimulatePrincipalPolicy', 'iam')).toHaveLength(5)
    expect(aws.calls('GetPolicyVersion', 'iam')).toHaveLength(3) // basic, daemon write, shared
    expect(aws.calls('ListFunctions', 'lambda')).toHaveLength(4)
    // Traffic for 200 functions in a handful of calls, not 200.
    expect(aws.calls('GetTraceSummaries', 'xray').length).toBeLessThanOrEqual(10)
    expect(json.checks.filter((c) => c.id === 'traffic.recent' && c.status === 'ok')).toHaveLength(100)
    // Folded: a passing function is one line.
    const text = await doctor(['--no-ascii'])
    expect(text.stdout).toMatch(/\nfn-000 {2}✔ all 12 checks ok\n/)
    // --no-aliases: no ListAliases call, and no function.versions check rather than a false "ok".
    aws.requests.length = 0
    const quick = (await doctorJson(['--no-aliases'])).json
    expect(aws.calls('ListAliases', 'lambda')).toHaveLength(0)
    expect(quick.checks.some((c) => c.id === 'function.versions')).toBe(false)
    // Two runs of 200 ListAliases each at Lambda's 15 calls a second: paced, never throttled.
    expect(aws.requests.filter((r) => r.fault === 'throttle')).toHaveLength(0)
  }, 120_000)
})
