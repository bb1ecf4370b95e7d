/**
 * What `xtrace doctor` reports: checks, each with an id, a status, a message for a person and, where
 * there is one, the fix. Pure helpers only.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'unknown'

export interface Check {
  id: string
  status: CheckStatus
  /** Absent for account-wide checks. */
  function?: string
  message: string
  fix?: string
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
