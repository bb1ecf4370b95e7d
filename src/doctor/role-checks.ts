import type {IAMClient} from '@aws-sdk/client-iam'

import {mapAwsError} from '../aws/errors.js'
import {type ActionDecision, evaluateActions, XRAY_WRITE_ACTIONS} from '../permissions/policy.js'
import {
  type CallingFunction,
  daemonRequestContext,
  evaluateRoleWrites,
  openReasons,
  PUT_TELEMETRY_RECORDS,
  PUT_TRACE_SEGMENTS,
  RolePermissionReader,
  type RoleSources,
  roleNameFromArn,
  verdictFor,
  XRAY_WRITE_POLICY,
  type XRayWriteCheck,
} from '../permissions/role.js'
import {sanitize} from '../text/sanitize.js'
import type {FunctionState} from '../tracing/select.js'
import {type Check, check, REASONS, undecided} from './checks.js'

/**
 * The execution role's checks: it exists, Lambda may assume it, and it allows the X-Ray actions —
 * read from its policies (managed default versions, inline, boundary) and, when the caller may call
 * it, IAM's policy simulator. Reading is done once per role, simulating once per role and region,
 * however many functions share them; the verdict is per function (its region and ARN are part of
 * the request IAM sees).
 *
 * Never `ok` on missing information. When xtrace's own reading cannot decide (a condition it cannot
 * know) and the simulator answers with no context left open, its answer decides, and both are said.
 */

export const XRAY_SAMPLING_ACTIONS = ['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'] as const
const SIMULATED_ACTIONS = [...XRAY_WRITE_ACTIONS, ...XRAY_SAMPLING_ACTIONS]

/** The AWS managed policy's document (v2, test/fixtures/iam): what attaching it would add. */
export const XRAY_WRITE_POLICY_DOCUMENT = {
  Version: '2012-10-17',
  Statement: [{Sid: 'AWSXRayDaemonWriteAccess', Effect: 'Allow', Action: [...XRAY_WRITE_ACTIONS, ...XRAY_SAMPLING_ACTIONS], Resource: ['*']}],
}

/** One action as IAM's simulator decided it. */
export interface SimulatedAction {
  decision: string
  /** No context key was left out: the answer holds for any request of this role. */
  definite: boolean
  /** Policies whose statements decided it. */
  matched: string[]
}

type Simulated = Map<string, SimulatedAction> | {unavailable: string}

export interface RoleFindings {
  checks: Check[]
  /** The write permission is missing and attaching AWSXRayDaemonWriteAccess would grant it: `--fix` can do it. */
  attachable: boolean
  /** Lambda accepts Active tracing for the role (PutTraceSegments is allowed). */
  writes: boolean
}

const READ_ACTIONS = 'iam:GetRole, iam:ListAttachedRolePolicies, iam:ListRolePolicies, iam:GetRolePolicy, iam:GetPolicy, iam:GetPolicyVersion'

export class RoleDoctor {
  private readonly simulations = new Map<string, Promise<Simulated>>()
  private readonly reader: RolePermissionReader

  constructor(
    private readonly iam: IAMClient,
    private readonly bin = 'xtrace',
  ) {
    this.reader = new RolePermissionReader(iam)
  }

  async findings(fn: Pick<FunctionState, 'name' | 'arn' | 'region' | 'role' | 'mode'>): Promise<RoleFindings> {
    const sources = await this.reader.sourcesOf(fn.role)
    const role = sanitize(roleNameFromArn(fn.role))
    if (sources.exists === false) {
      return {
        checks: [check('role.exists', 'fail', `role ${role} does not exist: Lambda cannot run the function`, 'give the function an existing execution role (aws lambda update-function-configuration --role ARN)')],
        attachable: false,
        writes: false,
      }
    }
    const simulated = await this.simulate(fn.role, fn.region)
    const checks: Check[] = []
    if (sources.exists === undefined) {
      const why = `could not read role ${role}: ${sources.roleError ?? 'unknown error'}`
      checks.push(undecided('role.exists', REASONS.iamRead, why, `allow ${READ_ACTIONS} to the caller`))
      checks.push(undecided('role.trust', REASONS.iamRead, why))
    } else {
      checks.push(check('role.exists', 'ok', `role ${role}`))
      checks.push(
        trustsLambda(sources.trustPolicy)
          ? check('role.trust', 'ok', 'lambda.amazonaws.com may assume it')
          : check('role.trust', 'fail', `role ${role}'s trust policy does not let lambda.amazonaws.com assume it`, 'add a statement allowing Principal {"Service": "lambda.amazonaws.com"} to sts:AssumeRole'),
      )
    }
    const write = await this.writeCheck(fn, sources, simulated)
    checks.push(write.check, this.samplingCheck(fn, sources, simulated))
    return {checks, attachable: write.attachable, writes: write.writes}
  }

