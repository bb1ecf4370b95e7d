import type {RolePermissionReader, XRayWriteCheck} from '../permissions/role.js'
import {mapAwsError} from '../aws/errors.js'
import {roleNameFromArn, XRAY_WRITE_POLICY, xrayWritePolicyArn} from '../permissions/role.js'
import {runPool} from '../util/pool.js'
import type {JournalWriter} from './journal.js'
import type {ChangeError, ChangeResult, PlanEntry} from './plan.js'
import {READ_CONCURRENCY, type FunctionState} from './select.js'

/**
 * The X-Ray permission Lambda demands before it accepts Active tracing: checked for each distinct role
 * before anyone is asked, then again (cached) for each function as it is changed, granted with
 * AWSXRayDaemonWriteAccess only when --attach-policy says so.
 */

/** Each distinct role of the updates, checked once (in its own account's IAM). */
export async function checkRoles(updates: readonly PlanEntry[], readerFor: (fn: FunctionState) => RolePermissionReader): Promise<XRayWriteCheck[]> {
  const byRole = new Map<string, FunctionState>()
  for (const {fn} of updates) if (!byRole.has(fn.role)) byRole.set(fn.role, fn)
  const checks = await runPool([...byRole.values()], READ_CONCURRENCY, (fn) => readerFor(fn).checkXRayWrite(fn.role))
  return checks.filter((check): check is XRayWriteCheck => check !== undefined)
}

/** Roles Lambda would refuse, and (granted too when attaching) roles that only lack the telemetry records. */
export function rolesToAttach(checks: readonly XRayWriteCheck[], attachPolicy: boolean): string[] {
  return checks.filter((check) => check.verdict === 'missing' || (check.verdict === 'partial' && attachPolicy)).map((check) => check.role)
}

export function missingPermissionError(fn: FunctionState, detail: string): ChangeError {
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

/**
 * The function's role may write to X-Ray, or is granted it: undefined when the update may go ahead
 * (notes say what was done or could not be confirmed), the error when Lambda would refuse it.
 */
export async function ensureXRayWrite(
  fn: FunctionState,
  result: ChangeResult,
  options: {permissions: RolePermissionReader; attachPolicy: boolean; journal?: JournalWriter},
): Promise<ChangeError | undefined> {
  const {permissions} = options
  const role = roleNameFromArn(fn.role)
  const check = await permissions.checkXRayWrite(fn.role)
  if (permissions.wasAttached(fn.role)) result.policyAttached = true
  if ((check.verdict === 'missing' || check.verdict === 'partial') && options.attachPolicy) {
    try {
      if (await permissions.attachXRayWritePolicy(fn.role)) options.journal?.recordAttachment(fn.role, xrayWritePolicyArn(fn.role))
    } catch (error) {
      return {code: 'ATTACH_FAILED', message: `could not attach ${XRAY_WRITE_POLICY} to role ${role}: ${mapAwsError(error, {action: 'iam:AttachRolePolicy'}).message}`}
    }
    result.policyAttached = true
    result.notes.push(`attached ${XRAY_WRITE_POLICY} to role ${role}`)
    return undefined
  }
  switch (check.verdict) {
    case 'missing':
      // Lambda's check names PutTraceSegments; the telemetry records are worth granting with it.
      return missingPermissionError(fn, `role ${role} lacks xray:PutTraceSegments${check.missing.length > 1 ? ' (and xray:PutTelemetryRecords)' : ''}`)
    case 'denied':
      return {code: 'XRAY_PERMISSION_DENIED', message: `${check.detail}; attaching a policy would not help`, suggestions: [`xtrace doctor ${fn.name}   (shows the statement to change)`]}
    case 'partial':
      result.notes.push(`${check.detail}: traces arrive, the daemon's telemetry records (its health metrics) do not; --attach-policy grants it`)
      return undefined
    case 'unknown':
      result.notes.push(`could not confirm the role's X-Ray permissions (${check.detail}); Lambda checked them`)
      return undefined
    default:
      return undefined
  }
}
