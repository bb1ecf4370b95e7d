import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import fc from 'fast-check'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import type {ChangeJson} from '../../src/render/changes.js'
import type {StatusJson} from '../../src/tracing/status.js'
import {STACK_TRACE} from '../harness/account.js'
import {ROOT, startCli} from '../harness/cli.js'
import {MODULE_SPY} from '../harness/modules.js'
import {type LocalOrganization, memberId, modesOf, startLocalOrganization} from '../harness/organization.js'

/**
 * Many accounts, end to end: an organization of 20 member accounts × 2 regions × 50 functions on an
 * endpoint that enforces Lambda's quotas (15 control-plane calls and 100 GetFunction a second per
 * account and region). One account has no role to assume, one refuses the caller, one has a region
 * that is not enabled, one has an SCP that denies listing in a region.
 */

const ACCOUNTS = 20
const REGIONS = ['us-east-1', 'eu-west-1']
const PER_REGION = 50
const ROLE_MISSING = memberId(3)
const ASSUME_DENIED = memberId(7)
const REGION_OFF = memberId(11)
const SCP_DENIED = memberId(15)
const REACHABLE_FUNCTIONS = (ACCOUNTS - 2) * REGIONS.length * PER_REGION - 2 * PER_REGION

let org: LocalOrganization

beforeAll(async () => {
  org = await startLocalOrganization({accounts: ACCOUNTS, regions: REGIONS, functionsPerRegion: PER_REGION, settleMs: 300})
  org.aws.rateLimits = {control: 15, getFunction: 100}
  org.members.find((m) => m.id === ROLE_MISSING)!.member.roles.clear()
  org.members.find((m) => m.id === ASSUME_DENIED)!.member.roles.get('OrganizationAccountAccessRole')!.deny = true
  org.members.find((m) => m.id === REGION_OFF)!.member.disabledRegions.add('eu-west-1')
  org.aws.inject({kind: 'access-denied', service: 'lambda', operation: 'ListFunctions', account: SCP_DENIED, region: 'us-east-1', message: `User: arn:aws:sts::${SCP_DENIED}:assumed-role/OrganizationAccountAccessRole/xtrace is not authorized to perform: lambda:ListFunctions with an explicit deny in a service control policy`})
})
afterAll(async () => {
  await org.aws.stop()
})
beforeEach(() => {
  org.aws.requests.length = 0
  org.aws.quotaThrottles = 0
})

function xtrace(args: string[], timeoutMs = 120_000) {
  return startCli([...args, '--region', 'us-east-1', '--region', 'eu-west-1'], {env: {AWS_ENDPOINT_URL: org.aws.url, XDG_STATE_HOME: org.state, XTRACE_POLL_SECONDS: '0.3'}, timeoutMs})
}

const reachableModes = () => modesOf(org).filter((line) => !line.startsWith(ROLE_MISSING) && !line.startsWith(ASSUME_DENIED) && !line.startsWith(`${REGION_OFF}/eu-west-1`) && !line.startsWith(`${SCP_DENIED}/us-east-1`))
const resetModes = () => {
  for (const {lambda} of org.members) for (const fn of lambda.functions.values()) fn.TracingConfig = {Mode: 'PassThrough'}
}

