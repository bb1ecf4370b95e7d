import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {LambdaClient} from '@aws-sdk/client-lambda'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {createIamClient, createLambdaClient} from '../../../src/aws/clients.js'
import {LambdaPacer} from '../../../src/aws/pacing.js'
import {RolePermissionReader} from '../../../src/permissions/role.js'
import {applyPlan} from '../../../src/tracing/apply.js'
import {checkRoles, ensureXRayWrite, rolesToAttach} from '../../../src/tracing/grant.js'
import {JournalWriter, parseOperation, plannedChange} from '../../../src/tracing/journal.js'
import {type ChangeResult, initialResults, planChange} from '../../../src/tracing/plan.js'
import {type FunctionState, readFunction} from '../../../src/tracing/select.js'
import {waitUntilSettled} from '../../../src/tracing/settle.js'
import {updateTracing} from '../../../src/tracing/update.js'
import {ACCOUNT, type LocalAccount, startLocalAccount, XRAY_POLICY} from '../../harness/account.js'

/**
 * The steps of a change, each against the local AWS endpoint with the real SDK: the permission step
 * (grant.ts), the update with its retries (update.ts), the wait (settle.ts), and the whole of
 * applyPlan across two accounts. The end-to-end suites run the same through the binary.
 */

let local: LocalAccount
let lambda: LambdaClient
const saved = {...process.env}

beforeAll(() => {
  Object.assign(process.env, {AWS_ACCESS_KEY_ID: 'AKIAXTRACETESTKEY000', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_EC2_METADATA_DISABLED: 'true', XTRACE_POLL_SECONDS: '0.1'})
})
afterAll(() => {
  process.env = saved
})

beforeEach(async () => {
  local = await startLocalAccount({settleMs: 150})
  lambda = await createLambdaClient({endpointUrl: local.aws.url, region: 'us-east-1'}, new LambdaPacer())
})
afterEach(async () => {
  lambda.destroy()
  await local.aws.stop()
})

async function stateOf(name: string): Promise<FunctionState> {
  const state = await readFunction(lambda, 'us-east-1', name)
  if (!state) throw new Error(`no ${name}`)
  return state
}

const never = new AbortController().signal
const updateOptions = (notes: string[] = []) => ({signal: never, waitSeconds: 10, pollSeconds: 0.1, policyAttached: false, iamPropagationSeconds: 0, notes})

describe('update (update.ts)', () => {
  it('updates with the RevisionId it read', async () => {
    local.lambda.add('api', {Role: 'arn:aws:iam::123456789012:role/traced-role'})
    const fn = await stateOf('api')
    expect(await updateTracing(lambda, fn, 'Active', updateOptions())).toEqual({kind: 'updated'})
    expect(local.lambda.get('api')!.TracingConfig.Mode).toBe('Active')
    expect(JSON.parse(local.aws.calls('UpdateFunctionConfiguration')[0]!.body)).toEqual({RevisionId: fn.revisionId, TracingConfig: {Mode: 'Active'}})
  })

  it('waits out an update in progress, reads the new revision, and updates on top of it', async () => {
    const remote = local.lambda.add('busy', {Role: 'arn:aws:iam::123456789012:role/traced-role'})
    const fn = await stateOf('busy')
    local.lambda.busy(remote, 300)
    const notes: string[] = []
    expect(await updateTracing(lambda, fn, 'Active', updateOptions(notes))).toEqual({kind: 'updated'})
    expect(local.aws.calls('UpdateFunctionConfiguration').map((r) => r.fault ?? 'ok')).toHaveLength(2)
    expect(notes).toEqual(['the configuration changed meanwhile; updated on top of the new revision'])
  })

  it('leaves a mode someone else set meanwhile', async () => {
    const remote = local.lambda.add('raced', {Role: 'arn:aws:iam::123456789012:role/traced-role'})
    const fn = await stateOf('raced')
    remote.TracingConfig = {Mode: 'Active'}
    remote.RevisionId = 'moved'
    const notes: string[] = []
    expect(await updateTracing(lambda, fn, 'Active', updateOptions(notes))).toEqual({kind: 'already'})
    expect(notes).toEqual(['someone else set Active meanwhile'])
  })

  it("turns Lambda's refusal of a role without X-Ray into the exact fix", async () => {
    local.lambda.add('bare', {Role: 'arn:aws:iam::123456789012:role/bare-role'})
    const outcome = await updateTracing(lambda, await stateOf('bare'), 'Active', updateOptions())
    expect(outcome.kind).toBe('failed')
    expect(outcome.kind === 'failed' && outcome.error).toMatchObject({code: 'MISSING_XRAY_PERMISSION', suggestions: [expect.stringContaining('--attach-policy'), expect.stringContaining('aws iam attach-role-policy --role-name bare-role')]})
  })

  it('sends nothing once interrupted while waiting for another update', async () => {
    const remote = local.lambda.add('slow', {Role: 'arn:aws:iam::123456789012:role/traced-role'})
    const fn = await stateOf('slow')
    local.lambda.busy(remote, 5000)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 200)
    expect(await updateTracing(lambda, fn, 'Active', {...updateOptions(), signal: controller.signal})).toEqual({kind: 'interrupted'})
    expect(local.aws.calls('UpdateFunctionConfiguration')).toHaveLength(1)
  })
})

