/**
 * IAM (query/XML) for the local AWS endpoint: roles with attached managed policies and inline
 * policies, enough for permission checks — GetRole, ListAttachedRolePolicies, ListRolePolicies,
 * GetRolePolicy, GetPolicy, GetPolicyVersion, AttachRolePolicy. Policy documents are URL-encoded
 * in the XML, as IAM sends them. Every write is in the request log (tests assert consent on it).
 *
 * Install with `installIam(aws)`; issues 4 and 5 build on it.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {simulate, type SimulationResult} from './iam-simulator.js'
import {queryError, queryReply, type Routes, xmlEscape} from './local-aws.js'

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/'

export interface LocalRole {
  name: string
  arn: string
  assumeRolePolicy: unknown
  attached: string[]
  inline: Map<string, unknown>
  /** Managed policy ARN used as the permissions boundary. */
  boundary?: string
}

export type SimulatedDecision = 'allowed' | 'implicitDeny' | 'explicitDeny'

export interface LocalIam {
  roles: Map<string, LocalRole>
  /** Managed policies by ARN: their default version's document. */
  policies: Map<string, {name: string; document: unknown}>
  addRole(name: string, options?: {attached?: string[]; inline?: Record<string, unknown>; boundary?: string; trust?: unknown}): LocalRole
  /** Adds a customer managed policy; its default version is the last of `versions`. */
  addPolicy(name: string, ...versions: unknown[]): string
  /**
   * SimulatePrincipalPolicy's answer per role and action; undefined makes the call AccessDenied (a
   * caller without iam:SimulatePrincipalPolicy). Default: iam-simulator.ts, a reading of IAM's rules
   * independent of xtrace's evaluator, with the request's ContextEntries and extra PolicyInputList.
   */
  simulate: ((roleArn: string, action: string, request: {context: Record<string, string[]>; extraPolicies: unknown[]}) => SimulatedDecision | SimulationResult) | undefined
  /** When each (role, policy) attachment happened, for simulating IAM's propagation delay. */
  attachedAt: Map<string, number>
  /**
   * A deliberately simple stand-in for Lambda's own check: the role has an X-Ray write grant (the
   * managed policies, or an Allow of xray:PutTraceSegments / xray:* / * in an inline policy), and
   * attachments made through AttachRolePolicy count only `propagationMs` after they were made.
   */
  canWriteXRay(roleArn: string, propagationMs?: number): boolean
}

const MANAGED_DIR = join(import.meta.dirname, '../fixtures/iam')

/** The real AWS managed policy documents (test/fixtures/iam, see SOURCES.md there), by ARN. */
export function managedPolicies(): Map<string, {name: string; document: unknown}> {
  const out = new Map<string, {name: string; document: unknown}>()
  for (const file of readdirSync(MANAGED_DIR).filter((name) => name.endsWith('.json'))) {
    const policy = JSON.parse(readFileSync(join(MANAGED_DIR, file), 'utf8')) as {PolicyName: string; Arn: string; Document: unknown}
    out.set(policy.Arn, {name: policy.PolicyName, document: policy.Document})
  }
  return out
}

function statements(document: unknown): {Effect?: string; Action?: string | string[]; Condition?: unknown}[] {
  const list = (document as {Statement?: unknown}).Statement
  return (Array.isArray(list) ? list : [list]).filter((item) => typeof item === 'object' && item !== null) as never
}

/** Deliberately independent of src/permissions: exact names, `service:*`, `service:Prefix*` and `*` only. */
function mentions(statement: {Action?: string | string[]}, action: string): boolean {
  const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action ?? '']
  return actions.some((pattern) => pattern === '*' || pattern.toLowerCase() === action.toLowerCase() || (pattern.endsWith('*') && action.toLowerCase().startsWith(pattern.slice(0, -1).toLowerCase())))
}

function simpleDecision(documents: unknown[], action: string): SimulatedDecision {
  const all = documents.flatMap(statements)
  if (all.some((s) => s.Effect === 'Deny' && !s.Condition && mentions(s, action))) return 'explicitDeny'
  return all.some((s) => s.Effect === 'Allow' && !s.Condition && mentions(s, action)) ? 'allowed' : 'implicitDeny'
}

function grantsXRayWrite(document: unknown): boolean {
  return simpleDecision([document], 'xray:PutTraceSegments') === 'allowed'
}

const encoded = (document: unknown) => xmlEscape(encodeURIComponent(JSON.stringify(document)))