  /** SimulatePrincipalPolicy for the role, with the function's region as context; `extra` adds policies to the simulation. */
  private simulate(roleArn: string, region: string, extra?: unknown): Promise<Simulated> {
    const key = `${roleArn} ${region} ${extra ? 'with-policy' : ''}`
    let pending = this.simulations.get(key)
    if (!pending) {
      pending = (async (): Promise<Simulated> => {
        const {SimulatePrincipalPolicyCommand} = await import('@aws-sdk/client-iam')
        try {
          const answer = await this.iam.send(
            new SimulatePrincipalPolicyCommand({
              PolicySourceArn: roleArn,
              ActionNames: SIMULATED_ACTIONS,
              ContextEntries: [{ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: [region]}],
              ...(extra ? {PolicyInputList: [JSON.stringify(extra)]} : {}),
            }),
          )
          return new Map(
            (answer.EvaluationResults ?? []).map((result) => [
              result.EvalActionName ?? '',
              {
                decision: result.EvalDecision ?? '',
                definite: (result.MissingContextValues ?? []).length === 0,
                matched: [...new Set((result.MatchedStatements ?? []).map((statement) => statement.SourcePolicyId ?? '').filter(Boolean))],
              },
            ]),
          )
        } catch (error) {
          return {unavailable: mapAwsError(error, {action: 'iam:SimulatePrincipalPolicy'}).message}
        }
      })()
      this.simulations.set(key, pending)
    }
    return pending
  }

  private async writeCheck(fn: Pick<FunctionState, 'name' | 'arn' | 'region' | 'role' | 'mode'>, sources: RoleSources, simulated: Simulated): Promise<{check: Check; attachable: boolean; writes: boolean}> {
    const role = sanitize(roleNameFromArn(fn.role))
    const calling: CallingFunction = {arn: fn.arn, region: fn.region}
    const own = verdictFor(role, evaluateRoleWrites(sources, calling))
    const sim = simulatorVerdict(simulated)
    const fixCommand = `${this.bin} doctor ${sanitize(fn.name)} --fix   (attaches ${XRAY_WRITE_POLICY} to ${role})`

    // Agreement is on each action's outcome, allowed or not: a boundary that leaves an action out is
    // a Deny to xtrace's reading and an implicitDeny to the simulator.
    if (own.verdict !== 'unknown' && sim?.definite && disagree(own.decisions, sim.allowed)) {
      return {
        check: undecided('role.xray-write', REASONS.disagreement, `xtrace's reading of the policies (${own.detail}) and IAM's policy simulator (${sim.text}) disagree`, 'check the role\'s policies, including conditions and service control policies'),
        attachable: false,
        writes: false,
      }
    }
    if (own.verdict !== 'unknown') {
      const confirmed = sim?.definite ? ' (confirmed by IAM\'s policy simulator)' : 'unavailable' in simulated ? ` (the policy simulator was not available: ${simulated.unavailable})` : ''
      return this.decided(fn, own, confirmed, sources, fixCommand)
    }
    if (sim?.definite) {
      // xtrace cannot decide, IAM's simulator can: act on its answer, and say both.
      const both = `${own.detail}; IAM's policy simulator decides it: ${sim.text}`
      const segments = sim.allowed.get(PUT_TRACE_SEGMENTS) === true
      const telemetry = sim.allowed.get(PUT_TELEMETRY_RECORDS) === true
      if (segments && telemetry) return {check: check('role.xray-write', 'ok', both), attachable: false, writes: true}
      if (sim.denied.length > 0) {
        return {
          check: check('role.xray-write', 'fail', `${both}: ${segments ? 'the daemon\'s telemetry records are refused' : this.refusal(fn)}`, `change the Deny in ${sim.denied.join(', ') || 'the policy the simulator names'} so it no longer covers the X-Ray write actions (xtrace will not change it)`),
          attachable: false,
          writes: segments,
        }
      }
      const attachable = await this.attachHelps(fn, sources)
      const status = segments ? 'warn' : 'fail'
      const consequence = segments ? TELEMETRY_CONSEQUENCE : this.refusal(fn)
      return {
        check: check('role.xray-write', status, `${both}: ${consequence}`, attachable.helps ? fixCommand : `${attachable.why} (xtrace will not change it)`),
        attachable: attachable.helps,
        writes: segments,
      }
    }
    const simText = sim ? `; IAM's policy simulator leaves it open too (${sim.text})` : 'unavailable' in simulated ? `; the policy simulator was not available (${simulated.unavailable})` : ''
    return {
      check: undecided('role.xray-write', unreadOnly(own) ? REASONS.iamRead : REASONS.conditions, `${own.detail}${simText}`, sources.exists === undefined || sources.unreadable.length > 0 ? `allow ${READ_ACTIONS} to the caller, then run doctor again` : 'check the conditions named above; if Lambda refuses Active tracing, attach AWSXRayDaemonWriteAccess'),
      attachable: false,
      writes: false,
    }
  }

