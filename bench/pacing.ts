/**
 * Updates paced to Lambda's quotas, measured (issue 14). The local endpoint enforces Lambda's quotas
 * per account and region (15 control-plane calls and 100 GetFunction a second: beyond them it answers
 * 429) and every update stays InProgress for 1 s. xtrace's floor is what the quota allows: N updates
 * take N / 15 s, plus one settle for the last. Budgets: within 1.15x of that floor, and not one call
 * throttled — in one account and region, and over 10 accounts at once (each account its own quota:
 * the run's floor is the slowest account's).
 */
import {LAMBDA_QUOTAS} from '../src/aws/pacing.js'
import {memberId, startLocalOrganization} from '../test/harness/organization.js'
import {runCli} from './bulk.js'

export interface PacingRun {
  accounts: number
  functionsPerAccount: number
  wallMs: number
  floorMs: number
  ratio: number
  updateCalls: number
  throttledCalls: number
  summary: {changed: number; unchanged: number; skipped: number; failed: number}
}

export interface PacingResult {
  settleMs: number
  quota: number
  single: PacingRun
  accounts: PacingRun
}

/** The quota's floor for `updates` in one account and region: one every 1/15 s, plus the last one's settle. */
export function floorMs(updates: number, settleMs: number): number {
  return (updates / LAMBDA_QUOTAS.control) * 1000 + settleMs
}

export async function benchPacing(bin: string, env: NodeJS.ProcessEnv, options: {functions?: number; accounts?: number} = {}): Promise<PacingResult> {
  const functions = options.functions ?? 1000
  const accounts = options.accounts ?? 10
  const settleMs = 1000
  const org = await startLocalOrganization({accounts, regions: ['us-east-1'], functionsPerRegion: functions, settleMs})
  org.aws.rateLimits = {control: LAMBDA_QUOTAS.control, getFunction: LAMBDA_QUOTAS.getFunction}
  const role = 'arn:aws:iam::123456789012:role/app-role'
  org.own.iam.addRole('app-role', {attached: ['arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess']})
  for (let i = 0; i < functions; i++) org.own.lambda.add(`fn-${String(i).padStart(4, '0')}`, {Role: role})
  const cliEnv = {...env, XDG_STATE_HOME: org.state, AWS_ENDPOINT_URL: org.aws.url}

  const measureRun = async (args: string[], accountCount: number): Promise<PacingRun> => {
    // A quiet second first, so that the endpoint's buckets are full, as an account at rest would be.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const before = org.aws.requests.length
    org.aws.quotaThrottles = 0
    const run = await runCli(bin, [...args, '--yes', '--json', '--region', 'us-east-1'], cliEnv)
    if (run.code !== 0) throw new Error(`xtrace ${args.join(' ')} exited ${run.code}: ${run.stderr.slice(0, 500)}`)
    const summary = (JSON.parse(run.stdout) as {summary: PacingRun['summary']}).summary
    const updateCalls = org.aws.requests.slice(before).filter((r) => r.operation === 'UpdateFunctionConfiguration').length
    const floor = floorMs(functions, settleMs)
    return {
      accounts: accountCount,
      functionsPerAccount: functions,
      wallMs: Math.round(run.ms),
      floorMs: Math.round(floor),
      ratio: Math.round((run.ms / floor) * 1000) / 1000,
      updateCalls,
      throttledCalls: org.aws.quotaThrottles,
      summary,
    }
  }

  try {
    const single = await measureRun(['enable', '--all'], 1)
    const ids = Array.from({length: accounts}, (_, i) => memberId(i)).join(',')
    const many = await measureRun(['enable', '--all', '--accounts', ids], accounts)
    return {settleMs, quota: LAMBDA_QUOTAS.control, single, accounts: many}
  } finally {
    await org.aws.stop()
  }
}
