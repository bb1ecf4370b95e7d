import type {GetFunctionCommandOutput, LambdaClient} from '@aws-sdk/client-lambda'

import {mapAwsError} from '../aws/errors.js'
import type {RolePermissionReader} from '../permissions/role.js'
import {roleNameFromArn, XRAY_WRITE_POLICY, xrayWritePolicyArn} from '../permissions/role.js'
import {sanitize} from '../render/sanitize.js'
import {runPool} from '../util/pool.js'
import {sleep} from '../util/sleep.js'
import type {JournalWriter} from './journal.js'
import type {TracingMode} from './refs.js'
import {type FunctionState, readFunction} from './select.js'

/**
 * Plan, then apply, a change of tracing mode. Planning is pure. Applying updates each function with
 * its RevisionId (so an update never lands on a configuration it has not seen), retries what is worth
 * retrying — throttling through the SDK's standard retry strategy, "update in progress" by waiting with
 * the SDK's FunctionUpdatedV2 waiter, a moved revision by reading it again — and waits until Lambda
 * reports the update Successful or Failed. It never prints: progress goes to a callback and every
 * function ends with a result, also when the run is interrupted.
 */

export type ResultStatus = 'changed' | 'unchanged' | 'skipped' | 'failed'

export interface ChangeError {
  code: string
  message: string
  suggestions?: string[]
}

export interface ChangeResult {
  function: string
  arn: string
  region: string
  previousMode: TracingMode
  mode: TracingMode
  changed: boolean
  policyAttached: boolean
  status: ResultStatus
  error?: ChangeError
  /** For people only (not in --json): what else happened. */
  notes: string[]
  /** Where the work stands; a forced exit reports `running` ones as unknown. */
  phase: 'pending' | 'running' | 'done'
}

export interface PlanEntry {
  fn: FunctionState
  action: 'update' | 'unchanged'
}

export function planChange(functions: FunctionState[], mode: TracingMode): PlanEntry[] {
  return functions.map((fn) => ({fn, action: fn.mode === mode ? 'unchanged' : 'update'}))
}

export interface ApplyOptions {
  mode: TracingMode
  lambdaFor: (region: string) => LambdaClient
  /** Checks (and with `attachPolicy`, grants) the role's X-Ray permissions before enabling. */
  permissions?: RolePermissionReader
  attachPolicy: boolean
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

/** Seconds Lambda's permission refusal is retried after attaching the policy (IAM propagates slowly). */
export function iamPropagationSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number.parseInt(env.XTRACE_IAM_PROPAGATION_SECONDS ?? '', 10)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : 60
}

/** First wait and shortest poll interval while an update settles (XTRACE_POLL_SECONDS; default 1, Lambda's pace). */
export function pollSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number.parseFloat(env.XTRACE_POLL_SECONDS ?? '')
  return Number.isFinite(seconds) && seconds > 0 && seconds <= 60 ? seconds : 1
}

const MAX_UPDATE_ATTEMPTS = 8
/** Failures that every further call would repeat: stop starting updates rather than fail them all. */
const STOP_CODES = new Set(['NO_CREDENTIALS', 'EXPIRED_CREDENTIALS', 'BAD_CREDENTIALS', 'SSO_EXPIRED', 'NO_REGION'])
const PERMISSION_REFUSAL = /does not have permissions to call PutTraceSegments/i

function initialResult(entry: PlanEntry, mode: TracingMode): ChangeResult {
  const unchanged = entry.action === 'unchanged'
  return {
    function: entry.fn.name,
    arn: entry.fn.arn,
    region: entry.fn.region,
    previousMode: entry.fn.mode,
    mode: unchanged ? mode : entry.fn.mode,
    changed: false,
    policyAttached: false,
    status: unchanged ? 'unchanged' : 'skipped',
    notes: [],
    phase: unchanged ? 'done' : 'pending',
  }
}

/** Results for every entry, at once, so that an interrupted run can still report all of them. */
export function initialResults(plan: PlanEntry[], mode: TracingMode): ChangeResult[] {
  return plan.map((entry) => initialResult(entry, mode))
}

function missingPermissionError(fn: FunctionState, detail: string): ChangeError {
  const role = roleNameFromArn(fn.role)
  return {
    code: 'MISSING_XRAY_PERMISSION',
    message: `${detail}, which Lambda requires for Active tracing`,
    suggestions: [
      `xtrace enable ${fn.name} --attach-policy   (attaches ${XRAY_WRITE_POLICY} to ${role})`,
      `aws iam attach-role-policy --role-name ${role} --policy-arn ${xrayWritePolicyArn(fn.role)}`,
    ],
  }
}

