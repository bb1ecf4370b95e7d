import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {IAMClient, SimulatePrincipalPolicyCommand} from '@aws-sdk/client-iam'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type PolicySource, XRAY_WRITE_ACTIONS} from '../../../src/permissions/policy.js'
import {evaluateRoleWrites, RolePermissionReader, type RoleSources, verdictFor, type XRayWriteVerdict} from '../../../src/permissions/role.js'
import {ROOT} from '../../harness/cli.js'
import {LocalAws} from '../../harness/local-aws.js'
import {installIam, type LocalIam} from '../../harness/local-iam.js'

/**
 * The X-Ray write verdict of an execution role, case by case, each case named after the IAM rule it
 * tests (IAM User Guide: policy evaluation logic, the policy grammar, condition operators; Service
 * Authorization Reference: X-Ray's write actions have no resource type, so they are requested for "*").
 * The request is the X-Ray daemon's, from function orders-api in us-east-1, with role app-role.
 *
 * Where the local endpoint's SimulatePrincipalPolicy (test/harness/iam-simulator.ts, written apart
 * from src/permissions) implements the same rules, each case also goes through it over the wire,
 * and the two readings must agree action by action.
 */

const ACCOUNT = '123456789012'
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app-role`
const FN = {arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:orders-api`, region: 'us-east-1'}

function managedDocument(name: string): unknown {
  return (JSON.parse(readFileSync(join(ROOT, 'test/fixtures/iam', `${name}.json`), 'utf8')) as {Document: unknown}).Document
}

interface Case {
  rule: string
  managed?: string[]
  inline?: unknown[]
  boundary?: unknown
  tags?: Record<string, string>
  expected: XRayWriteVerdict
  /** The local simulator implements the rules this case needs (default true). */
  simulator?: boolean
}

const allow = (Action: unknown, Resource: unknown = '*', extra: Record<string, unknown> = {}) => ({Version: '2012-10-17', Statement: [{Effect: 'Allow', Action, Resource, ...extra}]})
const deny = (Action: unknown, Resource: unknown = '*', extra: Record<string, unknown> = {}) => ({Version: '2012-10-17', Statement: [{Effect: 'Deny', Action, Resource, ...extra}]})
const statement = (body: Record<string, unknown>) => ({Version: '2012-10-17', Statement: [body]})
const WRITES = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']

