import type {IAMClient} from '@aws-sdk/client-iam'

import {mapAwsError} from '../aws/errors.js'
import {listSome} from '../text/list.js'
import {sanitize} from '../text/sanitize.js'
import {type ActionDecision, evaluateActions, parsePolicyDocument, type PolicySource, type RequestContext, XRAY_WRITE_ACTIONS} from './policy.js'

/**
 * Reads an execution role's policies from IAM and answers "may it write to X-Ray?". One reader
 * serves a whole run: each role is read once and each managed policy document fetched once, however
 * many functions share them (thousands of functions usually share a handful of roles).
 *
 * Each IAM read stands alone: a refused GetPolicyVersion leaves the role's existence and trust
 * decided and the other policies read; what could not be read is named, and only the answers that
 * depend on it stay open.
 */

export type XRayWriteVerdict =
  /** Every required action is allowed. */
  | 'allowed'
  /** PutTraceSegments is allowed, PutTelemetryRecords is not: traces arrive, the daemon's health metrics do not. */
  | 'partial'
  /** Nothing grants PutTraceSegments: attaching AWSXRayDaemonWriteAccess fixes it. */
  | 'missing'
  /** An explicit Deny or the permissions boundary blocks PutTraceSegments: attaching a policy would not help. */
  | 'denied'
  /** Conditions that depend on the request, unreadable policies, IAM reads refused. */
  | 'unknown'

export interface XRayWriteCheck {
  role: string
  verdict: XRayWriteVerdict
  /** Required actions that are not (certainly) allowed. */
  missing: string[]
  /** One line for a person: why this verdict. */
  detail: string
  decisions: ActionDecision[]
}

export interface UnreadPolicy {
  label: string
  kind: PolicySource['kind']
  /** Why: the mapped error message. */
  why: string
}

export interface RoleSources {
  roleName: string
  roleArn: string
  /** false: IAM says there is no such role; undefined: GetRole itself was refused. */
  exists: boolean | undefined
  sources: PolicySource[]
  /** Policies that exist (or may) but could not be read. */
  unreadable: UnreadPolicy[]
  /** Why GetRole failed, when it did. */
  roleError?: string
  /** The role's trust policy, for `doctor`. */
  trustPolicy?: unknown
  /** The role's tags (aws:PrincipalTag/…), known when GetRole answered. */
  tags?: Record<string, string>
}

export const XRAY_WRITE_POLICY = 'AWSXRayDaemonWriteAccess'
export const [PUT_TRACE_SEGMENTS, PUT_TELEMETRY_RECORDS] = XRAY_WRITE_ACTIONS

/** `arn:aws:iam::123456789012:role/service-role/name` → `name` (IAM's calls take the name, not the path). */
export function roleNameFromArn(roleArn: string): string {
  const resource = roleArn.split(':').slice(5).join(':')
  return resource.startsWith('role/') ? (resource.split('/').pop() ?? resource) : roleArn
}

/** `aws`, `aws-cn`, `aws-us-gov`… taken from any ARN. */
export function partitionOf(arn: string): string {
  return /^arn:([^:]+):/.exec(arn)?.[1] ?? 'aws'
}

/** The account of an ARN (its fifth field). */
export function accountOf(arn: string): string | undefined {
  return /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1]
}

/** The AWS managed policy that grants Lambda's X-Ray writes, in the role's partition. */
export function xrayWritePolicyArn(roleArn: string): string {
  return `arn:${partitionOf(roleArn)}:iam::aws:policy/${XRAY_WRITE_POLICY}`
}

/** The function a request comes from, when the check is for one. */
export interface CallingFunction {
  arn: string
  region: string
}

/**
 * What IAM will know when the X-Ray daemon in the function's sandbox calls X-Ray with the role's
 * credentials: the role as an assumed-role principal, HTTPS, the function's region and ARN
 * (`lambda:SourceFunctionArn`, which Lambda adds to its execution-role sessions), the role's tags.
 * Anything else (source IP, VPC, organisation, time) stays unknown.
 */
export function daemonRequestContext(roleArn: string, sources: Pick<RoleSources, 'tags'> | undefined, fn?: CallingFunction): RequestContext {
  const keys: Record<string, string[] | null> = {
    'aws:PrincipalArn': [roleArn],
    'aws:PrincipalType': ['AssumedRole'],
    'aws:SecureTransport': ['true'],
    'aws:PrincipalIsAWSService': ['false'],
    'aws:ViaAWSService': ['false'],
  }
  const account = accountOf(roleArn)
  if (account) keys['aws:PrincipalAccount'] = [account]
  if (fn) {
    keys['aws:RequestedRegion'] = [fn.region]
    keys['lambda:SourceFunctionArn'] = [fn.arn]
  }
  const context: RequestContext = {resource: '*', keys}
  if (sources?.tags) {
    for (const [key, value] of Object.entries(sources.tags)) keys[`aws:PrincipalTag/${key}`] = [value]
    context.absentPrefixes = ['aws:PrincipalTag/']
  }
  return context
}

