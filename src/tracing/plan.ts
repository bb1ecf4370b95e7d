import {sanitize} from '../text/sanitize.js'
import type {TracingMode} from './refs.js'
import type {FunctionState} from './select.js'

/**
 * The plan of a change of tracing mode and the result of each function in it. Planning is pure;
 * every function of the plan has a result from the start (skipped until it is done), so a run cut
 * short still reports all of them.
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
  account: string
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

function initialResult(entry: PlanEntry, mode: TracingMode): ChangeResult {
  const unchanged = entry.action === 'unchanged'
  return {
    function: entry.fn.name,
    arn: entry.fn.arn,
    account: entry.fn.account,
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

/** Marks a result failed; the message may quote AWS, which may quote anything: it is made safe here. */
export function fail(result: ChangeResult, error: ChangeError): void {
  result.status = 'failed'
  result.error = {...error, message: sanitize(error.message)}
}
