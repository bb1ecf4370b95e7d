import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../harness/cli.js'
import {motoAvailable, type Moto, startMoto} from '../harness/moto.js'

/**
 * enable / disable / status against moto, an emulator nobody here wrote: roles and the real managed
 * policies in its IAM, functions, versions and aliases in its Lambda. moto accepts
 * UpdateFunctionConfiguration but does not apply TracingConfig (and returns no RevisionId), so these
 * tests assert what xtrace sent and concluded, not that the mode changed; our local endpoint covers that.
 */

const available = motoAvailable()
if (!available) console.warn('moto tracing suite skipped: python3 -m moto.server is not installed (pip install "moto[server]")')

const credentials = {accessKeyId: 'test', secretAccessKey: 'test'}
const state = mkdtempSync(join(tmpdir(), 'xtrace-moto-state-'))

describe.skipIf(!available)('moto interop: enable, disable, status', () => {
  let moto: Moto
  beforeAll(async () => {
    moto = await startMoto()
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
    const {IAMClient, CreateRoleCommand, AttachRolePolicyCommand} = await import('@aws-sdk/client-iam')
    const {LambdaClient, CreateFunctionCommand, PublishVersionCommand, CreateAliasCommand} = await import('@aws-sdk/client-lambda')
    const iam = new IAMClient({region: 'us-east-1', endpoint: moto.url, credentials})
    const trust = JSON.stringify({Version: '2012-10-17', Statement: [{Effect: 'Allow', Principal: {Service: 'lambda.amazonaws.com'}, Action: 'sts:AssumeRole'}]})
    const traced = await iam.send(new CreateRoleCommand({RoleName: 'traced-role', AssumeRolePolicyDocument: trust}))
    await iam.send(new AttachRolePolicyCommand({RoleName: 'traced-role', PolicyArn: 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess'}))
    const bare = await iam.send(new CreateRoleCommand({RoleName: 'bare-role', AssumeRolePolicyDocument: trust}))
    const lambda = new LambdaClient({region: 'us-east-1', endpoint: moto.url, credentials})
    const emptyZip = Buffer.from('UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==', 'base64')
    for (const [name, role] of [['m-traced', traced.Role!.Arn!], ['m-bare', bare.Role!.Arn!]] as const) {
      await lambda.send(new CreateFunctionCommand({FunctionName: name, Role: role, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: {ZipFile: emptyZip}}))
    }
    const version = await lambda.send(new PublishVersionCommand({FunctionName: 'm-traced'}))
    await lambda.send(new CreateAliasCommand({FunctionName: 'm-traced', Name: 'prod', FunctionVersion: version.Version!}))
    iam.destroy()
    lambda.destroy()
  }, 60_000)
  afterAll(() => moto?.stop())

  const xtrace = (args: string[]) => runCli([...args, '--endpoint-url', moto.url], {env: {XDG_STATE_HOME: state}, timeoutMs: 60_000})

  it('status reads functions, evaluates the roles from moto\'s IAM (real managed policies), and finds the alias', async () => {
    const result = await xtrace(['status', '--json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout) as {functions: Record<string, unknown>[]; summary: unknown}
    expect(json.functions.map((fn) => [fn.function, fn.mode, fn.role, fn.roleCanWriteXRay])).toEqual([
      ['m-bare', 'PassThrough', 'bare-role', false],
      ['m-traced', 'PassThrough', 'traced-role', true],
    ])
    expect(json.functions[1]!.publishedAliases).toEqual([{alias: 'prod', version: '1', mode: 'PassThrough'}])
    expect(json.summary).toEqual({functions: 2, active: 0, passThrough: 2, coveragePercent: 0})
  })

  it('doctor reads roles, policies and functions from moto, and says which calls moto does not answer', async () => {
    const result = await xtrace(['doctor', 'm-traced', 'm-bare', '--json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(1) // m-bare's role lacks the X-Ray permissions
    const checks = (JSON.parse(result.stdout) as {checks: {id: string; status: string; function?: string; message: string}[]}).checks
    const of = (id: string, fn?: string) => checks.find((c) => c.id === id && c.function === fn)
    expect(of('account.credentials')).toMatchObject({status: 'ok', message: expect.stringMatching(/^account 123456789012 as arn:aws:(iam|sts)::123456789012:/)})
    expect(of('role.xray-write', 'm-traced')).toMatchObject({status: 'ok'})
    expect(of('role.xray-write', 'm-bare')).toMatchObject({status: 'fail', message: expect.stringContaining('role bare-role lacks xray:PutTraceSegments')})
    expect(of('role.trust', 'm-traced')).toMatchObject({status: 'ok'})
    expect(of('function.versions', 'm-traced')).toMatchObject({status: 'ok'})
    // Whatever moto does not implement is reported as unknown or with its reason, never as a crash.
    for (const item of checks) expect(['ok', 'warn', 'fail', 'unknown']).toContain(item.status)
  })

  it('enable stops on the bare role without --attach-policy, and with it attaches the policy in moto\'s IAM', async () => {
    const refused = await xtrace(['enable', 'm-bare', '--json'])
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout).results[0]).toMatchObject({status: 'failed', error: {code: 'MISSING_XRAY_PERMISSION'}})

    const granted = await xtrace(['enable', 'm-bare', '--attach-policy', '--yes', '--json'])
    expect(granted.code).toBe(0)
    // moto accepted the update (and the waiter saw Successful), though it keeps PassThrough.
    expect(JSON.parse(granted.stdout).results[0]).toMatchObject({status: 'changed', policyAttached: true, mode: 'Active'})
    const {IAMClient, ListAttachedRolePoliciesCommand} = await import('@aws-sdk/client-iam')
    const iam = new IAMClient({region: 'us-east-1', endpoint: moto.url, credentials})
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({RoleName: 'bare-role'}))
    expect(attached.AttachedPolicies!.map((p) => p.PolicyArn)).toEqual(['arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess'])
    iam.destroy()
  })

  it('enable and disable by glob complete against moto\'s Lambda', async () => {
    const enabled = await xtrace(['enable', '--match', 'm-*', '--yes', '--json'])
    expect(enabled.code).toBe(0)
    expect(JSON.parse(enabled.stdout).summary).toEqual({changed: 2, unchanged: 0, skipped: 0, failed: 0})
    // moto never stored Active, so there is nothing to disable.
    const disabled = await xtrace(['disable', '--match', 'm-*', '--yes', '--json'])
    expect(disabled.code).toBe(0)
    expect(JSON.parse(disabled.stdout).summary).toEqual({changed: 0, unchanged: 2, skipped: 0, failed: 0})
  })
})
