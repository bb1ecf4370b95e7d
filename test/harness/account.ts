import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {LocalAws} from './local-aws.js'
import {installIam, type LocalIam} from './local-iam.js'
import {installLambda, type LocalLambda} from './local-lambda.js'

/**
 * A local account for end-to-end tests: the endpoint with Lambda and IAM installed (Lambda's X-Ray
 * refusal follows the IAM roles), two roles — `traced-role` (basic + AWSXRayDaemonWriteAccess) and
 * `bare-role` (basic only) — and a fresh state directory for the journal.
 */

export const ACCOUNT = '123456789012'
export const XRAY_POLICY = 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess'
export const BASIC_POLICY = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'
export {STACK_TRACE} from './cli.js'
export const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`

export interface LocalAccount {
  aws: LocalAws
  iam: LocalIam
  lambda: LocalLambda
  /** XDG_STATE_HOME for the runs of this test. */
  state: string
}

export async function startLocalAccount(options: {settleMs?: number} = {}): Promise<LocalAccount> {
  const aws = new LocalAws()
  const iam = installIam(aws)
  const lambda = installLambda(aws, {settleMs: options.settleMs ?? 100, canWriteXRay: (arn) => iam.canWriteXRay(arn)})
  iam.addRole('traced-role', {attached: [BASIC_POLICY, XRAY_POLICY]})
  iam.addRole('bare-role', {attached: [BASIC_POLICY]})
  await aws.start()
  return {aws, iam, lambda, state: mkdtempSync(join(tmpdir(), 'xtrace-state-'))}
}
