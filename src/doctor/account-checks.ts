import type {STSClient} from '@aws-sdk/client-sts'
import type {XRayClient} from '@aws-sdk/client-xray'

import {mapAwsError} from '../aws/errors.js'
import {sanitize} from '../text/sanitize.js'
import {type Check, check, LAMBDA_SAMPLING, REASONS, undecided} from './checks.js'

/**
 * Checks of the account and region: who the credentials are (never the secrets), whether X-Ray
 * answers, where segments go (Transaction Search sends them to CloudWatch Logs), and the sampling rules.
 */

export interface AccountFindings {
  checks: Check[]
  /** Credentials work: the rest of the doctor can run. */
  usable: boolean
  /** Segments go to CloudWatch Logs: only indexed traces come back from BatchGetTraces. */
  transactionSearch: boolean
}

export async function accountChecks(sts: STSClient, xray: XRayClient, region: string, bin: string): Promise<AccountFindings> {
  const checks: Check[] = []
  const {GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}))
    checks.push(check('account.credentials', 'ok', `account ${identity.Account ?? '?'} as ${sanitize(identity.Arn ?? '?')}`))
  } catch (error) {
    const mapped = mapAwsError(error, {action: 'sts:GetCallerIdentity'})
    checks.push(check('account.credentials', 'fail', mapped.message, mapped.suggestions[0]))
    return {checks, usable: false, transactionSearch: false}
  }
  checks.push(check('account.region', 'ok', region))

  const {GetTraceSegmentDestinationCommand, GetSamplingRulesCommand} = await import('@aws-sdk/client-xray')
  let transactionSearch = false
  try {
    const destination = await xray.send(new GetTraceSegmentDestinationCommand({}))
    if (destination.Destination === 'CloudWatchLogs') {
      transactionSearch = true
      checks.push(
        check(
          'xray.destination',
          'warn',
          `Transaction Search is on${destination.Status === 'PENDING' ? ' (switching)' : ''}: segments go to CloudWatch Logs (aws/spans) and X-Ray indexes only a sample of them as traces (1% unless changed); only indexed traces come back from BatchGetTraces and ${bin} show`,
          'raise the indexing rule (aws xray update-indexing-rule --name Default --rule \'{"Probabilistic":{"DesiredSamplingPercentage":100}}\'), or search spans in CloudWatch',
        ),
      )
    } else {
      checks.push(check('xray.destination', 'ok', `X-Ray answers in ${region} and stores segments itself${destination.Status === 'PENDING' ? ' (a change of destination is pending)' : ''}`))
    }
  } catch (error) {
    checks.push(unavailable('xray.destination', error, 'xray:GetTraceSegmentDestination'))
  }

  try {
    const rules = (await xray.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords ?? []
    const fallback = rules.find((record) => record.SamplingRule?.RuleName === 'Default')?.SamplingRule
    const defaultText = fallback ? `the Default rule samples ${fallback.ReservoirSize ?? 0}/s then ${Math.round((fallback.FixedRate ?? 0) * 1000) / 10}%` : 'no Default rule'
    const silent = fallback !== undefined && (fallback.ReservoirSize ?? 0) === 0 && (fallback.FixedRate ?? 0) === 0
    checks.push(
      check(
        'xray.sampling',
        silent ? 'warn' : 'ok',
        `${rules.length} sampling rule${rules.length === 1 ? '' : 's'}, ${defaultText}; for Active functions without an upstream decision Lambda samples by its own default (${LAMBDA_SAMPLING}), the rules guide X-Ray SDKs and upstream services`,
        silent ? 'the Default rule samples nothing: SDKs that use it record no trace (aws xray update-sampling-rule)' : undefined,
      ),
    )
  } catch (error) {
    checks.push(unavailable('xray.sampling', error, 'xray:GetSamplingRules'))
  }
  return {checks, usable: true, transactionSearch}
}

/** A check that could not be made: unknown (refused, unsupported) or fail (X-Ray unreachable). */
export function unavailable(id: string, error: unknown, action: string): Check {
  const mapped = mapAwsError(error, {action})
  if (mapped.code === 'NETWORK' || mapped.code === 'TIMEOUT') return check(id, 'fail', mapped.message, mapped.suggestions[0])
  return undecided(id, REASONS.awsCall, mapped.message, mapped.suggestions[0])
}
