import type {LambdaClient} from '@aws-sdk/client-lambda'

import {mapAwsError} from '../aws/errors.js'
import {NotSentError, unsentIfAborted} from '../aws/pacing.js'
import {sleep} from '../util/sleep.js'
import {missingPermissionError} from './grant.js'
import {roleNameFromArn, XRAY_WRITE_POLICY} from '../permissions/role.js'
import type {ChangeError} from './plan.js'
import type {TracingMode} from './refs.js'
import {type FunctionState, readFunction} from './select.js'
import {waitUntilSettled} from './settle.js'

/**
 * One UpdateFunctionConfiguration of TracingConfig.Mode, with what is worth retrying retried: the
 * update carries the RevisionId last read, so it never lands on a configuration it has not seen; "an
 * update is in progress" waits for that one to settle, a moved revision is read again, and after a
 * policy was attached Lambda's permission refusal is retried while IAM propagates. Throttling is the
 * SDK's (and the pacing's) business, not this loop's.
 */

export type UpdateOutcome =
  | {kind: 'updated'}
  /** Someone else set the mode meanwhile. */
  | {kind: 'already'}
  | {kind: 'failed'; error: ChangeError}
  /** Ctrl-C before the update went out: nothing changed. */
  | {kind: 'interrupted'}

export interface UpdateOptions {
  signal: AbortSignal
  /** How long another update in progress is waited for. */
  waitSeconds: number
  pollSeconds: number
  /** Whether the role's policy was just attached: Lambda's refusal is then retried for `iamPropagationSeconds`. */
  policyAttached: boolean
  iamPropagationSeconds: number
  /** Notes for the person reading the result. */
  notes: string[]
}

export const MAX_UPDATE_ATTEMPTS = 8
const PERMISSION_REFUSAL = /does not have permissions to call PutTraceSegments/i

/** Seconds Lambda's permission refusal is retried after attaching the policy (IAM is eventually consistent). */
export function iamPropagationSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number.parseInt(env.XTRACE_IAM_PROPAGATION_SECONDS ?? '', 10)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : 60
}

function asChangeError(error: unknown): ChangeError {
  const mapped = mapAwsError(error, {action: 'lambda:GetFunction'})
  return {code: mapped.code, message: mapped.message, suggestions: mapped.suggestions}
}

export async function updateTracing(lambda: LambdaClient, fn: FunctionState, mode: TracingMode, options: UpdateOptions): Promise<UpdateOutcome> {
  const {UpdateFunctionConfigurationCommand} = await import('@aws-sdk/client-lambda')
  let revisionId = fn.revisionId
  const started = Date.now()
  for (let attempt = 1; ; attempt++) {
    if (attempt > MAX_UPDATE_ATTEMPTS) {
      return {kind: 'failed', error: {code: 'GAVE_UP', message: `the function kept changing under us (${MAX_UPDATE_ATTEMPTS} attempts)`, suggestions: ['run the command again']}}
    }
    try {
      // Stopped (first Ctrl-C) while waiting for its turn under the quota: the update is not sent at all.
      const update = new UpdateFunctionConfigurationCommand({FunctionName: fn.arn, TracingConfig: {Mode: mode}, ...(revisionId ? {RevisionId: revisionId} : {})})
      await lambda.send(unsentIfAborted(update, options.signal))
      return {kind: 'updated'}
    } catch (error) {
      if (error instanceof NotSentError) return {kind: 'interrupted'}
      const name = (error as {name?: string}).name ?? ''
      const message = (error as {message?: string}).message ?? ''
      if (name === 'ResourceConflictException' || name === 'PreconditionFailedException') {
        // Someone (maybe us, earlier) is changing this function: let that settle, then look again.
        if (name === 'ResourceConflictException') {
          try {
            await waitUntilSettled(lambda, fn.arn, {seconds: options.waitSeconds, pollSeconds: options.pollSeconds, signal: options.signal})
          } catch (waitError) {
            return {kind: 'failed', error: asChangeError(waitError)}
          }
        }
        if (options.signal.aborted) return {kind: 'interrupted'}
        let fresh: FunctionState | undefined
        try {
          fresh = await readFunction(lambda, fn.region, fn.arn)
        } catch (readError) {
          return {kind: 'failed', error: asChangeError(readError)}
        }
        if (!fresh) return {kind: 'failed', error: {code: 'NOT_FOUND', message: 'the function was deleted meanwhile'}}
        if (fresh.mode === mode) {
          options.notes.push(`someone else set ${mode} meanwhile`)
          return {kind: 'already'}
        }
        if (fresh.revisionId !== revisionId) options.notes.push('the configuration changed meanwhile; updated on top of the new revision')
        revisionId = fresh.revisionId
        continue
      }
      if (name === 'InvalidParameterValueException' && PERMISSION_REFUSAL.test(message)) {
        if (options.policyAttached && Date.now() - started < options.iamPropagationSeconds * 1000 && !options.signal.aborted) {
          await sleep(Math.min(5000, 500 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random() / 2), options.signal)
          attempt-- // waiting for IAM is not a failed attempt
          continue
        }
        const role = roleNameFromArn(fn.role)
        return {
          kind: 'failed',
          error: missingPermissionError(fn, `Lambda refused: role ${role} lacks xray:PutTraceSegments${options.policyAttached ? ` (still ${options.iamPropagationSeconds} s after attaching ${XRAY_WRITE_POLICY})` : ''}`),
        }
      }
      const mapped = mapAwsError(error, {action: 'lambda:UpdateFunctionConfiguration'})
      return {kind: 'failed', error: {code: mapped.code, message: mapped.message, suggestions: mapped.suggestions}}
    }
  }
}