const CASES: Case[] = [
  // Managed policies: the default version of the real AWS documents.
  {rule: 'managed AWSXRayDaemonWriteAccess grants both writes', managed: ['AWSLambdaBasicExecutionRole', 'AWSXRayDaemonWriteAccess'], expected: 'allowed'},
  {rule: 'managed AWSXrayWriteOnlyAccess (the older policy) grants both writes', managed: ['AWSXrayWriteOnlyAccess'], expected: 'allowed'},
  {rule: 'managed AWSXrayFullAccess grants xray:*', managed: ['AWSXrayFullAccess'], expected: 'allowed'},
  {rule: 'managed AWSXrayReadOnlyAccess grants reads only', managed: ['AWSXrayReadOnlyAccess'], expected: 'missing'},
  {rule: 'managed AWSLambdaBasicExecutionRole grants logs only', managed: ['AWSLambdaBasicExecutionRole'], expected: 'missing'},
  {rule: 'no policy at all: implicit deny', expected: 'missing'},
  // Actions: names, wildcards, case.
  {rule: 'Action list of the exact names', inline: [allow(WRITES)], expected: 'allowed'},
  {rule: 'Action as a single string, PutTraceSegments only: segments yes, telemetry no', inline: [allow('xray:PutTraceSegments')], expected: 'partial'},
  {rule: 'PutTelemetryRecords without PutTraceSegments: Lambda refuses', inline: [allow('xray:PutTelemetryRecords')], expected: 'missing'},
  {rule: 'trailing * in the action name', inline: [allow('xray:Put*')], expected: 'allowed'},
  {rule: '? matches exactly one character', inline: [allow(['xray:PutTrace?egments', 'xray:PutTelemetry?ecords'])], expected: 'allowed'},
  {rule: '? does not match several characters', inline: [allow(['xray:Put?Segments', 'xray:PutTelemetryRecords'])], expected: 'missing'},
  {rule: '* alone allows every action', inline: [allow('*')], expected: 'allowed'},
  {rule: '* inside the service prefix', inline: [allow('x*y:Put*')], expected: 'allowed'},
  {rule: '* at the start of the action name', inline: [allow(['xray:*Segments', 'xray:*Records'])], expected: 'allowed'},
  {rule: 'action names are case-insensitive, service prefix too', inline: [allow(['XRay:puttracesegments', 'XRAY:PUTTELEMETRYRECORDS'])], expected: 'allowed'},
  {rule: 'a single-object Statement (not an array)', inline: [{Version: '2012-10-17', Statement: {Effect: 'Allow', Action: WRITES, Resource: '*'}}], expected: 'allowed'},
  {rule: 'Allow with NotAction that leaves xray in', inline: [statement({Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*'})], expected: 'allowed'},
  {rule: 'Allow with NotAction that takes xray out', inline: [statement({Effect: 'Allow', NotAction: 'xray:*', Resource: '*'})], expected: 'missing'},
  {rule: 'Allow with NotAction whose wildcard takes out both writes', inline: [statement({Effect: 'Allow', NotAction: 'xray:PutT*', Resource: '*'})], expected: 'missing'},
  // Deny wins.
  {rule: 'an explicit Deny beats the managed Allow', managed: ['AWSXRayDaemonWriteAccess'], inline: [deny('xray:*')], expected: 'denied'},
  {rule: 'Deny with NotAction denies everything else, xray included', managed: ['AWSXRayDaemonWriteAccess'], inline: [statement({Effect: 'Deny', NotAction: 'logs:*', Resource: '*'})], expected: 'denied'},
  {rule: 'Deny with NotAction that spares xray', managed: ['AWSXRayDaemonWriteAccess'], inline: [statement({Effect: 'Deny', NotAction: 'xray:*', Resource: '*'})], expected: 'allowed'},
  {rule: 'Deny of PutTelemetryRecords only: segments still allowed', managed: ['AWSXRayDaemonWriteAccess'], inline: [deny('xray:PutTelemetryRecords')], expected: 'partial'},
  // Resources: the request is for "*".
  {rule: 'Resource list that includes *', inline: [allow(WRITES, ['arn:aws:s3:::b/*', '*'])], expected: 'allowed'},
  {rule: 'Resource scoped to an X-Ray group ARN does not cover *', inline: [allow(WRITES, `arn:aws:xray:us-east-1:${ACCOUNT}:group/g/*`)], expected: 'missing'},
  {rule: 'a wildcard ARN pattern cannot match the literal *', inline: [allow(WRITES, 'arn:aws:xray:*')], expected: 'missing'},
  {rule: '? matches the one character of *', inline: [allow(WRITES, '?')], expected: 'allowed'},
  {rule: 'NotResource of other resources applies to *', inline: [statement({Effect: 'Allow', Action: WRITES, NotResource: 'arn:aws:s3:::secret/*'})], expected: 'allowed'},
  {rule: 'NotResource that lists * applies to nothing', inline: [statement({Effect: 'Allow', Action: WRITES, NotResource: ['*']})], expected: 'missing'},
  {rule: 'a Deny scoped to other resources does not apply', managed: ['AWSXRayDaemonWriteAccess'], inline: [deny('xray:*', `arn:aws:xray:us-east-1:${ACCOUNT}:group/noisy`)], expected: 'allowed'},
  {rule: 'a Deny with NotResource of other resources applies to *', managed: ['AWSXRayDaemonWriteAccess'], inline: [statement({Effect: 'Deny', Action: 'xray:*', NotResource: 'arn:aws:s3:::b/*'})], expected: 'denied'},
  {rule: 'a policy variable in Resource depends on its value', inline: [allow(WRITES, '${aws:username}')], expected: 'unknown', simulator: false},
  {rule: '${*} in Resource is the literal *', inline: [allow(WRITES, '${*}')], expected: 'allowed', simulator: false},
  // Permissions boundaries.
  {rule: 'a boundary that does not allow xray blocks it', managed: ['AWSXRayDaemonWriteAccess'], boundary: allow(['logs:*']), expected: 'denied'},
  {rule: 'a boundary that allows xray lets the identity policy through', managed: ['AWSXRayDaemonWriteAccess'], boundary: allow(['xray:*', 'logs:*']), expected: 'allowed'},
  {rule: 'a boundary that allows xray only on a group resource blocks it', managed: ['AWSXRayDaemonWriteAccess'], boundary: allow('xray:*', `arn:aws:xray:*:${ACCOUNT}:group/*`), expected: 'denied'},
  {rule: 'a boundary with NotAction that spares xray', managed: ['AWSXRayDaemonWriteAccess'], boundary: statement({Effect: 'Allow', NotAction: 'iam:*', Resource: '*'}), expected: 'allowed'},
  {rule: 'a boundary that Denies PutTelemetryRecords', managed: ['AWSXRayDaemonWriteAccess'], boundary: {Version: '2012-10-17', Statement: [{Effect: 'Allow', Action: '*', Resource: '*'}, {Effect: 'Deny', Action: 'xray:PutTelemetryRecords', Resource: '*'}]}, expected: 'partial'},
  {rule: 'a boundary alone grants nothing', boundary: allow('xray:*'), expected: 'missing'},
  // Conditions: decided where the daemon's request context is known.
  {rule: 'StringEquals on aws:RequestedRegion, the function\'s region', inline: [allow(WRITES, '*', {Condition: {StringEquals: {'aws:RequestedRegion': 'us-east-1'}}})], expected: 'allowed'},
  {rule: 'StringEquals on aws:RequestedRegion, another region', inline: [allow(WRITES, '*', {Condition: {StringEquals: {'aws:RequestedRegion': ['eu-west-1', 'eu-central-1']}}})], expected: 'missing'},
  {rule: 'a region-lock Deny (StringNotEquals, values NOR-ed) that includes the region', managed: ['AWSXRayDaemonWriteAccess'], inline: [deny('*', '*', {Condition: {StringNotEquals: {'aws:RequestedRegion': ['us-east-1', 'eu-west-1']}}})], expected: 'allowed'},
  {rule: 'a region-lock Deny that leaves the region out', managed: ['AWSXRayDaemonWriteAccess'], inline: [deny('*', '*', {Condition: {StringNotEquals: {'aws:RequestedRegion': ['eu-west-1']}}})], expected: 'denied'},
  {rule: 'an Allow on aws:SourceIp cannot be known from the function', inline: [allow(WRITES, '*', {Condition: {IpAddress: {'aws:SourceIp': '10.0.0.0/8'}}})], expected: 'unknown'},
  {rule: 'a Deny without HTTPS (Bool aws:SecureTransport false): the daemon uses HTTPS', managed: ['AWSXRayDaemonWriteAccess'], inline: [deny('*', '*', {Condition: {Bool: {'aws:SecureTransport': 'false'}}})], expected: 'allowed', simulator: false},
  {rule: 'a Deny outside a VPC (StringNotEqualsIfExists aws:SourceVpc) depends on the network', managed: ['AWSXRayDaemonWriteAccess'], inline: [deny('*', '*', {Condition: {StringNotEqualsIfExists: {'aws:SourceVpc': 'vpc-1'}}})], expected: 'unknown'},
  {rule: 'a role tag matches aws:PrincipalTag', tags: {team: 'payments'}, inline: [allow(WRITES, '*', {Condition: {StringEquals: {'aws:PrincipalTag/team': 'payments'}}})], expected: 'allowed', simulator: false},
  {rule: 'a tag the role lacks: a positive operator on an absent key is false', tags: {team: 'payments'}, inline: [allow(WRITES, '*', {Condition: {StringEquals: {'aws:PrincipalTag/owner': 'x'}}})], expected: 'missing', simulator: false},
  {rule: 'ArnLike on lambda:SourceFunctionArn, the function Lambda names', inline: [allow(WRITES, '*', {Condition: {ArnLike: {'lambda:SourceFunctionArn': 'arn:aws:lambda:*:*:function:orders-*'}}})], expected: 'allowed', simulator: false},
  {rule: 'a set operator on a multi-valued key stays open', inline: [allow(WRITES, '*', {Condition: {'ForAnyValue:StringEquals': {'aws:TagKeys': ['a']}}})], expected: 'unknown', simulator: false},
  {rule: 'a condition on a key xtrace cannot know, on a Deny, makes an Allow uncertain', managed: ['AWSXRayDaemonWriteAccess'], inline: [deny('xray:*', '*', {Condition: {StringEquals: {'aws:PrincipalOrgID': 'o-123'}}})], expected: 'unknown'},
]

/** The local endpoint with IAM, and an SDK client for it, for one describe block. */
function localIam(): {aws: LocalAws; iam: LocalIam; client: IAMClient} {
  const local = {aws: new LocalAws()} as {aws: LocalAws; iam: LocalIam; client: IAMClient}
  beforeAll(async () => {
    await local.aws.start()
    local.iam = installIam(local.aws)
    local.client = new IAMClient({region: 'us-east-1', endpoint: local.aws.url, credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, maxAttempts: 1})
  })
  afterAll(async () => {
    local.client.destroy()
    await local.aws.stop()
  })
  return local
}

function sourcesFor(item: Case): RoleSources {
  const sources: PolicySource[] = [
    ...(item.managed ?? []).map((name): PolicySource => ({kind: 'managed', label: `managed policy ${name}`, document: managedDocument(name)})),
    ...(item.inline ?? []).map((document, index): PolicySource => ({kind: 'inline', label: `inline policy p${index + 1}`, document})),
    ...(item.boundary ? [{kind: 'boundary' as const, label: 'permissions boundary b', document: item.boundary}] : []),
  ]
  return {roleName: 'app-role', roleArn: ROLE_ARN, exists: true, sources, unreadable: [], ...(item.tags ? {tags: item.tags} : {})}
}

describe('the X-Ray write verdict, rule by rule', () => {
  it('has at least 40 cases, each named after one rule', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40)
    expect(new Set(CASES.map((c) => c.rule)).size).toBe(CASES.length)
  })

  it.each(CASES.map((c) => [c.rule, c] as const))('%s', (_rule, item) => {
    const check = verdictFor('app-role', evaluateRoleWrites(sourcesFor(item), FN))
    expect(check.verdict).toBe(item.expected)
  })
})

describe('the same cases through the local endpoint\'s SimulatePrincipalPolicy', () => {
  const local = localIam()

  const simulated = CASES.filter((c) => c.simulator !== false)
  it.each(simulated.map((c, index) => [c.rule, c, index] as const))('%s', async (_rule, item, index) => {
    const name = `role-${index}`
    const inline = Object.fromEntries((item.inline ?? []).map((document, i) => [`p${i + 1}`, document]))
    const {iam, client} = local
    const boundary = item.boundary ? iam.addPolicy(`boundary-${index}`, item.boundary) : undefined
    iam.addRole(name, {attached: (item.managed ?? []).map((policy) => `arn:aws:iam::aws:policy/${policy}`), inline, ...(boundary ? {boundary} : {})})
    const answer = await client.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
        ActionNames: [...XRAY_WRITE_ACTIONS],
        ContextEntries: [{ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: ['us-east-1']}],
      }),
    )
    const ours = evaluateRoleWrites(sourcesFor(item), FN)
    for (const result of answer.EvaluationResults ?? []) {
      const mine = ours.find((d) => d.action === result.EvalActionName)!
      if (mine.decision === 'conditional') {
        // Open for xtrace: the simulator, too, names context it was not given.
        expect(result.MissingContextValues?.length ?? 0, result.EvalActionName).toBeGreaterThan(0)
        continue
      }
      expect(result.EvalDecision === 'allowed', result.EvalActionName).toBe(mine.decision === 'allowed')
      const byStatement = mine.decision === 'denied' && !mine.because.some((why) => why.endsWith('does not allow it'))
      expect(result.EvalDecision === 'explicitDeny', result.EvalActionName).toBe(byStatement)
    }
  })
})

