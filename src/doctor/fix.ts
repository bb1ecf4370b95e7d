import {XRAY_WRITE_POLICY, xrayWritePolicyArn} from '../permissions/role.js'
import type {RolePermissionReader} from '../permissions/role.js'
import {sanitize} from '../render/sanitize.js'
import {applyPlan, type ChangeResult, iamPropagationSeconds, initialResults, planChange} from '../tracing/apply.js'
import type {JournalWriter} from '../tracing/journal.js'
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
  options: {reader: RolePermissionReader; journal: JournalWriter; lambdaFor: Parameters<typeof applyPlan>[2]['lambdaFor']; concurrency: number; signal: AbortSignal},
): Promise<{outcomes: FixOutcome[]; results: ChangeResult[]}> {
  const outcomes: FixOutcome[] = []
  for (const {role} of plan.attach) {
    if (options.signal.aborted) {
      outcomes.push({action: 'attach-policy', target: role, status: 'skipped'})
      continue
    }
    try {
      if (await options.reader.attachXRayWritePolicy(role)) options.journal.recordAttachment(role, xrayWritePolicyArn(role))
      outcomes.push({action: 'attach-policy', target: role, status: 'done'})
    } catch (error) {
      outcomes.push({action: 'attach-policy', target: role, status: 'failed', error: sanitize((error as Error).message)})
    }
  }
  const changes = planChange(plan.enable, 'Active')
  const results = initialResults(changes, 'Active')
  await applyPlan(changes, results, {
    mode: 'Active',
    lambdaFor: options.lambdaFor,
    permissions: options.reader,
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

export function describePlan(plan: FixPlan): string[] {
  const lines: string[] = []
  for (const {role, functions} of plan.attach) {
    lines.push(`attach ${XRAY_WRITE_POLICY} to role ${sanitize(role.split('/').pop() ?? role)} (for ${functions.slice(0, 3).map(sanitize).join(', ')}${functions.length > 3 ? `, and ${functions.length - 3} more` : ''})`)
  }
  for (const fn of plan.enable) lines.push(`set ${sanitize(fn.name)}${fn.region ? ` (${fn.region})` : ''} to Active tracing`)
  return lines
}