export class RolePermissionReader {
  private readonly roles = new Map<string, Promise<RoleSources>>()
  private readonly policies = new Map<string, Promise<unknown>>()
  private readonly attachments = new Map<string, Promise<void>>()

  constructor(private readonly iam: IAMClient) {}

  /** The role's identity policies and boundary, read once per role. Never throws: what failed is in the answer. */
  sourcesOf(roleArn: string): Promise<RoleSources> {
    let pending = this.roles.get(roleArn)
    if (!pending) {
      pending = this.readRole(roleArn)
      this.roles.set(roleArn, pending)
    }
    return pending
  }

  async checkXRayWrite(roleArn: string, fn?: CallingFunction): Promise<XRayWriteCheck> {
    const role = roleNameFromArn(roleArn)
    const sources = await this.sourcesOf(roleArn)
    if (sources.exists === false) {
      return {role, verdict: 'denied', missing: [...XRAY_WRITE_ACTIONS], detail: `role ${sanitize(role)} does not exist`, decisions: []}
    }
    const check = verdictFor(role, evaluateRoleWrites(sources, fn))
    if (check.verdict === 'unknown' && sources.exists === undefined && sources.sources.length === 0) {
      // Nothing at all could be read: say so plainly.
      return {...check, detail: `could not read role ${sanitize(role)}: ${sources.roleError ?? 'IAM refused the reads'}`}
    }
    return check
  }

  /** Whether this run attached (or is attaching) the X-Ray policy to the role: IAM may still be propagating it. */
  wasAttached(roleArn: string): boolean {
    return this.attachments.has(roleArn)
  }

  /**
   * Attaches AWSXRayDaemonWriteAccess once per role, however many functions ask; resolves true for
   * the one caller that made the attachment.
   */
  async attachXRayWritePolicy(roleArn: string): Promise<boolean> {
    let pending = this.attachments.get(roleArn)
    const first = !pending
    if (!pending) {
      pending = (async () => {
        const {AttachRolePolicyCommand} = await import('@aws-sdk/client-iam')
        try {
          await this.iam.send(new AttachRolePolicyCommand({RoleName: roleNameFromArn(roleArn), PolicyArn: xrayWritePolicyArn(roleArn)}))
        } catch (error) {
          throw mapAwsError(error, {action: 'iam:AttachRolePolicy'})
        }
        // What IAM now says is no longer what we cached.
        this.roles.delete(roleArn)
      })()
      this.attachments.set(roleArn, pending)
    }
    await pending
    return first
  }

  private async readRole(roleArn: string): Promise<RoleSources> {
    const {GetRoleCommand, GetRolePolicyCommand, paginateListAttachedRolePolicies, paginateListRolePolicies} = await import('@aws-sdk/client-iam')
    const roleName = roleNameFromArn(roleArn)
    const found: RoleSources = {roleName, roleArn, exists: undefined, sources: [], unreadable: []}
    let boundaryArn: string | undefined
    try {
      const {Role} = await this.iam.send(new GetRoleCommand({RoleName: roleName}))
      found.exists = true
      boundaryArn = Role?.PermissionsBoundary?.PermissionsBoundaryArn
      if (Role?.AssumeRolePolicyDocument) found.trustPolicy = parsePolicyDocument(Role.AssumeRolePolicyDocument)
      found.tags = Object.fromEntries((Role?.Tags ?? []).filter((tag) => tag.Key).map((tag) => [tag.Key!, tag.Value ?? '']))
    } catch (error) {
      if ((error as {name?: string}).name === 'NoSuchEntityException') return {...found, exists: false}
      found.roleError = mapAwsError(error, {action: 'iam:GetRole'}).message
      // Without GetRole the boundary is unknown: it might limit what the policies allow.
      found.unreadable.push({label: 'the permissions boundary, if any', kind: 'boundary', why: found.roleError})
    }

    try {
      for await (const page of paginateListAttachedRolePolicies({client: this.iam}, {RoleName: roleName})) {
        for (const attached of page.AttachedPolicies ?? []) {
          if (!attached.PolicyArn) continue
          const label = `managed policy ${attached.PolicyName ?? attached.PolicyArn}`
          try {
            found.sources.push({kind: 'managed', label, document: await this.managedDocument(attached.PolicyArn)})
          } catch (error) {
            found.unreadable.push({label, kind: 'managed', why: (error as Error).message})
          }
        }
      }
    } catch (error) {
      found.unreadable.push({label: 'the attached managed policies', kind: 'managed', why: mapAwsError(error, {action: 'iam:ListAttachedRolePolicies'}).message})
    }
    try {
      for await (const page of paginateListRolePolicies({client: this.iam}, {RoleName: roleName})) {
        for (const policyName of page.PolicyNames ?? []) {
          const label = `inline policy ${policyName}`
          try {
            const {PolicyDocument} = await this.iam.send(new GetRolePolicyCommand({RoleName: roleName, PolicyName: policyName}))
            found.sources.push({kind: 'inline', label, document: parsePolicyDocument(PolicyDocument ?? '{}')})
          } catch (error) {
            found.unreadable.push({label, kind: 'inline', why: mapAwsError(error, {action: 'iam:GetRolePolicy'}).message})
          }
        }
      }
    } catch (error) {
      found.unreadable.push({label: 'the inline policies', kind: 'inline', why: mapAwsError(error, {action: 'iam:ListRolePolicies'}).message})
    }
    if (boundaryArn) {
      const label = `permissions boundary ${boundaryArn.split('/').pop()}`
      try {
        found.sources.push({kind: 'boundary', label, document: await this.managedDocument(boundaryArn)})
      } catch (error) {
        found.unreadable.push({label, kind: 'boundary', why: (error as Error).message})
      }
    }
    return found
  }