  /** The check for a verdict xtrace's own reading decided. */
  private async decided(fn: Pick<FunctionState, 'name' | 'role' | 'mode' | 'arn' | 'region'>, own: XRayWriteCheck, confirmed: string, sources: RoleSources, fixCommand: string): Promise<{check: Check; attachable: boolean; writes: boolean}> {
    const role = sanitize(roleNameFromArn(fn.role))
    const actions = XRAY_WRITE_ACTIONS.join(' and ')
    switch (own.verdict) {
      case 'allowed':
        return {check: check('role.xray-write', 'ok', `${own.detail}${confirmed}`), attachable: false, writes: true}
      case 'partial': {
        const telemetryDenied = own.decisions.some((d) => d.action === PUT_TELEMETRY_RECORDS && d.decision === 'denied')
        const attachable = telemetryDenied ? {helps: false, why: ''} : await this.attachHelps(fn, sources)
        return {
          check: check('role.xray-write', 'warn', `${own.detail}${confirmed}: ${TELEMETRY_CONSEQUENCE}`, telemetryDenied ? `narrow the Deny so it no longer covers ${PUT_TELEMETRY_RECORDS} (xtrace will not change it)` : attachable.helps ? fixCommand : attachable.why),
          attachable: attachable.helps,
          writes: true,
        }
      }
      case 'missing': {
        const attachable = await this.attachHelps(fn, sources)
        return {
          check: check('role.xray-write', 'fail', `role ${role} lacks ${own.missing.join(' and ')}${confirmed}: ${this.refusal(fn)}`, attachable.helps ? fixCommand : `${attachable.why} (xtrace will not change it)`),
          attachable: attachable.helps,
          writes: false,
        }
      }
      default: {
        const boundary = own.decisions.some((d) => d.action === PUT_TRACE_SEGMENTS && d.because.some((why) => why.startsWith('permissions boundary')))
        return {
          check: check(
            'role.xray-write',
            'fail',
            `${own.detail}${confirmed}: ${this.refusal(fn)}`,
            boundary ? `add ${actions} to the permissions boundary's allowed actions (xtrace will not change a boundary)` : `remove or narrow that Deny statement so it no longer covers ${actions} (xtrace will not change it)`,
          ),
          attachable: false,
          writes: false,
        }
      }
    }
  }

  /** What a missing PutTraceSegments means for this function, true in either mode. */
  private refusal(fn: Pick<FunctionState, 'mode'>): string {
    return fn.mode === 'Active'
      ? 'no segment of this function can reach X-Ray (it is Active, but its traces are lost), and Lambda would refuse to set Active tracing again'
      : 'Lambda refuses to set Active tracing, and no segment of this function can reach X-Ray'
  }

  /**
   * Whether attaching AWSXRayDaemonWriteAccess would grant the X-Ray writes: xtrace's reading with the
   * policy added, or, when that stays open, the simulator with the policy added. Attaching it is always
   * safe (it grants only the X-Ray writes and sampling reads); the question is whether it is enough.
   */
  private async attachHelps(fn: Pick<FunctionState, 'arn' | 'region' | 'role'>, sources: RoleSources): Promise<{helps: boolean; why: string}> {
    const withPolicy = verdictFor(roleNameFromArn(fn.role), evaluateRoleWrites(sources, {arn: fn.arn, region: fn.region}, [{kind: 'managed', label: `managed policy ${XRAY_WRITE_POLICY}`, document: XRAY_WRITE_POLICY_DOCUMENT}]))
    if (withPolicy.verdict === 'allowed') return {helps: true, why: ''}
    if (withPolicy.verdict === 'denied' || (withPolicy.verdict === 'partial' && withPolicy.decisions.some((d) => d.decision === 'denied'))) {
      return {helps: false, why: `attaching ${XRAY_WRITE_POLICY} would not be enough: ${withPolicy.detail}`}
    }
    const simulated = simulatorVerdict(await this.simulate(fn.role, fn.region, XRAY_WRITE_POLICY_DOCUMENT))
    if (simulated?.definite) {
      if (simulated.allowed.get(PUT_TRACE_SEGMENTS) === true) return {helps: true, why: ''}
      return {helps: false, why: `attaching ${XRAY_WRITE_POLICY} would not be enough: IAM's policy simulator, with it added, says ${simulated.text}`}
    }
    return {helps: false, why: `whether attaching ${XRAY_WRITE_POLICY} would be enough depends on ${openReasons(withPolicy.decisions.find((d) => d.action === PUT_TRACE_SEGMENTS)!)}`}
  }

