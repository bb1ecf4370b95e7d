import type {IAMClient} from '@aws-sdk/client-iam'

import {mapAwsError} from '../aws/errors.js'
import {evaluateActions, XRAY_WRITE_ACTIONS} from '../permissions/policy.js'
import {RolePermissionReader, type RoleSources, roleNameFromArn, verdictFor, XRAY_WRITE_POLICY} from '../permissions/role.js'
import {sanitize} from '../render/sanitize.js'
import {type Check, check} from './checks.js'

/**
 * The execution role's checks: it exists, Lambda may assume it, and it allows the X-Ray actions —
 * read from its policies (managed default versions, inline, boundary) and, when the caller may call
 * it, confirmed with IAM's policy simulator. Evaluated once per role however many functions share it.
 * Never `ok` on missing information: unreadable policies or a disagreement give `unknown`.
 */

export const XRAY_SAMPLING_ACTIONS = ['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'] as const

type Simulated = Map<string, string> | {unavailable: string}

export interface RoleFindings {
  checks: Check[]
  /** The write permission is missing and nothing blocks granting it: `--fix` can attach the policy. */
  attachable: boolean
  /** Lambda can use the role and it may write to X-Ray. */
  writes: boolean
}

export class RoleDoctor {
  private readonly cache = new Map<string, Promise<RoleFindings>>()

  private readonly reader: RolePermissionReader

  constructor(
    private readonly iam: IAMClient,
    private readonly bin = 'xtrace',
  ) {
    this.reader = new RolePermissionReader(iam)
  }

  findings(roleArn: string, functionName: string): Promise<RoleFindings> {
    let pending = this.cache.get(roleArn)
    if (!pending) {
      pending = this.evaluate(roleArn, functionName)
      this.cache.set(roleArn, pending)
    }
    return pending
  }

  private async simulate(roleArn: string): Promise<Simulated> {
    const {SimulatePrincipalPolicyCommand} = await import('@aws-sdk/client-iam')
    try {
      const answer = await this.iam.send(
        new SimulatePrincipalPolicyCommand({PolicySourceArn: roleArn, ActionNames: [...XRAY_WRITE_ACTIONS, ...XRAY_SAMPLING_ACTIONS]}),
      )
      return new Map((answer.EvaluationResults ?? []).map((result) => [result.EvalActionName ?? '', result.EvalDecision ?? '']))
    } catch (error) {
      return {unavailable: mapAwsError(error, {action: 'iam:SimulatePrincipalPolicy'}).message}
    }
  }

  private async evaluate(roleArn: string, functionName: string): Promise<RoleFindings> {
    const role = sanitize(roleNameFromArn(roleArn))
    const fixCommand = `${this.bin} doctor ${functionName} --fix   (attaches ${XRAY_WRITE_POLICY} to ${role})`
    let sources: RoleSources | undefined
    let unreadable: string | undefined
    try {
      sources = await this.reader.sourcesOf(roleArn)
    } catch (error) {
      unreadable = (error as Error).message
    }
    const simulated = await this.simulate(roleArn)

    if (sources && !sources.exists) {
      return {
        checks: [check('role.exists', 'fail', `role ${role} does not exist: Lambda cannot run the function`, 'give the function an existing execution role (aws lambda update-function-configuration --role ARN)')],
        attachable: false,
        writes: false,
      }
    }
    const checks: Check[] = []
    if (!sources) {
      const why = `could not read role ${role}: ${unreadable ?? 'unknown error'}`
      checks.push(check('role.exists', 'unknown', why, 'allow iam:GetRole, iam:ListAttachedRolePolicies, iam:ListRolePolicies, iam:GetRolePolicy, iam:GetPolicy, iam:GetPolicyVersion to the caller'))
      checks.push(check('role.trust', 'unknown', why))
    } else {
      checks.push(check('role.exists', 'ok', `role ${role}`))
      checks.push(
        trustsLambda(sources.trustPolicy)
          ? check('role.trust', 'ok', 'lambda.amazonaws.com may assume it')
          : check('role.trust', 'fail', `role ${role}'s trust policy does not let lambda.amazonaws.com assume it`, 'add a statement allowing Principal {"Service": "lambda.amazonaws.com"} to sts:AssumeRole'),
      )
    }

    const write = this.writeCheck(role, sources, unreadable, simulated, fixCommand)
    checks.push(write.check)
    checks.push(this.samplingCheck(role, sources, simulated))
    return {checks, attachable: write.attachable, writes: write.check.status === 'ok'}
  }

