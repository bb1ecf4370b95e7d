import type {IAMClient} from '@aws-sdk/client-iam'

import {mapAwsError} from '../aws/errors.js'
import {sanitize} from '../render/sanitize.js'
import {type ActionDecision, evaluateActions, parsePolicyDocument, type PolicySource, XRAY_WRITE_ACTIONS} from './policy.js'

/**
 * Reads an execution role's policies from IAM and answers "may it write to X-Ray?". One reader
 * serves a whole run: each role is read once and each managed policy document fetched once, however
 * many functions share them (thousands of functions usually share a handful of roles).
 */

export type XRayWriteVerdict =
  /** Every required action is allowed. */
  | 'allowed'
  /** Nothing grants them: attaching AWSXRayDaemonWriteAccess fixes it. */
  | 'missing'
  /** An explicit Deny or the permissions boundary blocks them: attaching a policy would not help. */
  | 'denied'
  /** Conditions, resource-scoped statements, unreadable policies, IAM reads refused. */
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

export interface RoleSources {
  roleName: string
  exists: boolean
  sources: PolicySource[]
  /** The role's trust policy, for `doctor`. */
  trustPolicy?: unknown
}

export const XRAY_WRITE_POLICY = 'AWSXRayDaemonWriteAccess'

/** `arn:aws:iam::123456789012:role/service-role/name` → `name` (IAM's calls take the name, not the path). */
export function roleNameFromArn(roleArn: string): string {
  const resource = roleArn.split(':').slice(5).join(':')
  return resource.startsWith('role/') ? (resource.split('/').pop() ?? resource) : roleArn
}

/** `aws`, `aws-cn`, `aws-us-gov`… taken from any ARN. */
export function partitionOf(arn: string): string {
  return /^arn:([^:]+):/.exec(arn)?.[1] ?? 'aws'
}

/** The AWS managed policy that grants Lambda's X-Ray writes, in the role's partition. */
export function xrayWritePolicyArn(roleArn: string): string {
  return `arn:${partitionOf(roleArn)}:iam::aws:policy/${XRAY_WRITE_POLICY}`
}

export class RolePermissionReader {
  private readonly roles = new Map<string, Promise<RoleSources>>()
  private readonly policies = new Map<string, Promise<unknown>>()
  private readonly attachments = new Map<string, Promise<void>>()

  constructor(private readonly iam: IAMClient) {}

  /** The role's identity policies and boundary, read once per role. */
  sourcesOf(roleArn: string): Promise<RoleSources> {
    let pending = this.roles.get(roleArn)
    if (!pending) {
      pending = this.readRole(roleArn)
      this.roles.set(roleArn, pending)
    }
    return pending
  }

  async checkXRayWrite(roleArn: string): Promise<XRayWriteCheck> {
    const role = roleNameFromArn(roleArn)
    let sources: RoleSources
    try {
      sources = await this.sourcesOf(roleArn)
    } catch (error) {
      const mapped = mapAwsError(error, {action: 'iam:GetRole'})
      return {role, verdict: 'unknown', missing: [...XRAY_WRITE_ACTIONS], detail: `could not read role ${sanitize(role)}: ${mapped.message}`, decisions: []}
    }
    if (!sources.exists) {
      return {role, verdict: 'denied', missing: [...XRAY_WRITE_ACTIONS], detail: `role ${sanitize(role)} does not exist`, decisions: []}
    }
    return verdictFor(role, evaluateActions(sources.sources, XRAY_WRITE_ACTIONS))
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
    const iam = await import('@aws-sdk/client-iam')
    const roleName = roleNameFromArn(roleArn)
    let boundaryArn: string | undefined
    let trustPolicy: unknown
    try {
      const {Role} = await this.iam.send(new iam.GetRoleCommand({RoleName: roleName}))
      boundaryArn = Role?.PermissionsBoundary?.PermissionsBoundaryArn
      if (Role?.AssumeRolePolicyDocument) trustPolicy = parsePolicyDocument(Role.AssumeRolePolicyDocument)
    } catch (error) {
      if ((error as {name?: string}).name === 'NoSuchEntityException') return {roleName, exists: false, sources: []}
      throw mapAwsError(error, {action: 'iam:GetRole'})
    }

    const sources: PolicySource[] = []
    try {
      for await (const page of iam.paginateListAttachedRolePolicies({client: this.iam}, {RoleName: roleName})) {
        for (const attached of page.AttachedPolicies ?? []) {
          if (!attached.PolicyArn) continue
          const document = await this.managedDocument(attached.PolicyArn)
          sources.push({kind: 'managed', label: `managed policy ${attached.PolicyName ?? attached.PolicyArn}`, document})
        }
      }
    } catch (error) {
      throw mapAwsError(error, {action: 'iam:ListAttachedRolePolicies'})
    }
    try {
      for await (const page of iam.paginateListRolePolicies({client: this.iam}, {RoleName: roleName})) {
        for (const policyName of page.PolicyNames ?? []) {
          const {PolicyDocument} = await this.iam.send(new iam.GetRolePolicyCommand({RoleName: roleName, PolicyName: policyName}))
          sources.push({kind: 'inline', label: `inline policy ${policyName}`, document: parsePolicyDocument(PolicyDocument ?? '{}')})
        }
      }
    } catch (error) {
      throw mapAwsError(error, {action: 'iam:GetRolePolicy'})
    }
    if (boundaryArn) {
      sources.push({kind: 'boundary', label: `permissions boundary ${boundaryArn.split('/').pop()}`, document: await this.managedDocument(boundaryArn)})
    }
    return {roleName, exists: true, sources, ...(trustPolicy === undefined ? {} : {trustPolicy})}
  }

  /** A managed policy's default version, fetched once per policy ARN. */
  private managedDocument(policyArn: string): Promise<unknown> {
    let pending = this.policies.get(policyArn)
    if (!pending) {
      pending = (async () => {
        const iam = await import('@aws-sdk/client-iam')
        try {
          const {Policy} = await this.iam.send(new iam.GetPolicyCommand({PolicyArn: policyArn}))
          const {PolicyVersion} = await this.iam.send(
            new iam.GetPolicyVersionCommand({PolicyArn: policyArn, VersionId: Policy?.DefaultVersionId ?? 'v1'}),
          )
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

export function verdictFor(role: string, decisions: ActionDecision[]): XRayWriteCheck {
  const notAllowed = decisions.filter((d) => d.decision !== 'allowed')
  const missing = notAllowed.map((d) => d.action)
  const name = sanitize(role)
  if (notAllowed.length === 0) {
    return {role, verdict: 'allowed', missing, detail: `role ${name} allows ${decisions.map((d) => d.action).join(' and ')}`, decisions}
  }
  const denied = notAllowed.filter((d) => d.decision === 'denied')
  if (denied.length > 0) {
    return {role, verdict: 'denied', missing, detail: `role ${name}: ${denied[0]!.action} is denied by ${sanitize(denied[0]!.because.join(', '))}`, decisions}
  }
  const conditional = notAllowed.filter((d) => d.decision === 'conditional')
  if (conditional.length > 0) {
    return {
      role,
      verdict: 'unknown',
      missing,
      detail: `role ${name}: ${conditional[0]!.action} depends on conditions or resources in ${sanitize(conditional[0]!.because.join(', '))}`,
      decisions,
    }
  }
  return {role, verdict: 'missing', missing, detail: `role ${name} lacks ${missing.join(' and ')}`, decisions}
}
