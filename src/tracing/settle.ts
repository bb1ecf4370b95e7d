import type {LambdaClient} from '@aws-sdk/client-lambda'

import {onCallFailure} from '../aws/call-context.js'
import {mapAwsError} from '../aws/errors.js'

/**
 * Waiting for an update to settle, with the SDK's FunctionUpdatedV2 waiter (GetFunction, on its own
 * quota of 100 a second, until LastUpdateStatus leaves InProgress). The waiter takes every error for
 * "not yet" and polls on until its time is up; a refusal that no retry can cure (access denied, the
 * function deleted, credentials gone) stops it at once through its own abortSignal, as does Ctrl-C.
 */

export interface Settled {
  state: 'SUCCESS' | 'FAILURE' | 'TIMEOUT' | 'ABORTED'
  /** LastUpdateStatusReason, when Lambda gave one. */
  reason?: string
}

/** First wait and shortest poll interval while an update settles (XTRACE_POLL_SECONDS; default 1, Lambda's pace). */
export function pollSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number.parseFloat(env.XTRACE_POLL_SECONDS ?? '')
  return Number.isFinite(seconds) && seconds > 0 && seconds <= 60 ? seconds : 1
}

/** Errors worth polling through: the waiter's "not yet" for a busy or briefly unreachable service. */
const PASSING = /Throttl|TooManyRequests|ServiceException|ServiceUnavailable|Timeout|InternalFailure/i

/**
 * Waits until the function's last update is no longer InProgress, at most `seconds`. Throws (an
 * XtraceError) when a read is refused for good; `signal` aborting ends it with ABORTED.
 */
export async function waitUntilSettled(lambda: LambdaClient, arn: string, options: {seconds: number; pollSeconds: number; signal: AbortSignal}): Promise<Settled> {
  const {waitForFunctionUpdatedV2} = await import('@aws-sdk/client-lambda')
  const controller = new AbortController()
  let fatal: unknown
  const stopListening = onCallFailure(lambda, (error, call) => {
    if (call.commandName !== 'GetFunctionCommand' || (call.input as {FunctionName?: string} | undefined)?.FunctionName !== arn) return
    if (PASSING.test((error as {name?: string}).name ?? '')) return
    fatal ??= error
    controller.abort()
  })
  const stop = () => controller.abort()
  options.signal.addEventListener('abort', stop, {once: true})
  if (options.signal.aborted) controller.abort()
  try {
    const poll = options.pollSeconds
    // The waiter refuses a budget that is not above its first delay.
    const outcome = await waitForFunctionUpdatedV2(
      {client: lambda, maxWaitTime: Math.max(options.seconds, poll + 1), minDelay: poll, maxDelay: Math.max(5, poll), abortSignal: controller.signal},
      {FunctionName: arn},
    )
    if (fatal) throw mapAwsError(fatal, {action: 'lambda:GetFunction'})
    const reason = (outcome.reason as {Configuration?: {LastUpdateStatusReason?: string}} | undefined)?.Configuration?.LastUpdateStatusReason
    return {state: outcome.state as Settled['state'], ...(reason ? {reason} : {})}
  } finally {
    stopListening()
    options.signal.removeEventListener('abort', stop)
  }
}
