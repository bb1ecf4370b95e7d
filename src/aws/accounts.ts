import type {OrganizationsClient} from '@aws-sdk/client-organizations'
import type {STSClient} from '@aws-sdk/client-sts'

import {UsageError, XtraceError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {runPool} from '../util/pool.js'
import {type AwsOptions, createOrganizationsClient, type TemporaryCredentials} from './clients.js'
import {mapAwsError} from './errors.js'
import type {LambdaQuota} from './pacing.js'
import {RegionalClients} from './regions.js'
import {compareText} from '../text/compare.js'

/**
 * Many accounts of an organisation. Each member account is reached by assuming a role in it
 * (default OrganizationAccountAccessRole, the role AWS Organizations creates in the accounts it
 * makes), with the caller's own credentials; the caller's own account takes part only when named, and
 * then with its own credentials. Credentials are fetched once per account, shared by every client of
 * it, and fetched again before they expire (a long run outlives a one-hour session). An account that
 * cannot be reached is reported as such and does not stop the others.
 */

export const DEFAULT_ROLE_NAME = 'OrganizationAccountAccessRole'

/** Which accounts, as the command line says. */
export interface AccountScope {
  accounts: string[]
  org: boolean
  /** With --org: only accounts under these organisational units (at any depth). */
  ous: string[]
  exclude: string[]
  roleName: string
  externalId?: string
  /** The command, named in the session (and so in the member account's CloudTrail). */
  command: string
}

/** An account a command works in, and how it is reached. */
export interface AccountTarget {
  /** 12 digits; undefined for the caller's own account in a run without --accounts / --org. */
  id?: string
  name?: string
  /** The role assumed to reach it; undefined: the caller's own credentials. */
  roleArn?: string
  regional: RegionalClients
}

/** An account (or one region of it) that could not be worked in, and why. */
export interface AccountFailure {
  account: string
  /** Set when only this region failed. */
  region?: string
  code: string
  message: string
  suggestions: string[]
}

const ACCOUNT_ID = /^\d{12}$/

/** The accounts of --accounts and --exclude: twelve digits each, commas or repeats. */
export function parseAccountIds(values: readonly string[], flag: string): string[] {
  const ids = values.flatMap((value) => value.split(',')).map((id) => id.trim()).filter(Boolean)
  for (const id of ids) {
    if (!ACCOUNT_ID.test(id)) throw new UsageError(`${flag} ${sanitize(id)}: an account id is 12 digits`, [`e.g. ${flag} 111122223333,444455556666`])
  }
  return [...new Set(ids)]
}

/** A session name AWS accepts (2–64 of [\w+=,.@-]) that says xtrace, the command and when. */
export function sessionName(command: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  return `xtrace-${command.replace(/[^\w+=,.@-]/g, '')}-${stamp}`.slice(0, 64)
}

/** The partition of an ARN ("aws", "aws-cn", "aws-us-gov"…). */
export function partitionOf(arn: string | undefined): string {
  return /^arn:([^:]+):/.exec(arn ?? '')?.[1] ?? 'aws'
}

/** Before they expire, credentials are fetched again: the SDK asks in the last 5 minutes, this answers fresh ones from 6 on. */
const REFRESH_MARGIN_MS = 6 * 60_000

/**
 * Credentials of `roleArn`, from STS AssumeRole with the caller's credentials: one call, shared by
 * every client that asks, repeated when the session is about to end. A failure is not cached, so a
 * later call may succeed (IAM is eventually consistent).
 */
export function assumedRoleCredentials(
  sts: STSClient,
  roleArn: string,
  options: {sessionName: string; externalId?: string; now?: () => number},
): () => Promise<TemporaryCredentials> {
  const now = options.now ?? Date.now
  let pending: Promise<TemporaryCredentials> | undefined
  const assume = async (): Promise<TemporaryCredentials> => {
    const {AssumeRoleCommand} = await import('@aws-sdk/client-sts')
    const answer = await sts.send(
      new AssumeRoleCommand({RoleArn: roleArn, RoleSessionName: options.sessionName, ...(options.externalId ? {ExternalId: options.externalId} : {})}),
    )
    const credentials = answer.Credentials
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) throw new Error(`AssumeRole of ${roleArn} returned no credentials`)
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken ? {sessionToken: credentials.SessionToken} : {}),
      ...(credentials.Expiration ? {expiration: new Date(credentials.Expiration)} : {}),
    }
  }
  return async () => {
    if (pending) {
      const held = await pending.catch(() => undefined)
      if (held && (!held.expiration || held.expiration.getTime() - now() > REFRESH_MARGIN_MS)) return held
    }
    const attempt = assume()
    pending = attempt
    attempt.catch(() => {
      if (pending === attempt) pending = undefined
    })
    return attempt
  }
}

