/**
 * What `xtrace doctor` reports: checks, each with an id, a status, a message for a person and, where
 * there is one, the fix. Pure helpers only.
 */

import {compareText} from '../text/compare.js'

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'unknown'

export interface Check {
  id: string
  status: CheckStatus
  /** Absent for account-wide checks. */
  function?: string
  /** With --accounts / --org: the account checked. */
  account?: string
  message: string
  fix?: string
  /** For `unknown`: why it could not be decided, in a few words (the summary counts them). */
  reason?: string
}

export interface DoctorSummary {
  ok: number
  warn: number
  fail: number
  unknown: number
}

export function check(id: string, status: CheckStatus, message: string, fix?: string): Check {
  return {id, status, message, ...(fix ? {fix} : {})}
}

/** A check that could not be decided, and in a few words why. */
export function undecided(id: string, reason: string, message: string, fix?: string): Check {
  return {...check(id, 'unknown', message, fix), reason}
}

export const REASONS = {
  iamRead: 'IAM reads refused',
  conditions: 'conditions xtrace cannot evaluate',
  disagreement: "xtrace and IAM's simulator disagree",
  awsCall: 'an AWS call failed',
  lambdaSilent: 'Lambda did not say',
  traffic: 'more traces than xtrace looked through',
  template: 'templates computed or unreadable',
} as const

/** `--strict`: unknown counts as failed. */
export function failed(summary: DoctorSummary, strict: boolean): boolean {
  return summary.fail > 0 || (strict && summary.unknown > 0)
}

/** Unknown checks counted by reason, most frequent first. */
export function undecidedReasons(checks: readonly Check[]): {reason: string; count: number}[] {
  const counts = new Map<string, number>()
  for (const item of checks) if (item.status === 'unknown') counts.set(item.reason ?? 'not decided', (counts.get(item.reason ?? 'not decided') ?? 0) + 1)
  return [...counts].map(([reason, count]) => ({reason, count})).sort((a, b) => b.count - a.count || compareText(a.reason, b.reason))
}

export function summariseChecks(checks: readonly Check[]): DoctorSummary {
  const summary: DoctorSummary = {ok: 0, warn: 0, fail: 0, unknown: 0}
  for (const item of checks) summary[item.status]++
  return summary
}

/** Lambda's own sampling of Active functions that get no upstream decision (Lambda developer guide). */
export const LAMBDA_SAMPLING = '1 request per second, then 5% of additional requests'

/** The X-Ray daemon in a Lambda sandbox takes 16 MB or 3% of the function's memory, whichever is larger. */
export function daemonMemoryMb(memoryMb: number): number {
  return Math.max(16, Math.round(memoryMb * 0.03))
}
