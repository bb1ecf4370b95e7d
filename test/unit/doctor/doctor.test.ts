import {IAMClient} from '@aws-sdk/client-iam'
import {describe, expect, it} from 'vitest'

import {daemonMemoryMb} from '../../../src/doctor/checks.js'
import {planFixes} from '../../../src/doctor/fix.js'
import {functionChecks} from '../../../src/doctor/function-checks.js'
import type {DoctorReport} from '../../../src/doctor/run.js'
import {describeWindow, filterGroups, parseSince} from '../../../src/doctor/traffic.js'
import {RolePermissionReader} from '../../../src/permissions/role.js'
import type {FunctionState} from '../../../src/tracing/select.js'

const fn = (overrides: Partial<FunctionState> = {}): FunctionState => ({
  name: 'fn',
  arn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
  account: '123456789012',
  region: 'us-east-1',
  mode: 'Active',
  role: 'arn:aws:iam::123456789012:role/r',
  memory: 128,
  runtime: 'nodejs20.x',
  lastUpdateStatus: 'Successful',
  ...overrides,
})

const statusOf = (checks: ReturnType<typeof functionChecks>, id: string) => checks.find((c) => c.id === id)?.status

describe('function checks', () => {
  it('sizes the daemon: 16 MB or 3% of memory, whichever is larger', () => {
    expect([128, 512, 533, 1024, 10_240].map(daemonMemoryMb)).toEqual([16, 16, 16, 31, 307])
    expect(statusOf(functionChecks(fn({memory: 128}), [], 'xtrace'), 'env.daemon-memory')).toBe('warn')
    expect(statusOf(functionChecks(fn({memory: 256}), [], 'xtrace'), 'env.daemon-memory')).toBe('ok')
    // A PassThrough function runs no daemon of its own worth warning about.
    expect(statusOf(functionChecks(fn({memory: 128, mode: 'PassThrough'}), [], 'xtrace'), 'env.daemon-memory')).toBe('ok')
  })

  it('judges AWS_XRAY_CONTEXT_MISSING and hand-set reserved variables', () => {
    const env = (xrayEnvironment: Record<string, string>) => functionChecks(fn({xrayEnvironment}), [], 'xtrace')
    expect(statusOf(env({}), 'env.context-missing')).toBe('ok')
    expect(statusOf(env({AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR'}), 'env.context-missing')).toBe('ok')
    expect(statusOf(env({AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR'}), 'env.context-missing')).toBe('ok')
    expect(statusOf(env({AWS_XRAY_CONTEXT_MISSING: 'RUNTIME_ERROR'}), 'env.context-missing')).toBe('warn')
    expect(statusOf(env({AWS_XRAY_CONTEXT_MISSING: 'log_error'}), 'env.context-missing')).toBe('fail')
    expect(statusOf(env({_X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793'}), 'env.reserved')).toBe('warn')
    const hostile = env({AWS_XRAY_CONTEXT_MISSING: '\u001B]0;pwned\u0007'})
    expect(JSON.stringify(hostile)).not.toContain('\u001B')
  })

  it('reads the update status and published aliases', () => {
    expect(statusOf(functionChecks(fn({lastUpdateStatus: 'Failed', lastUpdateStatusReason: 'KMS'}), [], 'xtrace'), 'function.update')).toBe('fail')
    expect(statusOf(functionChecks(fn({lastUpdateStatus: 'InProgress'}), [], 'xtrace'), 'function.update')).toBe('warn')
    expect(statusOf(functionChecks(fn(), [{alias: 'prod', version: '3', mode: 'PassThrough'}], 'xtrace'), 'function.versions')).toBe('warn')
    expect(statusOf(functionChecks(fn(), [{alias: 'prod', version: '3', mode: 'Active'}], 'xtrace'), 'function.versions')).toBe('ok')
    expect(statusOf(functionChecks(fn(), undefined, 'xtrace'), 'function.versions')).toBe('unknown')
    expect(statusOf(functionChecks(fn({mode: 'PassThrough'}), [], 'xtrace'), 'function.tracing')).toBe('warn')
  })
})

describe('traffic', () => {
  it('parses --since and describes the window', () => {
    expect(parseSince('15m')).toBe(900)
    expect(parseSince('2h')).toBe(7200)
    expect(parseSince('90s')).toBe(90)
    expect(parseSince('30')).toBe(1800)
    for (const bad of ['3d', '-5m', '30s', '25h', 'soon']) expect(() => parseSince(bad)).toThrow(/--since/)
    expect([900, 7200, 90].map(describeWindow)).toEqual(['15 min', '2 h', '90 s'])
  })

  it('groups function filters so that each stays short, and quotes names', () => {
    const names = Array.from({length: 200}, (_, i) => `function-with-a-long-name-${i}`)
    const groups = filterGroups(names)
    expect(groups.flat()).toEqual(names)
    expect(groups.length).toBeGreaterThan(5)
    expect(groups.length).toBeLessThan(20)
  })
})

describe('doctor --fix plan', () => {
  it('attaches per role once, enables what can then trace, and leaves the rest to a person', () => {
    const check = (id: string, status: 'ok' | 'fail') => ({id, status, message: id, function: 'x'})
    const report: DoctorReport = {
      regions: [],
      missing: [],
      warnings: [],
      functions: [
        {fn: fn({name: 'a', mode: 'PassThrough', role: 'arn:aws:iam::1:role/bare'}), checks: [check('role.xray-write', 'fail')], attachable: true, roleWrites: false},
        {fn: fn({name: 'b', mode: 'Active', role: 'arn:aws:iam::1:role/bare'}), checks: [check('role.xray-write', 'fail')], attachable: true, roleWrites: false},
        {fn: fn({name: 'c', mode: 'PassThrough', role: 'arn:aws:iam::1:role/denied'}), checks: [check('role.xray-write', 'fail')], attachable: false, roleWrites: false},
        {fn: fn({name: 'd', mode: 'PassThrough', role: 'arn:aws:iam::1:role/ok'}), checks: [check('role.xray-write', 'ok')], attachable: false, roleWrites: true},
      ],
    }
    const plan = planFixes(report)
    expect(plan.attach).toEqual([{role: 'arn:aws:iam::1:role/bare', functions: ['a', 'b']}])
    expect(plan.enable.map((f) => f.name)).toEqual(['a', 'd'])
    expect(plan.manual.map((c) => c.id)).toEqual(['role.xray-write']) // c's Deny
  })
})

/** A real IAM client whose send answers from a table (the paginators want the real class): calls counted. */
function fakeIam(answers: Record<string, (input: Record<string, string>) => unknown>): {client: IAMClient; calls: string[]} {
  const calls: string[] = []
  const client = new IAMClient({region: 'us-east-1', credentials: {accessKeyId: 'a', secretAccessKey: 'b'}})
  Object.assign(client, {
    send: async (command: {constructor: {name: string}; input: Record<string, string>}) => {
      const name = command.constructor.name.replace(/Command$/, '')
      calls.push(name)
      const answer = answers[name]
      if (!answer) throw Object.assign(new Error(`not allowed: ${name}`), {name: 'AccessDenied', $metadata: {httpStatusCode: 403}})
      return answer(command.input)
    },
  })
  return {client, calls}
}

describe('reading a role', () => {
  const trust = encodeURIComponent(JSON.stringify({Statement: [{Effect: 'Allow', Principal: {Service: 'lambda.amazonaws.com'}, Action: 'sts:AssumeRole'}]}))
  const writeDoc = encodeURIComponent(JSON.stringify({Statement: [{Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*'}]}))

  it('a role that does not exist is denied, with the reason', async () => {
    const {client} = fakeIam({GetRole: () => {
      throw Object.assign(new Error('The role with name gone cannot be found.'), {name: 'NoSuchEntityException'})
    }})
    const check = await new RolePermissionReader(client).checkXRayWrite('arn:aws:iam::1:role/gone')
    expect(check).toMatchObject({verdict: 'denied', detail: 'role gone does not exist'})
  })

  it('IAM reads refused give unknown, naming what could not be read; the role itself is still found', async () => {
    const {client} = fakeIam({GetRole: () => ({Role: {AssumeRolePolicyDocument: trust}})})
    const reader = new RolePermissionReader(client)
    const check = await reader.checkXRayWrite('arn:aws:iam::1:role/r')
    expect(check.verdict).toBe('unknown')
    expect(check.detail).toBe('role r: whether it may call xray:PutTraceSegments depends on the attached managed policies (could not be read); the inline policies (could not be read)')
    const sources = await reader.sourcesOf('arn:aws:iam::1:role/r')
    expect(sources.exists).toBe(true)
    expect(sources.unreadable.map((u) => u.why)).toEqual([
      'access denied: the caller may not call iam:ListAttachedRolePolicies',
      'access denied: the caller may not call iam:ListRolePolicies',
    ])
  })

  it('reads each role once and each managed document once, for many functions', async () => {
    const {client, calls} = fakeIam({
      GetRole: () => ({Role: {AssumeRolePolicyDocument: trust}}),
      ListAttachedRolePolicies: () => ({AttachedPolicies: [{PolicyName: 'W', PolicyArn: 'arn:aws:iam::1:policy/W'}]}),
      ListRolePolicies: () => ({PolicyNames: []}),
      GetPolicy: () => ({Policy: {DefaultVersionId: 'v3'}}),
      GetPolicyVersion: (input) => {
        expect(input.VersionId).toBe('v3')
        return {PolicyVersion: {Document: writeDoc}}
      },
    })
    const reader = new RolePermissionReader(client)
    const checks = await Promise.all(['a', 'b', 'a', 'b', 'a'].map((role) => reader.checkXRayWrite(`arn:aws:iam::1:role/${role}`)))
    expect(checks.every((c) => c.verdict === 'allowed')).toBe(true)
    expect(calls.filter((c) => c === 'GetRole')).toHaveLength(2)
    expect(calls.filter((c) => c === 'GetPolicyVersion')).toHaveLength(1)
  })
})

describe('doctor output', () => {
  it('wraps messages and fixes under themselves to fit the terminal, with ASCII marks when asked', async () => {
    const {Chalk} = await import('chalk')
    const {renderDoctor} = await import('../../../src/render/doctor.js')
    const long = 'role orders-worker-role lacks xray:PutTraceSegments and xray:PutTelemetryRecords: Lambda refuses Active tracing and the daemon cannot send segments'
    const report: DoctorReport = {
      regions: [],
      missing: [],
      warnings: [],
      functions: [{fn: fn(), attachable: true, roleWrites: false, checks: [{id: 'role.xray-write', status: 'fail', function: 'fn', message: long, fix: 'xtrace doctor fn --fix   (attaches AWSXRayDaemonWriteAccess to orders-worker-role)'}]}],
    }
    const text = renderDoctor(report, {chalk: new Chalk({level: 0}), ascii: true, verbose: false, width: 60})
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(60)
    expect(text).toContain('  xx role.xray-write  role orders-worker-role lacks')
    expect(text).toMatch(/\n {21}fix: xtrace doctor fn --fix/)
    expect(text.split('\n').pop()).toBe('1 function: 0 ok, 0 warn, 1 fail, 0 unknown')
  })
})