/** The target of a function: its account's, or the only one. */
export function targetFinder(targets: readonly AccountTarget[]): (fn: {account: string}) => AccountTarget {
  const byId = new Map(targets.map((target) => [target.id, target]))
  return (fn) => byId.get(fn.account) ?? (targets.length === 1 && targets[0]!.id === undefined ? targets[0]! : undefined) ?? missingTarget(fn.account)
}

function missingTarget(account: string): never {
  throw new XtraceError(`no credentials for account ${account}`, {code: 'UNEXPECTED', suggestions: ['run again with --debug, and report it']})
}

/** Why a role could not be assumed, for a person: AWS says only "access denied" for every cause. */
export function assumeRoleFailure(error: unknown, account: string, roleArn: string, caller: string | undefined): AccountFailure {
  const mapped = mapAwsError(error, {action: 'sts:AssumeRole'})
  const role = roleArn.split('/').pop() ?? roleArn
  if (mapped.code === 'ACCESS_DENIED') {
    return {
      account,
      code: 'ASSUME_ROLE_DENIED',
      message: `cannot assume role ${sanitize(role)} in account ${account}: access denied (the role does not exist there, its trust policy does not let ${caller ? sanitize(caller) : 'you'} assume it, an external id is expected, or a policy denies sts:AssumeRole)`,
      suggestions: [
        `check that ${sanitize(roleArn)} exists and trusts your account; pass --role-name NAME for another role, --external-id ID if its trust policy asks for one`,
      ],
    }
  }
  return {account, code: mapped.code, message: `cannot reach account ${account}: ${mapped.message}`, suggestions: mapped.suggestions}
}

/**
 * Why one account, or one region of it, could not be worked in. A region that rejects valid
 * credentials is most often an opt-in region not enabled for the account.
 */
export function accountFailure(account: string, region: string | undefined, error: unknown, action: string): AccountFailure {
  const mapped = mapAwsError(error, {action})
  const where = `account ${account}${region ? ` (${region})` : ''}`
  if (mapped.code === 'BAD_CREDENTIALS' && region) {
    return {
      account,
      region,
      code: 'REGION_UNAVAILABLE',
      message: `${region} did not accept the credentials of account ${account}: the region is probably not enabled for the account (opt-in regions are off until enabled)`,
      suggestions: [`enable ${region} for the account (Account settings, or organizations' EnableRegion), or leave it out of --region`],
    }
  }
  return {account, ...(region ? {region} : {}), code: mapped.code, message: `${where}: ${mapped.message}`, suggestions: mapped.suggestions}
}