describe('xtrace across an organization', () => {
  it('changes every reachable function, reports each account it could not reach, and a second run changes nothing', async () => {
    resetModes()
    const {code, stdout, stderr} = await xtrace(['enable', '--all', '--org', '--yes', '--json']).exited
    expect(stderr).not.toMatch(STACK_TRACE)
    expect(code).toBe(1) // some accounts were not reached
    const json = JSON.parse(stdout) as ChangeJson
    expect(json.summary).toEqual({changed: REACHABLE_FUNCTIONS, unchanged: 0, skipped: 0, failed: 0})
    expect(json.results.every((r) => /^\d{12}$/.test(r.account) && REGIONS.includes(r.region))).toBe(true)
    expect(reachableModes().every((line) => line.endsWith('=Active'))).toBe(true)
    expect(json.accountFailures!.map((f) => [f.account, f.region ?? '*', f.code])).toEqual([
      [ROLE_MISSING, '*', 'ASSUME_ROLE_DENIED'],
      [ASSUME_DENIED, '*', 'ASSUME_ROLE_DENIED'],
      [REGION_OFF, 'eu-west-1', 'REGION_UNAVAILABLE'],
      [SCP_DENIED, 'us-east-1', 'SCP_DENIED'],
    ])
    expect(json.accounts).toHaveLength((ACCOUNTS - 2) * 2 - 2)
    expect(json.accounts!.every((row) => row.changed === PER_REGION)).toBe(true)
    // The caller's own (management) account is not touched without being named.
    expect(org.own.lambda.functions.size).toBe(0)
    expect(org.aws.requests.filter((r) => r.service === 'lambda' && r.account === '123456789012')).toHaveLength(0)
    // Paced to the quotas: not one call throttled, across 36 account-regions at once.
    expect(org.aws.quotaThrottles).toBe(0)
    // One session per account, named for xtrace.
    const assumed = org.aws.calls('AssumeRole', 'sts')
    expect(assumed).toHaveLength(ACCOUNTS)
    expect(assumed.every((r) => /RoleSessionName=xtrace-enable-\d{8}T\d{6}Z/.test(r.body))).toBe(true)

    org.aws.requests.length = 0
    const again = await xtrace(['enable', '--all', '--org', '--yes', '--json']).exited
    expect((JSON.parse(again.stdout) as ChangeJson).summary).toEqual({changed: 0, unchanged: REACHABLE_FUNCTIONS, skipped: 0, failed: 0})
    expect(org.aws.calls('UpdateFunctionConfiguration')).toHaveLength(0)
  }, 180_000)

  it('status: a table per function with its account, coverage per account, and what could not be read', async () => {
    const {code, stdout} = await xtrace(['status', '--accounts', `${memberId(0)},${memberId(1)},${REGION_OFF}`, '--no-aliases', '--no-roles']).exited
    expect(code).toBe(1)
    expect(stdout).toMatch(new RegExp(`^FUNCTION\\s+ACCOUNT\\s+REGION\\s+MODE`))
    expect(stdout).toMatch(new RegExp(`fn-000\\s+${memberId(0)}\\s+eu-west-1\\s+`))
    expect(stdout).toMatch(new RegExp(`ACCOUNT\\s+FUNCTIONS\\s+ACTIVE\\s+COVERAGE\\n${memberId(0)}\\s+100\\s+\\d+\\s+\\d+%`))
    expect(stdout).toContain(`Not reached (1 account or region):\n  ✖ eu-west-1 did not accept the credentials of account ${REGION_OFF}: the region is probably not enabled for the account`)
    const excluded = await xtrace(['status', '--accounts', memberId(0), '--exclude', memberId(0)]).exited
    expect(excluded.code).toBe(2)
    expect(excluded.stderr).toContain('error: every account named is excluded')
    const listed = JSON.parse((await xtrace(['status', '--org', '--ou', 'ou-none', '--json']).exited).stdout) as {error: {code: string}}
    expect(listed.error.code).toBe('UNKNOWN_OU')
    const one = JSON.parse((await xtrace(['status', 'fn-007', '--accounts', memberId(0), '--no-aliases', '--json']).exited).stdout) as StatusJson
    expect(one.functions.map((fn) => `${fn.account}/${fn.region}/${fn.function}`)).toEqual([`${memberId(0)}/eu-west-1/fn-007`, `${memberId(0)}/us-east-1/fn-007`])
    expect(one.accounts).toEqual([{account: memberId(0), functions: 2, active: expect.any(Number), passThrough: expect.any(Number), coveragePercent: expect.any(Number)}])
  }, 120_000)

  it("status across accounts, run lean, loads STS from node_modules with node:http2 still deferred (src/cli/lazy-http2.ts)", async () => {
    const modules = join(org.state, 'modules.txt')
    const builtins = join(org.state, 'builtins.txt')
    writeFileSync(modules, '')
    const env = {
      AWS_ENDPOINT_URL: org.aws.url,
      XDG_STATE_HOME: org.state,
      NODE_OPTIONS: `--import ${MODULE_SPY} -r ${join(ROOT, 'test/harness/builtins-spy.cjs')}`,
      XTRACE_MODULE_SPY: modules,
      XTRACE_BUILTINS_SPY: builtins,
    }
    const {code, stderr} = await startCli(['status', '--accounts', memberId(0), '--no-aliases', '--no-roles', '--region', 'us-east-1'], {env}).exited
    expect(code, stderr).toBe(0)
    const loaded = readFileSync(modules, 'utf8')
    expect(loaded).toContain('/dist/lean/status.cjs')
    expect(loaded).not.toContain('@oclif/core')
    // The lean bundle holds no STS: it comes from node_modules, with the HTTP handler that requires node:http2 as it loads...
    expect(loaded).toMatch(/node_modules\/@aws-sdk\/client-sts\//)
    expect(loaded).toMatch(/node_modules\/@smithy\/node-http-handler\//)
    // ...which the bundle deferred before requiring it: neither node:http2 nor node:assert, which it brings, is loaded.
    const names = readFileSync(builtins, 'utf8').split('\n')
    expect(names).toContain('https')
    expect(names).not.toContain('http2')
    expect(names).not.toContain('assert')
  }, 60_000)

  it('Ctrl-C at random points of a change across accounts: nothing changed unreported, and restore puts every account back', async () => {
    const runs = Number.parseInt(process.env.FUZZ_RUNS ?? '', 10) > 200 ? 5 : 2
    await fc.assert(
      // Interrupted once the endpoint has seen this many updates (0: as soon as the process runs).
      fc.asyncProperty(fc.integer({min: 0, max: REACHABLE_FUNCTIONS}), async (updatesSeen) => {
        resetModes()
        org.aws.requests.length = 0
        const run = xtrace(['enable', '--all', '--org', '--yes', '--json'])
        let exited = false
        void run.exited.then(() => (exited = true))
        while (!exited && org.aws.calls('UpdateFunctionConfiguration').length < updatesSeen) await new Promise((resolve) => setTimeout(resolve, 10))
        run.child.kill('SIGINT')
        const {code, signal, stdout, stderr} = await run.exited
        expect(stdout + stderr).not.toMatch(STACK_TRACE)
        if (code === null) {
          // Killed before xtrace's own code ran (Node still starting): the shell says 130, and nothing changed.
          expect(signal).toBe('SIGINT')
          expect(modesOf(org).every((line) => line.endsWith('=PassThrough'))).toBe(true)
          return
        }
        const parsed = JSON.parse(stdout) as ChangeJson & {error?: {code: string}}
        if (parsed.error) {
          expect(parsed.error.code).toBe('INTERRUPTED')
          expect(modesOf(org).every((line) => line.endsWith('=PassThrough'))).toBe(true)
          return
        }
        expect([1, 130]).toContain(code)
        const changed = new Set(parsed.results.filter((r) => r.status === 'changed').map((r) => `${r.account}/${r.region}/${r.function}`))
        const active = new Set(modesOf(org).filter((line) => line.endsWith('=Active')).map((line) => line.replace(/=Active$/, '')))
        expect(active).toEqual(changed)
        await new Promise((resolve) => setTimeout(resolve, 400)) // let the last updates settle
        const restore = await startCli(['restore', '--yes', '--json'], {env: {AWS_ENDPOINT_URL: org.aws.url, XDG_STATE_HOME: org.state, XTRACE_POLL_SECONDS: '0.3'}, timeoutMs: 120_000}).exited
        if (changed.size === 0) {
          expect(restore.code).toBe(1)
          return
        }
        expect(restore.stderr).not.toMatch(STACK_TRACE)
        expect(restore.stderr).not.toContain('error')
        expect(restore.code).toBe(0)
        expect((JSON.parse(restore.stdout) as ChangeJson).summary.changed).toBe(changed.size)
        expect(modesOf(org).every((line) => line.endsWith('=PassThrough'))).toBe(true)
      }),
      {numRuns: runs},
    )
  }, 600_000)
})