describe('settle (settle.ts)', () => {
  it('says SUCCESS once Lambda does, and FAILURE with the reason', async () => {
    const ok = local.lambda.add('ok')
    local.lambda.busy(ok, 250)
    expect(await waitUntilSettled(lambda, ok.FunctionArn, {seconds: 10, pollSeconds: 0.1, signal: never})).toEqual({state: 'SUCCESS'})
    const bad = local.lambda.add('bad')
    bad.LastUpdateStatus = 'Failed'
    bad.LastUpdateStatusReason = 'KMS key disabled'
    expect(await waitUntilSettled(lambda, bad.FunctionArn, {seconds: 10, pollSeconds: 0.1, signal: never})).toEqual({state: 'FAILURE', reason: 'KMS key disabled'})
  })

  it('stops at once, through the waiter\'s own abortSignal, when the read is refused for good — not after the 60 s budget', async () => {
    const fn = local.lambda.add('denied')
    local.lambda.busy(fn, 60_000)
    local.aws.inject({kind: 'access-denied', operation: 'GetFunction'})
    await expect(waitUntilSettled(lambda, fn.FunctionArn, {seconds: 60, pollSeconds: 0.1, signal: never})).rejects.toMatchObject({code: 'ACCESS_DENIED'})
    expect(local.aws.calls('GetFunction')).toHaveLength(1)
  }, 10_000)

  it('polls through throttling and ends ABORTED on Ctrl-C', async () => {
    const fn = local.lambda.add('held')
    local.lambda.busy(fn, 60_000)
    local.aws.inject({kind: 'throttle', operation: 'GetFunction', times: 2})
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 1500)
    expect(await waitUntilSettled(lambda, fn.FunctionArn, {seconds: 60, pollSeconds: 0.1, signal: controller.signal})).toEqual({state: 'ABORTED'})
  }, 10_000)
})

describe('permissions (grant.ts)', () => {
  it('checks each role once, names what to attach, attaches with consent and journals it', async () => {
    local.lambda.add('a', {Role: 'arn:aws:iam::123456789012:role/bare-role'})
    local.lambda.add('b', {Role: 'arn:aws:iam::123456789012:role/bare-role'})
    local.lambda.add('c', {Role: 'arn:aws:iam::123456789012:role/traced-role'})
    const iam = await createIamClient({endpointUrl: local.aws.url, region: 'us-east-1'})
    const reader = new RolePermissionReader(iam)
    const plan = planChange([await stateOf('a'), await stateOf('b'), await stateOf('c')], 'Active')
    const checks = await checkRoles(plan, () => reader)
    expect(checks.map((check) => [check.role, check.verdict])).toEqual([['bare-role', 'missing'], ['traced-role', 'allowed']])
    expect(rolesToAttach(checks, false)).toEqual(['bare-role'])
    expect(local.aws.calls('GetRole', 'iam')).toHaveLength(2)

    const results = initialResults(plan, 'Active')
    expect(await ensureXRayWrite(plan[0]!.fn, results[0]!, {permissions: reader, attachPolicy: false})).toMatchObject({code: 'MISSING_XRAY_PERMISSION'})
    const journal = JournalWriter.create({command: 'enable', mode: 'Active'}, [], {XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'xtrace-steps-'))})
    expect(await ensureXRayWrite(plan[0]!.fn, results[0]!, {permissions: reader, attachPolicy: true, journal})).toBeUndefined()
    expect(await ensureXRayWrite(plan[1]!.fn, results[1]!, {permissions: reader, attachPolicy: true, journal})).toBeUndefined()
    journal.close()
    expect(local.aws.calls('AttachRolePolicy', 'iam')).toHaveLength(1)
    expect(results[0]!.notes).toEqual(['attached AWSXRayDaemonWriteAccess to role bare-role'])
    expect(results.slice(0, 2).map((r) => r.policyAttached)).toEqual([true, true])
    expect(parseOperation(readFileSync(journal.path, 'utf8'))!.attachments).toEqual([{role: 'arn:aws:iam::123456789012:role/bare-role', policy: XRAY_POLICY}])
    iam.destroy()
  })
})