/** Active member accounts of the organisation, or those under `ous` (searched through nested units). */
export async function organizationAccounts(orgs: OrganizationsClient, ous: readonly string[]): Promise<{id: string; name?: string}[]> {
  const sdk = await import('@aws-sdk/client-organizations')
  const found = new Map<string, {id: string; name?: string}>()
  const keep = (account: {Id?: string; Name?: string; State?: string; Status?: string}) => {
    // State replaces the older Status (both ACTIVE for a usable account; SUSPENDED, PENDING_CLOSURE, CLOSED are not).
    const state = account.State ?? account.Status
    if (account.Id && (state === undefined || state === 'ACTIVE')) found.set(account.Id, {id: account.Id, ...(account.Name ? {name: account.Name} : {})})
  }
  try {
    if (ous.length === 0) {
      for await (const page of sdk.paginateListAccounts({client: orgs}, {})) for (const account of page.Accounts ?? []) keep(account)
    } else {
      const queue = [...ous]
      const seen = new Set<string>()
      while (queue.length > 0) {
        const parent = queue.shift()!
        if (seen.has(parent)) continue
        seen.add(parent)
        for await (const page of sdk.paginateListAccountsForParent({client: orgs}, {ParentId: parent})) for (const account of page.Accounts ?? []) keep(account)
        for await (const page of sdk.paginateListOrganizationalUnitsForParent({client: orgs}, {ParentId: parent})) {
          for (const unit of page.OrganizationalUnits ?? []) if (unit.Id) queue.push(unit.Id)
        }
      }
    }
  } catch (error) {
    const name = (error as {name?: string}).name ?? ''
    if (name === 'AWSOrganizationsNotInUseException') {
      throw new XtraceError('the account is not a member of an organization: --org has nothing to list', {code: 'NO_ORGANIZATION', suggestions: ['name the accounts with --accounts ID,ID…']})
    }
    if (name === 'ParentNotFoundException' || name === 'InvalidInputException') {
      throw new UsageError(`--ou ${ous.map(sanitize).join(', ')}: no such organizational unit`, ['aws organizations list-organizational-units-for-parent --parent-id ROOT_ID'], 'UNKNOWN_OU')
    }
    const mapped = mapAwsError(error, {action: ous.length === 0 ? 'organizations:ListAccounts' : 'organizations:ListAccountsForParent'})
    if (mapped.code === 'ACCESS_DENIED') {
      throw new XtraceError(`${mapped.message}: only the management account, or a delegated administrator, may list the organization's accounts`, {
        code: 'ACCESS_DENIED',
        suggestions: ['run from the management account (or a delegated administrator account), or name the accounts with --accounts ID,ID…'],
        cause: error,
      })
    }
    throw mapped
  }
  return [...found.values()].sort((a, b) => compareText(a.id, b.id))
}

/** The caller's own identity: its account is left out of --org runs, its partition names the roles. */
async function callerIdentity(sts: STSClient): Promise<{account?: string; arn?: string}> {
  const {GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}))
    return {...(identity.Account ? {account: identity.Account} : {}), ...(identity.Arn ? {arn: identity.Arn} : {})}
  } catch (error) {
    throw mapAwsError(error, {action: 'sts:GetCallerIdentity'})
  }
}

/** Whether the command line asks for other accounts. */
export function spansAccounts(scope: AccountScope | undefined): scope is AccountScope {
  return scope !== undefined && (scope.org || scope.accounts.length > 0)
}

export interface Reached {
  targets: AccountTarget[]
  failures: AccountFailure[]
  /** Closes every client of every account. */
  destroy: () => Promise<void>
}

interface Wanted {
  id: string
  name?: string
  /** Undefined: the caller's own credentials. */
  roleArn?: string
}

/** One owner for every client of a run: the targets' and the caller's own. */
class Connections {
  private readonly owned: RegionalClients[] = []

  constructor(
    private readonly base: AwsOptions,
    private readonly rates: Partial<Record<LambdaQuota, number>>,
  ) {}

  clients(options: AwsOptions, paced = true): RegionalClients {
    const regional = new RegionalClients(options, paced ? this.rates : {})
    this.owned.push(regional)
    return regional
  }

  /** The caller's STS client and identity: who assumes the roles. */
  async caller(): Promise<{sts: STSClient; account?: string; arn?: string}> {
    const home = this.clients(this.base, false)
    const sts = await home.sts(await home.defaultRegion().catch(() => 'us-east-1'))
    return {sts, ...(await callerIdentity(sts))}
  }

