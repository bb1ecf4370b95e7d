import {driftWarning} from '../iac/drift.js'
import {isManaged} from '../iac/managed.js'
import {type ManagedFunction, type StickSnippet, stickSnippets} from '../iac/snippets.js'
import {xrayWritePolicyArn} from '../permissions/role.js'
import type {RolePermissionReader} from '../permissions/role.js'
import {sanitize} from '../text/sanitize.js'
import {applyPlan, type ApplyOptions} from '../tracing/apply.js'
import {type ChangeResult, initialResults, planChange} from '../tracing/plan.js'
import {iamPropagationSeconds} from '../tracing/update.js'
import type {JournalWriter} from '../tracing/journal.js'
import type {TracingMode} from '../tracing/refs.js'
import type {FunctionState} from '../tracing/select.js'
import type {Check} from './checks.js'
import type {DoctorReport} from './run.js'

/**
 * What `doctor --fix` may change, and only that: attach AWSXRayDaemonWriteAccess to roles that lack
 * the X-Ray permissions (nothing else blocks them), and set PassThrough functions Active. An explicit
 * Deny, a permissions boundary, a broken trust policy or a failed update are explained, never changed.
 */

export interface FixPlan {
  /** Role ARN → the functions that need it. */
  attach: {role: string; functions: string[]}[]
  enable: FunctionState[]
  /** Failures a tool must not fix: each with the statement or step to change. */
  manual: Check[]
}

export interface FixOutcome {
  action: 'attach-policy' | 'enable'
  target: string
  /** The account of the role or function. */
  account?: string
  status: 'planned' | 'done' | 'unchanged' | 'failed' | 'skipped'
  error?: string
}

export function planFixes(report: DoctorReport): FixPlan {
  const attach = new Map<string, string[]>()
  const enable: FunctionState[] = []
  const manual: Check[] = []
  for (const item of report.functions) {
    if (item.attachable) attach.set(item.fn.role, [...(attach.get(item.fn.role) ?? []), item.fn.name])
    const canTrace = item.roleWrites || item.attachable
    if (item.fn.mode !== 'Active' && canTrace) enable.push(item.fn)
    for (const failed of item.checks.filter((c) => c.status === 'fail')) {
      if (failed.id === 'role.xray-write' && item.attachable) continue
      manual.push(failed)
    }
  }
  return {attach: [...attach].map(([role, functions]) => ({role, functions})), enable, manual}
}

export function planIsEmpty(plan: FixPlan): boolean {
  return plan.attach.length === 0 && plan.enable.length === 0
}

export async function applyFixes(
  plan: FixPlan,
  options: {reader: RolePermissionReader; journal: JournalWriter; lambdaFor: ApplyOptions['lambdaFor']; concurrency: number; signal: AbortSignal; account?: string},
): Promise<{outcomes: FixOutcome[]; results: ChangeResult[]}> {
  const outcomes: FixOutcome[] = []
  for (const {role} of plan.attach) {
    if (options.signal.aborted) {
      outcomes.push({action: 'attach-policy', target: role, status: 'skipped'})
      continue
    }
    try {
      if (await options.reader.attachXRayWritePolicy(role)) options.journal.recordAttachment(role, xrayWritePolicyArn(role))
      outcomes.push({action: 'attach-policy', target: role, ...(options.account ? {account: options.account} : {}), status: 'done'})
    } catch (error) {
      outcomes.push({action: 'attach-policy', target: role, ...(options.account ? {account: options.account} : {}), status: 'failed', error: sanitize((error as Error).message)})
    }
  }
  const changes = planChange(plan.enable, 'Active')
  const results = initialResults(changes, 'Active')
  await applyPlan(changes, results, {
    mode: 'Active',
    lambdaFor: options.lambdaFor,
    permissionsFor: () => options.reader,
    // Attached above; applyPlan still rides out IAM's propagation for these roles.
    attachPolicy: true,
    concurrency: options.concurrency,
    wait: true,
    waitSeconds: 300,
    iamPropagationSeconds: iamPropagationSeconds(),
    journal: options.journal,
    signal: options.signal,
  })
  for (const result of results) {
    outcomes.push({
      action: 'enable',
      target: result.function,
      ...(options.account ? {account: options.account} : {}),
      status: result.status === 'changed' ? 'done' : result.status,
      ...(result.error ? {error: result.error.message} : {}),
    })
  }
  return {outcomes, results}
}

/** The plan as outcomes not yet attempted, for `--dry-run --json`. */
export function plannedOutcomes(plan: FixPlan): FixOutcome[] {
  return [
    ...plan.attach.map(({role}) => ({action: 'attach-policy' as const, target: role, status: 'planned' as const})),
    ...plan.enable.map((fn) => ({action: 'enable' as const, target: fn.name, status: 'planned' as const})),
  ]
}

/**
 * The template changes that keep what doctor found (a drifted live mode) and what --fix sets (Active):
 * xtrace never edits a template, so these are printed, one per stack.
 */
export function templateChanges(report: DoctorReport, plan: FixPlan): StickSnippet[] {
  const enabling = new Set(plan.enable.map((fn) => fn.arn))
  const byMode = new Map<TracingMode, ManagedFunction[]>()
  for (const item of report.functions) {
    if (!item.managed || !isManaged(item.managed.managedBy)) continue
    const mode: TracingMode = enabling.has(item.fn.arn) ? 'Active' : item.fn.mode
    const drifted = item.checks.some((c) => c.id === 'iac.template' && c.status === 'warn')
    if (!drifted && !(enabling.has(item.fn.arn) && driftWarning(item.fn.name, item.managed, 'Active', item.fn.mode))) continue
    byMode.set(mode, [...(byMode.get(mode) ?? []), {function: item.fn.name, managedBy: item.managed.managedBy}])
  }
  return [...byMode].flatMap(([mode, functions]) => stickSnippets(functions, mode))
}