export const LAMBDA_TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [{Effect: 'Allow', Principal: {Service: 'lambda.amazonaws.com'}, Action: 'sts:AssumeRole'}],
}

export function installIam(aws: Routes, account = '123456789012'): LocalIam {
  const versions = new Map<string, unknown[]>()
  const iam: LocalIam = {
    roles: new Map(),
    policies: managedPolicies(),
    simulate: (roleArn, action, request) => {
      const found = iam.roles.get(roleArn.split('/').pop() ?? '')
      if (!found) return 'implicitDeny'
      const identity = [...found.attached.map((arn) => iam.policies.get(arn)?.document ?? {}), ...found.inline.values(), ...request.extraPolicies]
      return simulate({
        identity,
        ...(found.boundary ? {boundary: iam.policies.get(found.boundary)?.document ?? {}} : {}),
        action,
        context: request.context,
      })
    },
    addPolicy(name, ...documents) {
      const arn = `arn:aws:iam::${account}:policy/${name}`
      versions.set(arn, documents)
      iam.policies.set(arn, {name, document: documents[documents.length - 1]})
      return arn
    },
    attachedAt: new Map(),
    canWriteXRay(roleArn, propagationMs = 0) {
      const found = iam.roles.get(roleArn.split('/').pop() ?? '')
      if (!found) return false
      const settled = (policyArn: string) => Date.now() - (iam.attachedAt.get(`${found.name} ${policyArn}`) ?? 0) >= propagationMs
      return (
        found.attached.some((arn) => settled(arn) && grantsXRayWrite(iam.policies.get(arn)?.document ?? {})) ||
        [...found.inline.values()].some(grantsXRayWrite)
      )
    },
    addRole(name, options = {}) {
      const role: LocalRole = {
        name,
        arn: `arn:aws:iam::${account}:role/${name}`,
        assumeRolePolicy: options.trust ?? LAMBDA_TRUST_POLICY,
        attached: [...(options.attached ?? [])],
        inline: new Map(Object.entries(options.inline ?? {})),
        ...(options.boundary ? {boundary: options.boundary} : {}),
      }
      iam.roles.set(name, role)
      return role
    },
  }
  const role = (params: URLSearchParams) => iam.roles.get(params.get('RoleName') ?? '')
  const noRole = (params: URLSearchParams) =>
    queryError(404, 'NoSuchEntity', `The role with name ${params.get('RoleName') ?? ''} cannot be found.`)

  aws.route('iam', 'GetRole', ({params}) => {
    const found = role(params)
    if (!found) return noRole(params)
    return queryReply(
      'GetRole',
      `<Role><Path>/</Path><RoleName>${xmlEscape(found.name)}</RoleName><RoleId>AROA${found.name.length}XTRACE</RoleId>` +
        `<Arn>${xmlEscape(found.arn)}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>` +
        `<AssumeRolePolicyDocument>${encoded(found.assumeRolePolicy)}</AssumeRolePolicyDocument>` +
        (found.boundary
          ? `<PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType><PermissionsBoundaryArn>${xmlEscape(found.boundary)}</PermissionsBoundaryArn></PermissionsBoundary>`
          : '') +
        '</Role>',
      NS,
    )
  })
  aws.route('iam', 'ListAttachedRolePolicies', ({params}) => {
    const found = role(params)
    if (!found) return noRole(params)
    const members = found.attached
      .map((arn) => `<member><PolicyName>${xmlEscape(arn.split('/').pop() ?? arn)}</PolicyName><PolicyArn>${xmlEscape(arn)}</PolicyArn></member>`)
      .join('')
    return queryReply('ListAttachedRolePolicies', `<IsTruncated>false</IsTruncated><AttachedPolicies>${members}</AttachedPolicies>`, NS)
  })
  aws.route('iam', 'ListRolePolicies', ({params}) => {
    const found = role(params)
    if (!found) return noRole(params)
    const members = [...found.inline.keys()].map((name) => `<member>${xmlEscape(name)}</member>`).join('')
    return queryReply('ListRolePolicies', `<IsTruncated>false</IsTruncated><PolicyNames>${members}</PolicyNames>`, NS)
  })
  aws.route('iam', 'GetRolePolicy', ({params}) => {
    const found = role(params)
    if (!found) return noRole(params)
    const name = params.get('PolicyName') ?? ''
    const document = found.inline.get(name)
    if (document === undefined) return queryError(404, 'NoSuchEntity', `The role policy with name ${name} cannot be found.`)
    return queryReply(
      'GetRolePolicy',
      `<RoleName>${xmlEscape(found.name)}</RoleName><PolicyName>${xmlEscape(name)}</PolicyName><PolicyDocument>${encoded(document)}</PolicyDocument>`,
      NS,
    )
  })
  aws.route('iam', 'GetPolicy', ({params}) => {
    const arn = params.get('PolicyArn') ?? ''
    const policy = iam.policies.get(arn)
    if (!policy) return queryError(404, 'NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`)
    return queryReply(
      'GetPolicy',
      `<Policy><PolicyName>${xmlEscape(policy.name)}</PolicyName><Arn>${xmlEscape(arn)}</Arn><DefaultVersionId>v${versions.get(arn)?.length ?? 1}</DefaultVersionId><IsAttachable>true</IsAttachable></Policy>`,
      NS,
    )
  })
  aws.route('iam', 'GetPolicyVersion', ({params}) => {
    const arn = params.get('PolicyArn') ?? ''
    const policy = iam.policies.get(arn)
    if (!policy) return queryError(404, 'NoSuchEntity', `Policy ${arn} does not exist.`)
    const versionId = params.get('VersionId') ?? 'v1'
    const history = versions.get(arn)
    const document = history ? history[Number.parseInt(versionId.slice(1), 10) - 1] : policy.document
    if (document === undefined) return queryError(404, 'NoSuchEntity', `Policy ${arn} version ${versionId} does not exist.`)
    return queryReply(
      'GetPolicyVersion',
      `<PolicyVersion><Document>${encoded(document)}</Document><VersionId>${xmlEscape(params.get('VersionId') ?? 'v1')}</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>`,
      NS,
    )
  })
  aws.route('iam', 'AttachRolePolicy', ({params}) => {
    const found = role(params)
    if (!found) return noRole(params)
    const arn = params.get('PolicyArn') ?? ''
    if (!iam.policies.has(arn)) return queryError(404, 'NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`)
    if (!found.attached.includes(arn)) {
      found.attached.push(arn)
      iam.attachedAt.set(`${found.name} ${arn}`, Date.now())
    }
    return queryReply('AttachRolePolicy', '', NS)
  })
  aws.route('iam', 'SimulatePrincipalPolicy', ({params}) => {
    const source = params.get('PolicySourceArn') ?? ''
    if (!iam.simulate) {
      return queryError(403, 'AccessDenied', `User: arn:aws:iam::${account}:user/xtrace-test is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ${source}`)
    }
    if (!iam.roles.has(source.split('/').pop() ?? '')) return queryError(404, 'NoSuchEntity', `The role ${source} cannot be found.`)
    const members = (prefix: string): string[] => {
      const out: string[] = []
      for (let i = 1; params.has(`${prefix}.member.${i}`); i++) out.push(params.get(`${prefix}.member.${i}`)!)
      return out
    }
    const context: Record<string, string[]> = {}
    for (let i = 1; params.has(`ContextEntries.member.${i}.ContextKeyName`); i++) {
      context[params.get(`ContextEntries.member.${i}.ContextKeyName`)!] = members(`ContextEntries.member.${i}.ContextKeyValues`)
    }
    const extraPolicies = members('PolicyInputList').map((text) => JSON.parse(text) as unknown)
    const results = members('ActionNames')
      .map((action) => {
        const answer = iam.simulate!(source, action, {context, extraPolicies})
        const result = typeof answer === 'string' ? {decision: answer, missingContext: [], matched: []} : answer
        return (
          `<member><EvalActionName>${xmlEscape(action)}</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>${result.decision}</EvalDecision>` +
          `<MatchedStatements>${result.matched.map((id) => `<member><SourcePolicyId>${xmlEscape(id)}</SourcePolicyId><SourcePolicyType>IAM Policy</SourcePolicyType></member>`).join('')}</MatchedStatements>` +
          `<MissingContextValues>${result.missingContext.map((key) => `<member>${xmlEscape(key)}</member>`).join('')}</MissingContextValues></member>`
        )
      })
      .join('')
    const evaluation = results
    return queryReply('SimulatePrincipalPolicy', `<IsTruncated>false</IsTruncated><EvaluationResults>${evaluation}</EvaluationResults>`, NS)
  })
  return iam
}