  /** Assumes each account's role (8 at a time), up front: an account that cannot be reached is a failure, not a target. */
  async connect(wanted: readonly Wanted[], caller: {sts: STSClient; arn?: string}, options: {session: string; externalId?: string}): Promise<Reached> {
    const reached = await runPool(wanted, 8, async (account): Promise<AccountTarget | AccountFailure> => {
      const named = {id: account.id, ...(account.name ? {name: account.name} : {})}
      if (!account.roleArn) return {...named, regional: this.clients({...this.base, account: account.id})}
      const credentials = assumedRoleCredentials(caller.sts, account.roleArn, {sessionName: options.session, ...(options.externalId ? {externalId: options.externalId} : {})})
      try {
        await credentials()
      } catch (error) {
        return assumeRoleFailure(error, account.id, account.roleArn, caller.arn)
      }
      // Profile and endpoint stay; the credentials are the assumed role's.
      return {...named, roleArn: account.roleArn, regional: this.clients({...this.base, credentials, account: account.id})}
    })
    const targets: AccountTarget[] = []
    const failures: AccountFailure[] = []
    for (const item of reached) {
      if (item && 'regional' in item) targets.push(item)
      else if (item) failures.push(item)
    }
    return {targets, failures, destroy: () => this.destroy()}
  }

  async destroy(): Promise<void> {
    await Promise.all(this.owned.map((clients) => clients.destroy()))
  }
}

/**
 * The accounts a run works in, each with its clients: the caller's own account alone without
 * --accounts / --org; otherwise the accounts named or listed, each reached by assuming the role
 * (checked once, up front, so an account that cannot be reached is reported before anything changes).
 */
export async function reachAccounts(base: AwsOptions, scope: AccountScope | undefined, rates: Partial<Record<LambdaQuota, number>> = {}): Promise<Reached> {
  const connections = new Connections(base, rates)
  if (!spansAccounts(scope)) return {targets: [{regional: connections.clients(base)}], failures: [], destroy: () => connections.destroy()}
  try {
    const caller = await connections.caller()
    let accounts: {id: string; name?: string}[]
    if (scope.org) {
      const orgs = await createOrganizationsClient(base)
      try {
        accounts = (await organizationAccounts(orgs, scope.ous)).filter((account) => account.id !== caller.account || scope.accounts.includes(account.id))
      } finally {
        orgs.destroy()
      }
      for (const id of scope.accounts) if (!accounts.some((account) => account.id === id)) accounts.push({id})
    } else {
      accounts = scope.accounts.map((id) => ({id}))
    }
    const exclude = new Set(scope.exclude)
    accounts = accounts.filter((account) => !exclude.has(account.id))
    if (accounts.length === 0) {
      throw new UsageError(scope.org ? 'the organization lists no active account to work in (after --exclude)' : 'every account named is excluded', ['check --accounts, --ou and --exclude'], 'NO_ACCOUNTS')
    }
    const partition = partitionOf(caller.arn)
    const wanted = accounts.map((account) => ({...account, ...(account.id === caller.account ? {} : {roleArn: `arn:${partition}:iam::${account.id}:role/${scope.roleName}`})}))
    return await connections.connect(wanted, caller, {session: sessionName(scope.command), ...(scope.externalId ? {externalId: scope.externalId} : {})})
  } catch (error) {
    await connections.destroy()
    throw error
  }
}

/** For restore: the accounts a journal names, reached the way they were (the same roles, assumed again). */
export async function reachRecorded(
  base: AwsOptions,
  recorded: readonly {account: string; roleArn?: string}[],
  options: {command: string; externalId?: string},
  rates: Partial<Record<LambdaQuota, number>> = {},
): Promise<Reached> {
  const connections = new Connections(base, rates)
  if (!recorded.some((item) => item.roleArn)) return {targets: [{regional: connections.clients(base)}], failures: [], destroy: () => connections.destroy()}
  try {
    const caller = await connections.caller()
    return await connections.connect(recorded.map((item) => ({id: item.account, ...(item.roleArn ? {roleArn: item.roleArn} : {})})), caller, {session: sessionName(options.command), ...(options.externalId ? {externalId: options.externalId} : {})})
  } catch (error) {
    await connections.destroy()
    throw error
  }
}