describe('reading a role over the wire, each IAM read refused in turn', () => {
  const local = localIam()
  beforeAll(() => {
    const {iam} = local
    // A customer policy whose old version granted the writes and whose default (latest) does not.
    const versioned = iam.addPolicy('tracing-v', allow(WRITES), allow(['logs:*']))
    const granting = iam.addPolicy('tracing', allow(WRITES))
    iam.addRole('mixed', {attached: [granting], inline: {guard: deny('xray:PutTelemetryRecords')}})
    iam.addRole('old-default', {attached: [versioned]})
    iam.addRole('team+a=b,c.d@e-f', {attached: ['arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess']})
  })

  const read = async (role: string, refuse?: string) => {
    const {aws, client} = local
    aws.clearFaults()
    if (refuse) aws.inject({kind: 'access-denied', service: 'iam', operation: refuse})
    const reader = new RolePermissionReader(client)
    const sources = await reader.sourcesOf(`arn:aws:iam::${ACCOUNT}:role/${role}`)
    return {sources, check: await reader.checkXRayWrite(`arn:aws:iam::${ACCOUNT}:role/${role}`, FN)}
  }

  it('managed policies are read at their default version, not their first', async () => {
    expect((await read('old-default')).check.verdict).toBe('missing')
  })

  it('a role with a path and +=,.@- in its name is read by its name', async () => {
    const {sources, check} = await read('service-role/team+a=b,c.d@e-f')
    expect(sources.exists).toBe(true)
    expect(check.verdict).toBe('allowed')
  })

  it.each([
    ['GetRole', undefined, 'the permissions boundary, if any'],
    ['ListAttachedRolePolicies', true, 'the attached managed policies'],
    ['GetPolicy', true, 'managed policy tracing'],
    ['GetPolicyVersion', true, 'managed policy tracing'],
    ['ListRolePolicies', true, 'the inline policies'],
    ['GetRolePolicy', true, 'inline policy guard'],
  ] as const)('%s refused: the role is still found, and only what needs that read stays open', async (operation, exists, unread) => {
    const {sources, check} = await read('mixed', operation)
    expect(sources.exists).toBe(exists)
    expect(sources.unreadable.map((u) => u.label)).toEqual([unread])
    expect(check.verdict).toBe('unknown')
    expect(check.detail).toContain('(could not be read)')
    // The readable Deny of the telemetry records still decides that action.
    const telemetry = check.decisions.find((d) => d.action === 'xray:PutTelemetryRecords')!
    expect(telemetry.decision).toBe(operation === 'ListRolePolicies' || operation === 'GetRolePolicy' ? 'conditional' : 'denied')
  })

  it('a readable explicit Deny decides, whatever else could not be read', async () => {
    local.iam.addRole('fenced', {attached: ['arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess'], inline: {fence: deny('xray:*')}})
    for (const operation of ['GetRole', 'GetPolicy', 'GetPolicyVersion', 'ListAttachedRolePolicies']) {
      expect((await read('fenced', operation)).check.verdict, operation).toBe('denied')
    }
  })
})
