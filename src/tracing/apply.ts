import type {LambdaClient} from '@aws-sdk/client-lambda'

import {mapAwsError} from '../aws/errors.js'
import type {RolePermissionReader} from '../permissions/role.js'
import {runPool} from '../util/pool.js'
import {sleep} from '../util/sleep.js'
import {ensureXRayWrite} from './grant.js'
import type {JournalWriter} from './journal.js'
import {type ChangeResult, fail, type PlanEntry} from './plan.js'
import type {TracingMode} from './refs.js'
import type {FunctionState} from './select.js'
import {pollSeconds, waitUntilSettled} from './settle.js'
import {updateTracing} from './update.js'

/**
 * Applies a plan, function by function, in named steps: the role's X-Ray permission (grant.ts), the
 * update with its retries (update.ts), the journal's record that it changed, the wait until Lambda
 * reports it Successful or Failed (settle.ts). Each account and region gets its own lanes, so one
 * busy account does not hold up another; the pace within one is Lambda's quota (aws/pacing.ts).
 * It never prints: progress goes to a callback and every function ends with a result, also when the
 * run is interrupted.
 */

export interface ApplyOptions {
  mode: TracingMode
  lambdaFor: (fn: FunctionState) => LambdaClient
  /** Checks (and with `attachPolicy`, grants) the role's X-Ray permissions before enabling; per account. */
  permissionsFor?: (fn: FunctionState) => RolePermissionReader
  attachPolicy: boolean
  /** Functions in flight at once in each account and region. */
  concurrency: number
  /** Wait for LastUpdateStatus to leave InProgress. */
  wait: boolean
  waitSeconds: number
  /** After attaching a policy, how long Lambda's permission refusal is retried (IAM is eventually consistent). */
  iamPropagationSeconds: number
  journal?: JournalWriter
  /** Aborted on Ctrl-C: no new update starts; waits stop. */
  signal: AbortSignal
  onProgress?: (results: readonly ChangeResult[]) => void
}

/** Failures that every further call in the same account would repeat: stop starting updates there rather than fail them all. */
const STOP_CODES = new Set(['NO_CREDENTIALS', 'EXPIRED_CREDENTIALS', 'BAD_CREDENTIALS', 'SSO_EXPIRED', 'NO_REGION'])

/** Steps after the update was accepted: the function has changed, whatever Lambda says next. */
async function confirmSettled(lambda: LambdaClient, entry: PlanEntry, result: ChangeResult, options: ApplyOptions): Promise<void> {
  const {fn} = entry
  const poll = pollSeconds()
  let settled
  try {
    // Right after the update Lambda always says InProgress: the waiter's first, immediate poll would
    // be a wasted call against the account's quota, so give it the first second.
    await sleep(poll * 1000, options.signal)
    settled = await waitUntilSettled(lambda, fn.arn, {seconds: options.waitSeconds, pollSeconds: poll, signal: options.signal})
  } catch (waitError) {
    result.notes.push(`could not confirm the update: ${(waitError as Error).message}`)
    options.journal?.recordOutcome(fn.arn, 'unknown')
    return
  }
  if (settled.state === 'SUCCESS') return
  if (settled.state === 'ABORTED') {
    result.notes.push('interrupted before Lambda confirmed the update')
    return
  }
  options.journal?.recordOutcome(fn.arn, 'unknown')
  result.changed = false
  // `mode` stays the requested one: Lambda accepted it, whatever it says now.
  fail(result, settled.state === 'FAILURE'
    ? {code: 'UPDATE_FAILED', message: `Lambda reported the update Failed${settled.reason ? `: ${settled.reason}` : ''}`, suggestions: [`xtrace status ${fn.name}`]}
    : {code: 'UPDATE_TIMEOUT', message: `the update was still InProgress after ${options.waitSeconds} s`, suggestions: [`xtrace status ${fn.name}`]})
}

/** One function: permission, update, journal, wait. */
async function changeOne(entry: PlanEntry, result: ChangeResult, options: ApplyOptions): Promise<void> {
  const {fn} = entry
  const lambda = options.lambdaFor(fn)
  if (options.mode === 'Active' && options.permissionsFor) {
    const refused = await ensureXRayWrite(fn, result, {permissions: options.permissionsFor(fn), attachPolicy: options.attachPolicy, ...(options.journal ? {journal: options.journal} : {})})
    if (refused) {
      fail(result, refused)
      return
    }
  }
  const outcome = await updateTracing(lambda, fn, options.mode, {
    signal: options.signal,
    waitSeconds: options.waitSeconds,
    pollSeconds: pollSeconds(),
    policyAttached: result.policyAttached,
    iamPropagationSeconds: options.iamPropagationSeconds,
    notes: result.notes,
  })
  if (outcome.kind === 'interrupted') return // stays "skipped": nothing was changed
  if (outcome.kind === 'failed') {
    fail(result, outcome.error)
    return
  }
  if (outcome.kind === 'already') {
    result.status = 'unchanged'
    result.mode = options.mode
    return
  }
  result.status = 'changed'
  result.changed = true
  result.mode = options.mode
  options.journal?.recordOutcome(fn.arn, 'changed')
  if (!options.wait) {
    result.notes.push('not waited for (--no-wait)')
    return
  }
  await confirmSettled(lambda, entry, result, options)
}

export async function applyPlan(plan: PlanEntry[], results: ChangeResult[], options: ApplyOptions): Promise<ChangeResult[]> {
  const report = () => options.onProgress?.(results)
  const work = plan.map((entry, index) => ({entry, result: results[index]!})).filter(({entry}) => entry.action === 'update')
  const lanes = new Map<string, typeof work>()
  for (const item of work) {
    const key = `${item.entry.fn.account}/${item.entry.fn.region}`
    lanes.set(key, [...(lanes.get(key) ?? []), item])
  }
  /** Per account: the failure that stopped new updates there. */
  const stoppedBy = new Map<string, string>()
  await Promise.all(
    [...lanes.values()].map((items) =>
      runPool(
        items,
        options.concurrency,
        async ({entry, result}) => {
          const account = entry.fn.account
          if (stoppedBy.has(account)) return // reported below, with the others never started
          result.phase = 'running'
          report()
          try {
            await changeOne(entry, result, options)
          } catch (error) {
            const mapped = mapAwsError(error, {action: 'lambda:UpdateFunctionConfiguration'})
            fail(result, {code: mapped.code, message: mapped.message, suggestions: mapped.suggestions})
          }
          if (result.status === 'failed' && !result.changed) options.journal?.recordOutcome(entry.fn.arn, 'failed')
          if (result.status === 'failed' && result.error && STOP_CODES.has(result.error.code) && !stoppedBy.has(account)) stoppedBy.set(account, result.error.message)
          if (result.status === 'skipped') {
            result.notes.push('not changed: interrupted')
            options.journal?.recordOutcome(entry.fn.arn, 'skipped')
          }
          result.phase = 'done'
          report()
        },
        () => !options.signal.aborted,
      ),
    ),
  )
  for (const result of results) {
    if (result.phase !== 'pending') continue
    const stopped = stoppedBy.get(result.account)
    result.notes.push(stopped ? `not started: stopped after "${stopped}"` : 'not started: interrupted')
    result.phase = 'done'
    options.journal?.recordOutcome(result.arn, 'skipped')
  }
  report()
  return results
}