  private samplingCheck(fn: Pick<FunctionState, 'arn' | 'region' | 'role'>, sources: RoleSources, simulated: Simulated): Check {
    const role = sanitize(roleNameFromArn(fn.role))
    const decisions = evaluateActions(sources.sources, XRAY_SAMPLING_ACTIONS, {context: daemonRequestContext(fn.role, sources, {arn: fn.arn, region: fn.region}), unreadable: sources.unreadable})
    const notAllowed = decisions.filter((d) => d.decision !== 'allowed')
    const sim = simulatorSays(simulated, XRAY_SAMPLING_ACTIONS)
    const lacking = notAllowed.map((d) => d.action).join(', ')
    const consequence = 'SDKs that sample with X-Ray\'s rules (X-Ray SDK, ADOT) fall back to their local defaults'
    if (notAllowed.length === 0 && (!sim.decision || sim.decision === 'allowed' || !sim.definite)) {
      return check('role.xray-sampling', 'ok', `role ${role} allows the sampling calls (${XRAY_SAMPLING_ACTIONS.join(', ')})`)
    }
    const open = notAllowed.filter((d) => d.decision === 'conditional')
    if (open.length > 0) {
      if (sim.definite && sim.decision) {
        return sim.decision === 'allowed'
          ? check('role.xray-sampling', 'ok', `the sampling calls depend on ${openReasons(open[0]!)}; IAM's policy simulator allows them`)
          : check('role.xray-sampling', 'warn', `the sampling calls depend on ${openReasons(open[0]!)}; IAM's policy simulator says ${sim.text}: ${consequence}`, `attach ${XRAY_WRITE_POLICY} (it includes them)`)
      }
      return undecided('role.xray-sampling', unreadOnly({decisions: open}) ? REASONS.iamRead : REASONS.conditions, `whether role ${role} may make the sampling calls depends on ${openReasons(open[0]!)}`)
    }
    const denied = notAllowed.find((d) => d.decision === 'denied')
    return check(
      'role.xray-sampling',
      'warn',
      `role ${role} ${denied ? 'is denied' : 'lacks'} ${lacking}: ${consequence}`,
      denied ? `narrow the Deny in ${sanitize(denied.because.join(', '))}` : `attach ${XRAY_WRITE_POLICY} (it includes them)`,
    )
  }
}

const TELEMETRY_CONSEQUENCE =
  'traces arrive and Lambda accepts Active tracing, but the X-Ray daemon cannot send its telemetry records (its own health metrics: segments sent, refused, connection errors)'

interface SimulatorVerdict {
  /** Every write action was decided with no context key left open. */
  definite: boolean
  allowed: Map<string, boolean>
  /** Policies named by explicit Denies. */
  denied: string[]
  text: string
}

function simulatorVerdict(simulated: Simulated): SimulatorVerdict | undefined {
  if ('unavailable' in simulated) return undefined
  const results = XRAY_WRITE_ACTIONS.map((action) => [action, simulated.get(action)] as const)
  if (results.some(([, result]) => !result)) return undefined
  const definite = results.every(([, result]) => result!.definite)
  const text = results
    .map(([action, result]) => `${action} ${result!.decision}${result!.definite ? '' : ' (depending on context it was not given)'}`)
    .join(', ')
  const denied = [...new Set(results.filter(([, result]) => result!.decision === 'explicitDeny').flatMap(([, result]) => result!.matched))].map(sanitize)
  return {definite, allowed: new Map(results.map(([action, result]) => [action, result!.decision === 'allowed'])), denied, text: sanitize(text)}
}

/** Whether what is open comes only from policies that could not be read (not from conditions). */
function unreadOnly(verdict: {decisions: ActionDecision[]}): boolean {
  const open = verdict.decisions.filter((d) => d.decision === 'conditional').flatMap((d) => d.undecided ?? [])
  return open.length > 0 && open.every((what) => what.endsWith('(could not be read)'))
}

function disagree(decisions: ActionDecision[], simulated: Map<string, boolean>): boolean {
  return decisions.some((d) => simulated.has(d.action) && (d.decision === 'allowed') !== simulated.get(d.action))
}

/** The simulator's combined answer for some actions: the least permissive decision. */
function simulatorSays(simulated: Simulated, actions: readonly string[]): {decision?: string; definite?: boolean; text?: string} {
  if ('unavailable' in simulated) return {}
  const results = actions.map((action) => simulated.get(action))
  const decisions = results.map((result) => result?.decision ?? 'missing')
  const decision = decisions.includes('explicitDeny') ? 'explicitDeny' : decisions.every((d) => d === 'allowed') ? 'allowed' : decisions.includes('implicitDeny') ? 'implicitDeny' : 'other'
  return {decision, definite: results.every((result) => result?.definite === true), text: actions.map((action, index) => `${action} ${decisions[index]}`).join(', ')}
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

