import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {BASIC_POLICY, XRAY_POLICY} from './account.js'
import {LocalAws, type MemberAccount} from './local-aws.js'
import {installIam, type LocalIam} from './local-iam.js'
import {installLambda, type LocalLambda} from './local-lambda.js'

/**
 * An organization on the local endpoint: the caller's own account is the management account, and
 * each member account has Lambda and IAM state of its own, OrganizationAccountAccessRole to be
 * assumed, and a role `app-role` (with the X-Ray write policy) that its functions run as.
 */

export interface LocalMember {
  id: string
  member: MemberAccount
  iam: LocalIam
  lambda: LocalLambda
}

export interface LocalOrganization {
  aws: LocalAws
  /** The management account's own Lambda and IAM (the caller's). */
  own: {iam: LocalIam; lambda: LocalLambda}
  members: LocalMember[]
  /** XDG_STATE_HOME for the runs of this test. */
  state: string
}

/** Member account ids: 100000000001, 100000000002… */
export const memberId = (index: number) => String(100_000_000_000 + index + 1)

export async function startLocalOrganization(options: {
  accounts: number
  regions: string[]
  functionsPerRegion: number
  settleMs?: number
  /** Organizational unit of each member (default: the root). */
  parentOf?: (index: number) => string
}): Promise<LocalOrganization> {
  const aws = new LocalAws()
  aws.organization = true
  const ownIam = installIam(aws)
  const ownLambda = installLambda(aws, {settleMs: options.settleMs ?? 100, canWriteXRay: (arn) => ownIam.canWriteXRay(arn)})
  const members: LocalMember[] = []
  for (let index = 0; index < options.accounts; index++) {
    const id = memberId(index)
    const member = aws.memberAccount(id, {name: `team-${index}`, parent: options.parentOf?.(index) ?? 'r-root'})
    const iam = installIam(member, id)
    iam.addRole('app-role', {attached: [BASIC_POLICY, XRAY_POLICY]})
    const lambda = installLambda(member, {account: id, settleMs: options.settleMs ?? 100, canWriteXRay: (arn) => iam.canWriteXRay(arn)})
    for (const region of options.regions) {
      for (let f = 0; f < options.functionsPerRegion; f++) lambda.add(`fn-${String(f).padStart(3, '0')}`, {region, Role: `arn:aws:iam::${id}:role/app-role`})
    }
    members.push({id, member, iam, lambda})
  }
  await aws.start()
  return {aws, own: {iam: ownIam, lambda: ownLambda}, members, state: mkdtempSync(join(tmpdir(), 'xtrace-state-'))}
}

/** Every function of every member account, as `account/region/name=Mode`. */
export function modesOf(organization: LocalOrganization): string[] {
  return organization.members.flatMap(({id, lambda}) => [...lambda.functions.values()].map((fn) => `${id}/${fn.region}/${fn.FunctionName}=${fn.TracingConfig.Mode}`)).sort()
}