describe('applyPlan (apply.ts)', () => {
  it('changes, journals and confirms every function; one account whose credentials expire stops there, the other goes on', async () => {
    const other = '210987654321'
    const member = local.aws.memberAccount(other)
    const {installLambda} = await import('../../harness/local-lambda.js')
    const theirs = installLambda(member, {account: other, settleMs: 100})
    for (let i = 0; i < 6; i++) {
      local.lambda.add(`mine-${i}`, {Role: `arn:aws:iam::${ACCOUNT}:role/traced-role`})
      theirs.add(`theirs-${i}`, {Role: `arn:aws:iam::${other}:role/app-role`})
    }
    const {STSClient, AssumeRoleCommand} = await import('@aws-sdk/client-sts')
    const sts = new STSClient({endpoint: local.aws.url, region: 'us-east-1'})
    const assumed = (await sts.send(new AssumeRoleCommand({RoleArn: `arn:aws:iam::${other}:role/OrganizationAccountAccessRole`, RoleSessionName: 'xtrace-test'}))).Credentials!
    sts.destroy()
    const theirLambda = await createLambdaClient({
      endpointUrl: local.aws.url,
      region: 'us-east-1',
      account: other,
      credentials: async () => ({accessKeyId: assumed.AccessKeyId!, secretAccessKey: assumed.SecretAccessKey!, sessionToken: assumed.SessionToken!}),
    })
    const functions = [
      ...(await Promise.all([...Array(6).keys()].map((i) => stateOf(`mine-${i}`)))),
      ...(await Promise.all([...Array(6).keys()].map(async (i) => (await readFunction(theirLambda, 'us-east-1', `theirs-${i}`))!))),
    ]
    expect(new Set(functions.map((fn) => fn.account))).toEqual(new Set([ACCOUNT, other]))
    // The other account's session ends as its second update arrives: that update lands, its wait cannot confirm it.
    let theirUpdates = 0
    theirs.options.beforeUpdate = () => {
      if (++theirUpdates === 2) local.aws.expireSessions()
    }
    const plan = planChange(functions, 'Active')
    const results = initialResults(plan, 'Active')
    const journal = JournalWriter.create({command: 'enable', mode: 'Active'}, plan.map(({fn}) => plannedChange(fn, 'Active')), {XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'xtrace-steps-'))})
    const seen: ChangeResult[][] = []
    await applyPlan(plan, results, {
      mode: 'Active',
      lambdaFor: (fn) => (fn.account === other ? theirLambda : lambda),
      attachPolicy: false,
      concurrency: 1,
      wait: true,
      waitSeconds: 10,
      iamPropagationSeconds: 0,
      journal,
      signal: never,
      onProgress: (current) => seen.push(current.map((r) => ({...r}))),
    })
    journal.close()
    theirLambda.destroy()
    const mine = results.filter((r) => r.account === ACCOUNT)
    const theirsResults = results.filter((r) => r.account === other)
    expect(mine.map((r) => r.status)).toEqual(Array(6).fill('changed'))
    expect(theirsResults.map((r) => r.status)).toEqual(['changed', 'changed', 'failed', 'skipped', 'skipped', 'skipped'])
    expect(theirsResults[1]!.notes).toEqual(['could not confirm the update: the AWS credentials have expired'])
    expect(theirsResults[2]!.error?.code).toBe('EXPIRED_CREDENTIALS')
    expect(theirsResults[3]!.notes).toEqual(['not started: stopped after "the AWS credentials have expired"'])
    expect(results.every((r) => r.phase === 'done')).toBe(true)
    expect(seen.length).toBeGreaterThan(12)
    const recorded = parseOperation(readFileSync(journal.path, 'utf8'))!
    expect(recorded.entries.map((e) => `${e.account}:${e.outcome}`)).toEqual([...Array(6).fill(`${ACCOUNT}:changed`), `${other}:changed`, `${other}:unknown`, `${other}:failed`, ...Array(3).fill(`${other}:skipped`)])
  })
})