  private writeCheck(role: string, sources: RoleSources | undefined, unreadable: string | undefined, simulated: Simulated, fixCommand: string): {check: Check; attachable: boolean} {
    const sim = simulatorSays(simulated, XRAY_WRITE_ACTIONS)
    const actions = XRAY_WRITE_ACTIONS.join(' and ')
    if (!sources) {
      return {check: check('role.xray-write', 'unknown', `could not read the role's policies (${unreadable ?? 'unknown error'})${sim.text ? `; IAM's policy simulator says ${sim.text}` : ''}`), attachable: false}
    }
    const verdict = verdictFor(role, evaluateActions(sources.sources, XRAY_WRITE_ACTIONS))
    const simSuffix = 'unavailable' in simulated ? ` (the policy simulator was not available: ${simulated.unavailable})` : ' (confirmed by IAM\'s policy simulator)'
    // Agreement is on the outcome, allowed or not: a boundary that leaves an action out is a Deny to
    // xtrace's reading and an implicitDeny to the simulator.
    if (sim.decision && verdict.verdict !== 'unknown' && (verdict.verdict === 'allowed') !== (sim.decision === 'allowed')) {
      return {
        check: check('role.xray-write', 'unknown', `xtrace's reading of the policies (${verdict.detail}) and IAM's policy simulator (${sim.text}) disagree`, 'check the role\'s policies, including conditions and service control policies'),
        attachable: false,
      }
    }
    switch (verdict.verdict) {
      case 'allowed':
        return {check: check('role.xray-write', 'ok', `${verdict.detail}${simSuffix}`), attachable: false}
      case 'missing':
        return {check: check('role.xray-write', 'fail', `role ${role} lacks ${verdict.missing.join(' and ')}: Lambda refuses Active tracing and the daemon cannot send segments`, fixCommand), attachable: true}
      case 'denied':
        return {
          check: check(
            'role.xray-write',
            'fail',
            `${verdict.detail}`,
            verdict.detail.includes('permissions boundary')
              ? `add ${actions} to the permissions boundary's allowed actions (xtrace will not change a boundary)`
              : `remove or narrow that Deny statement so it no longer covers ${actions} (xtrace will not change it)`,
          ),
          attachable: false,
        }
      default:
        return {check: check('role.xray-write', 'unknown', `${verdict.detail}: whether they apply depends on the request${sim.text ? `; IAM's policy simulator says ${sim.text}` : ''}`), attachable: false}
    }
  }

  private samplingCheck(role: string, sources: RoleSources | undefined, simulated: Simulated): Check {
    if (!sources) return check('role.xray-sampling', 'unknown', 'could not read the role\'s policies')
    const decisions = evaluateActions(sources.sources, XRAY_SAMPLING_ACTIONS)
    const notAllowed = decisions.filter((d) => d.decision !== 'allowed')
    const sim = simulatorSays(simulated, XRAY_SAMPLING_ACTIONS)
    if (notAllowed.length === 0 && (!sim.decision || sim.decision === 'allowed')) {
      return check('role.xray-sampling', 'ok', `role ${role} allows the sampling calls (${XRAY_SAMPLING_ACTIONS.join(', ')})`)
    }
    if (notAllowed.some((d) => d.decision === 'conditional') || (sim.decision && sim.decision !== 'implicitDeny' && sim.decision !== 'explicitDeny')) {
      return check('role.xray-sampling', 'unknown', `the sampling calls depend on conditions (${notAllowed.map((d) => d.action).join(', ')})`)
    }
    const denied = notAllowed.some((d) => d.decision === 'denied')
    return check(
      'role.xray-sampling',
      'warn',
      `role ${role} ${denied ? 'is denied' : 'lacks'} ${notAllowed.map((d) => d.action).join(', ')}: SDKs that sample with X-Ray's rules (X-Ray SDK, ADOT) fall back to their local defaults`,
      denied ? `narrow the Deny in ${notAllowed.find((d) => d.decision === 'denied')!.because.join(', ')}` : `attach ${XRAY_WRITE_POLICY} (it includes them)`,
    )
  }
}

/** The simulator's combined answer for some actions: the least permissive decision. */
function simulatorSays(simulated: Simulated, actions: readonly string[]): {decision?: string; text?: string} {
  if ('unavailable' in simulated) return {}
  const decisions = actions.map((action) => simulated.get(action) ?? 'missing')
  const decision = decisions.includes('explicitDeny') ? 'explicitDeny' : decisions.every((d) => d === 'allowed') ? 'allowed' : decisions.includes('implicitDeny') ? 'implicitDeny' : 'other'
  return {decision, text: actions.map((action, index) => `${action} ${decisions[index]}`).join(', ')}
}

function trustsLambda(trustPolicy: unknown): boolean {
  const statements = (trustPolicy as {Statement?: unknown} | undefined)?.Statement
  const list = Array.isArray(statements) ? statements : statements ? [statements] : []
  return list.some((raw) => {
    const statement = raw as {Effect?: string; Principal?: {Service?: string | string[]}; Action?: string | string[]}
    const services = [statement.Principal?.Service ?? []].flat()
    const actions = [statement.Action ?? []].flat()
    return statement.Effect === 'Allow' && services.includes('lambda.amazonaws.com') && actions.some((a) => a === 'sts:AssumeRole' || a === 'sts:*' || a === '*')
  })
}