export async function applyPlan(plan: PlanEntry[], results: ChangeResult[], options: ApplyOptions): Promise<ChangeResult[]> {
  const {UpdateFunctionConfigurationCommand, waitForFunctionUpdatedV2} = await import('@aws-sdk/client-lambda')
  const report = () => options.onProgress?.(results)
  const poll = pollSeconds()

  const fail = (result: ChangeResult, error: ChangeError) => {
    result.status = 'failed'
    result.error = {...error, message: sanitize(error.message)}
  }

  /** Waits for an update to settle with the SDK waiter; a refusal to read stops it at once. */
  const waitSettled = async (lambda: LambdaClient, arn: string, seconds: number) => {
    const controller = new AbortController()
    let fatal: unknown
    // The waiter swallows every error and polls on until its time is up: this stand-in client (the
    // waiter uses only send and config) stops it at the first error that retrying cannot cure.
    const reader = {
      config: lambda.config,
      send: async (command: Parameters<LambdaClient['send']>[0]) => {
        try {
          return await lambda.send(command)
        } catch (error) {
          const name = (error as {name?: string}).name ?? ''
          if (!/Throttl|TooManyRequests|ServiceException|Timeout/i.test(name)) {
            fatal = error
            controller.abort()
          }
          throw error
        }
      },
    } as unknown as LambdaClient
    const stop = () => controller.abort()
    options.signal.addEventListener('abort', stop, {once: true})
    try {
      const outcome = await Promise.race([
        waitForFunctionUpdatedV2({client: reader, maxWaitTime: seconds, minDelay: poll, maxDelay: Math.max(5, poll), abortSignal: controller.signal}, {FunctionName: arn}),
        new Promise<{state: 'ABORTED'}>((resolve) => controller.signal.addEventListener('abort', () => resolve({state: 'ABORTED'}), {once: true})),
      ])
      if (fatal) throw mapAwsError(fatal, {action: 'lambda:GetFunction'})
      return outcome as {state: string; reason?: GetFunctionCommandOutput}
    } finally {
      options.signal.removeEventListener('abort', stop)
    }
  }

  const changeOne = async (entry: PlanEntry, result: ChangeResult): Promise<void> => {
    const {fn} = entry
    const lambda = options.lambdaFor(fn.region)
    result.phase = 'running'
    report()

    if (options.mode === 'Active' && options.permissions) {
      const check = await options.permissions.checkXRayWrite(fn.role)
      if (options.permissions.wasAttached(fn.role)) result.policyAttached = true
      if ((check.verdict === 'missing' || check.verdict === 'partial') && options.attachPolicy) {
        try {
          if (await options.permissions.attachXRayWritePolicy(fn.role)) options.journal?.recordAttachment(fn.role, xrayWritePolicyArn(fn.role))
          result.policyAttached = true
          result.notes.push(`attached ${XRAY_WRITE_POLICY} to role ${roleNameFromArn(fn.role)}`)
        } catch (error) {
          fail(result, {code: 'ATTACH_FAILED', message: `could not attach ${XRAY_WRITE_POLICY} to role ${roleNameFromArn(fn.role)}: ${mapAwsError(error, {action: 'iam:AttachRolePolicy'}).message}`})
          return
        }
      } else if (check.verdict === 'missing') {
        // Lambda's check names PutTraceSegments; the telemetry records are worth granting with it.
        fail(result, missingPermissionError(fn, `role ${roleNameFromArn(fn.role)} lacks xray:PutTraceSegments${check.missing.length > 1 ? ' (and xray:PutTelemetryRecords)' : ''}`))
        return
      } else if (check.verdict === 'denied') {
        fail(result, {
          code: 'XRAY_PERMISSION_DENIED',
          message: `${check.detail}; attaching a policy would not help`,
          suggestions: [`xtrace doctor ${fn.name}   (shows the statement to change)`],
        })
        return
      } else if (check.verdict === 'partial') {
        result.notes.push(`${check.detail}: traces arrive, the daemon's telemetry records (its health metrics) do not; --attach-policy grants it`)
      } else if (check.verdict === 'unknown') {
        result.notes.push(`could not confirm the role's X-Ray permissions (${check.detail}); Lambda checked them`)
      }
    }

    let revisionId = fn.revisionId
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      if (attempt > MAX_UPDATE_ATTEMPTS) {
        fail(result, {code: 'GAVE_UP', message: `the function kept changing under us (${MAX_UPDATE_ATTEMPTS} attempts)`, suggestions: ['run the command again']})
        return
      }
      try {
        await lambda.send(
          new UpdateFunctionConfigurationCommand({FunctionName: fn.arn, TracingConfig: {Mode: options.mode}, ...(revisionId ? {RevisionId: revisionId} : {})}),
        )
        break
      } catch (error) {
        const name = (error as {name?: string}).name ?? ''
        const message = (error as {message?: string}).message ?? ''
        if (name === 'ResourceConflictException' || name === 'PreconditionFailedException') {
          // Someone (maybe us, earlier) is changing this function: let that settle, then look again.
          if (name === 'ResourceConflictException') {
            try {
              await waitSettled(lambda, fn.arn, options.waitSeconds)
            } catch (waitError) {
              fail(result, waitError as ChangeError)
              return
            }
          }
          if (options.signal.aborted) return // stays "skipped": nothing was changed
          let fresh: FunctionState | undefined
          try {
            fresh = await readFunction(lambda, fn.region, fn.arn)
          } catch (readError) {
            fail(result, readError as ChangeError)
            return
          }
          if (!fresh) {
            fail(result, {code: 'NOT_FOUND', message: 'the function was deleted meanwhile'})
            return
          }
          if (fresh.mode === options.mode) {
            result.status = 'unchanged'
            result.mode = fresh.mode
            result.notes.push(`someone else set ${options.mode} meanwhile`)
            return
          }
          if (fresh.revisionId !== revisionId) result.notes.push('the configuration changed meanwhile; updated on top of the new revision')
          revisionId = fresh.revisionId
          continue
        }
        if (name === 'InvalidParameterValueException' && PERMISSION_REFUSAL.test(message)) {
          if (result.policyAttached && Date.now() - started < options.iamPropagationSeconds * 1000 && !options.signal.aborted) {
            await sleep(Math.min(5000, 500 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random() / 2), options.signal)
            attempt-- // waiting for IAM is not a failed attempt
            continue
          }
          fail(result, missingPermissionError(fn, `Lambda refused: role ${roleNameFromArn(fn.role)} lacks xray:PutTraceSegments${result.policyAttached ? ` (still ${options.iamPropagationSeconds} s after attaching ${XRAY_WRITE_POLICY})` : ''}`))
          return
        }
        const mapped = mapAwsError(error, {action: 'lambda:UpdateFunctionConfiguration'})
        fail(result, {code: mapped.code, message: mapped.message, suggestions: mapped.suggestions})
        return
      }
    }

    // The update is accepted: from here on, the function has changed.
    result.status = 'changed'
    result.changed = true
    result.mode = options.mode
    options.journal?.recordOutcome(fn.arn, 'changed')
    if (!options.wait) {
      result.notes.push('not waited for (--no-wait)')
      return
    }
    let settled: {state: string; reason?: GetFunctionCommandOutput}
    try {
      // Right after the update Lambda always says InProgress: the waiter's first, immediate poll would
      // be a wasted call against the account's quota, so give it the first second.
      await sleep(poll * 1000, options.signal)
      settled = await waitSettled(lambda, fn.arn, options.waitSeconds)
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
    const reason = settled.reason?.Configuration?.LastUpdateStatusReason
    options.journal?.recordOutcome(fn.arn, 'unknown')
    result.changed = false
    fail(result, settled.state === 'FAILURE'
      ? {code: 'UPDATE_FAILED', message: `Lambda reported the update Failed${reason ? `: ${reason}` : ''}`, suggestions: [`xtrace status ${fn.name}`]}
      : {code: 'UPDATE_TIMEOUT', message: `the update was still InProgress after ${options.waitSeconds} s`, suggestions: [`xtrace status ${fn.name}`]})
    // `mode` stays the requested one: Lambda accepted it, whatever it says now.
  }

  const work = plan.map((entry, index) => ({entry, result: results[index]!})).filter(({entry}) => entry.action === 'update')
  let stoppedBy: string | undefined
  await runPool(
    work,
    options.concurrency,
    async ({entry, result}) => {
      try {
        await changeOne(entry, result)
      } catch (error) {
        const mapped = mapAwsError(error, {action: 'lambda:UpdateFunctionConfiguration'})
        fail(result, {code: mapped.code, message: mapped.message, suggestions: mapped.suggestions})
      }
      if (result.status === 'failed' && !result.changed) options.journal?.recordOutcome(entry.fn.arn, 'failed')
      if (result.status === 'failed' && result.error && STOP_CODES.has(result.error.code)) stoppedBy ??= result.error.message
      if (result.status === 'skipped') {
        result.notes.push('not changed: interrupted')
        options.journal?.recordOutcome(entry.fn.arn, 'skipped')
      }
      result.phase = 'done'
      report()
    },
    () => !options.signal.aborted && stoppedBy === undefined,
  )
  for (const result of results) {
    if (result.phase === 'pending') {
      result.notes.push(stoppedBy ? `not started: stopped after "${stoppedBy}"` : 'not started: interrupted')
      result.phase = 'done'
      options.journal?.recordOutcome(result.arn, 'skipped')
    }
  }
  return results
}