  /** A managed policy's default version, fetched once per policy ARN. */
  private managedDocument(policyArn: string): Promise<unknown> {
    let pending = this.policies.get(policyArn)
    if (!pending) {
      pending = (async () => {
        const {GetPolicyCommand, GetPolicyVersionCommand} = await import('@aws-sdk/client-iam')
        let versionId: string | undefined
        try {
          versionId = (await this.iam.send(new GetPolicyCommand({PolicyArn: policyArn}))).Policy?.DefaultVersionId
        } catch (error) {
          throw mapAwsError(error, {action: 'iam:GetPolicy'})
        }
        try {
          const {PolicyVersion} = await this.iam.send(new GetPolicyVersionCommand({PolicyArn: policyArn, VersionId: versionId ?? 'v1'}))
          return parsePolicyDocument(PolicyVersion?.Document ?? '{}')
        } catch (error) {
          throw mapAwsError(error, {action: 'iam:GetPolicyVersion'})
        }
      })()
      this.policies.set(policyArn, pending)
    }
    return pending
  }
}

/** The X-Ray write decisions for a role as read, for a request from `fn` (or any function). */
export function evaluateRoleWrites(sources: RoleSources, fn?: CallingFunction, extra: PolicySource[] = []): ActionDecision[] {
  return evaluateActions([...sources.sources, ...extra], XRAY_WRITE_ACTIONS, {
    context: daemonRequestContext(sources.roleArn, sources, fn),
    unreadable: sources.unreadable,
  })
}

function decisionOf(decisions: ActionDecision[], action: string): ActionDecision {
  return decisions.find((d) => d.action === action) ?? {action, decision: 'missing', because: []}
}

/** Why a decision is open, for a person: the first few undecided things. */
export function openReasons(decision: ActionDecision): string {
  const reasons = [...new Set(decision.undecided ?? decision.because)]
  return sanitize(listSome(reasons, 3, {separator: '; '}))
}

/**
 * The verdict Lambda and the daemon care about. Lambda checks PutTraceSegments when Active tracing
 * is set (its refusal names only that action), so it decides the verdict; PutTelemetryRecords only
 * carries the daemon's own health metrics, and lacking it makes the verdict `partial`, not missing.
 */
export function verdictFor(role: string, decisions: ActionDecision[]): XRayWriteCheck {
  const notAllowed = decisions.filter((d) => d.decision !== 'allowed')
  const missing = notAllowed.map((d) => d.action)
  const name = sanitize(role)
  const segments = decisionOf(decisions, PUT_TRACE_SEGMENTS)
  const telemetry = decisionOf(decisions, PUT_TELEMETRY_RECORDS)
  if (notAllowed.length === 0) {
    return {role, verdict: 'allowed', missing, detail: `role ${name} allows ${decisions.map((d) => d.action).join(' and ')}`, decisions}
  }
  switch (segments.decision) {
    case 'denied': {
      const limit = segments.because.filter((why) => why.endsWith(' does not allow it')).map((why) => why.slice(0, -' does not allow it'.length))
      const detail = limit.length > 0 ? `role ${name}: its ${sanitize(limit.join(', '))} does not allow ${segments.action}` : `role ${name}: ${segments.action} is denied by ${sanitize(segments.because.join(', '))}`
      return {role, verdict: 'denied', missing, detail, decisions}
    }
    case 'conditional':
      return {role, verdict: 'unknown', missing, detail: `role ${name}: whether it may call ${segments.action} depends on ${openReasons(segments)}`, decisions}
    case 'missing':
      return {role, verdict: 'missing', missing, detail: `role ${name} lacks ${missing.join(' and ')}`, decisions}
    default: {
      const how = telemetry.decision === 'denied' ? `is denied ${telemetry.action} by ${sanitize(telemetry.because.join(', '))}` : telemetry.decision === 'conditional' ? `may not be allowed ${telemetry.action} (it depends on ${openReasons(telemetry)})` : `lacks ${telemetry.action}`
      return {role, verdict: 'partial', missing, detail: `role ${name} allows ${segments.action} but ${how}`, decisions}
    }
  }
}
