import type {LambdaClient} from '@aws-sdk/client-lambda'

import type {AccountFailure} from '../aws/accounts.js'
import type {RegionalClients} from '../aws/regions.js'
import {mapAwsError} from '../aws/errors.js'
import type {ManagedBy} from '../iac/managed.js'
import {managedByOf} from '../iac/stacks.js'
import {RolePermissionReader, roleNameFromArn, type XRayWriteVerdict} from '../permissions/role.js'
import {limitConcurrency, runPool} from '../util/pool.js'
import type {TracingMode} from './refs.js'
import {type FunctionState, READ_CONCURRENCY, withUpdateStatus} from './select.js'
import {compareText} from '../text/compare.js'

/**
 * What `xtrace status` reports for each function: its tracing mode and what decides whether traces
 * arrive — the role's X-Ray permission (each role evaluated once), the last update, and aliases on
 * published versions (whose configuration, tracing mode included, is frozen).
 */

export interface PublishedAlias {
  alias: string
  version: string
  /** null when the version's configuration could not be read. */
  mode: TracingMode | null
}

export interface FunctionStatus {
  function: string
  arn: string
  account: string
  region: string
  mode: TracingMode
  runtime: string | null
  memory: number | null
  role: string
  /** true / false, or null when IAM could not say (reads refused, conditions). */
  roleCanWriteXRay: boolean | null
  roleVerdict: XRayWriteVerdict
  roleDetail: string
  lastUpdateStatus: string | null
  lastUpdateStatusReason?: string
  publishedAliases: PublishedAlias[]
  /** What deploys the function (its next deploy may set the mode back); absent with --no-iac. */
  managedBy?: ManagedBy
}

export interface StatusSummary {
  functions: number
  active: number
  passThrough: number
  coveragePercent: number
}

export interface StatusJson {
  functions: FunctionStatus[]
  summary: StatusSummary
  /** With --accounts / --org: the coverage of each account. */
  accounts?: (StatusSummary & {account: string})[]
  /** Accounts, or regions of them, that could not be read. */
  accountFailures?: AccountFailure[]
}

/** Coverage per account, in account order. */
export function summariseByAccount(functions: readonly FunctionStatus[]): (StatusSummary & {account: string})[] {
  const byAccount = new Map<string, FunctionStatus[]>()
  for (const fn of functions) byAccount.set(fn.account, [...(byAccount.get(fn.account) ?? []), fn])
  return [...byAccount].sort(([a], [b]) => compareText(a, b)).map(([account, list]) => ({account, ...summariseStatus(list)}))
}

export function summariseStatus(functions: readonly FunctionStatus[]): StatusSummary {
  const active = functions.filter((fn) => fn.mode === 'Active').length
  return {
    functions: functions.length,
    active,
    passThrough: functions.length - active,
    coveragePercent: functions.length === 0 ? 0 : Math.round((active / functions.length) * 100),
  }
}

/**
 * Seconds the alias lookups take at least: one ListAliases a function, at `rate` control-plane calls
 * a second, in each account and region at once; the busiest of them sets the time.
 */
export function aliasLookupSeconds(functions: readonly Pick<FunctionState, 'account' | 'region'>[], rate: number): number {
  const perPlace = new Map<string, number>()
  let most = 0
  for (const fn of functions) {
    const key = `${fn.account}/${fn.region}`
    const count = (perPlace.get(key) ?? 0) + 1
    perPlace.set(key, count)
    most = Math.max(most, count)
  }
  return most / rate
}

/** The function's aliases that point at a published version (not $LATEST), every page. */
export async function listPublishedAliases(lambda: LambdaClient, arn: string): Promise<Omit<PublishedAlias, 'mode'>[]> {
  const {paginateListAliases} = await import('@aws-sdk/client-lambda')
  const aliases: Omit<PublishedAlias, 'mode'>[] = []
  try {
    for await (const page of paginateListAliases({client: lambda}, {FunctionName: arn})) {
      for (const alias of page.Aliases ?? []) {
        if (alias.Name && alias.FunctionVersion && alias.FunctionVersion !== '$LATEST') aliases.push({alias: alias.Name, version: alias.FunctionVersion})
      }
    }
  } catch (error) {
    throw mapAwsError(error, {action: 'lambda:ListAliases'})
  }
  return aliases
}

/** Those aliases with the tracing mode their versions were published with. */
export async function publishedAliases(lambda: LambdaClient, fn: FunctionState): Promise<PublishedAlias[]> {
  const {GetFunctionCommand} = await import('@aws-sdk/client-lambda')
  const aliases = await listPublishedAliases(lambda, fn.arn)
  const modes = new Map<string, TracingMode | null>()
  for (const version of new Set(aliases.map((a) => a.version))) {
    try {
      const {Configuration} = await lambda.send(new GetFunctionCommand({FunctionName: fn.arn, Qualifier: version}))
      modes.set(version, Configuration?.TracingConfig?.Mode === 'Active' ? 'Active' : 'PassThrough')
    } catch {
      modes.set(version, null)
    }
  }
  return aliases.map((a) => ({...a, mode: modes.get(a.version) ?? null}))
}

/**
 * ListFunctions leaves out the update status, so status reads each listed function again with GetFunction. Those
 * reads have a quota of their own (100 a second, where the listing's pages share the control plane's 15), so they
 * start as each page arrives (`start`, given to the selection as its onListed) rather than after the last one: the
 * listing's time, about 1.3 s for 1,000 functions, is no longer spent before them.
 */
export class UpdateStatusReads {
  private readonly reads = new Map<string, Promise<FunctionState>>()
  private readonly limit = limitConcurrency(READ_CONCURRENCY)
  private stopped = false

  /** Reads a listed function, once per ARN. */
  start(lambda: LambdaClient, listed: FunctionState): void {
    if (listed.lastUpdateStatus || this.reads.has(listed.arn)) return
    const read = this.limit(() => (this.stopped ? Promise.resolve(listed) : withUpdateStatus(lambda, listed)))
    // Awaited by read(); one that nobody asks for (a later page of its listing failed) must not end the run as an
    // unhandled rejection.
    read.catch(() => undefined)
    this.reads.set(listed.arn, read)
  }

  /** The function with its update status: from the read started for it, or from one made now. */
  read(lambda: LambdaClient, fn: FunctionState): Promise<FunctionState> {
    return this.reads.get(fn.arn) ?? withUpdateStatus(lambda, fn)
  }

  /** The run is over: reads still waiting for their turn are not made. */
  stop(): void {
    this.stopped = true
  }
}

export async function collectStatus(
  regional: RegionalClients,
  functions: FunctionState[],
  options: {aliases: boolean; roles: boolean; reads?: UpdateStatusReads},
): Promise<FunctionStatus[]> {
  const clients = await regional.all()
  const reader = options.roles && functions.length > 0 ? new RolePermissionReader(await regional.iam(functions[0]!.region)) : undefined
  const statuses = await runPool(functions, READ_CONCURRENCY, async (listed) => {
    const lambda = clients.get(listed.region)!.lambda
    const fn = await (options.reads?.read(lambda, listed) ?? withUpdateStatus(lambda, listed))
    const check = reader ? await reader.checkXRayWrite(fn.role, {arn: fn.arn, region: fn.region}) : undefined
    const status: FunctionStatus = {
      function: fn.name,
      arn: fn.arn,
      account: fn.account,
      region: fn.region,
      mode: fn.mode,
      runtime: fn.runtime ?? null,
      memory: fn.memory ?? null,
      role: roleNameFromArn(fn.role),
      roleCanWriteXRay: check ? (check.verdict === 'allowed' || check.verdict === 'partial' ? true : check.verdict === 'unknown' ? null : false) : null,
      roleVerdict: check?.verdict ?? 'unknown',
      roleDetail: check?.detail ?? 'not checked (--no-roles)',
      lastUpdateStatus: fn.lastUpdateStatus ?? null,
      ...(fn.lastUpdateStatusReason ? {lastUpdateStatusReason: fn.lastUpdateStatusReason} : {}),
      publishedAliases: options.aliases ? await publishedAliases(lambda, fn) : [],
    }
    return status
  })
  return statuses.filter((status): status is FunctionStatus => status !== undefined)
}

/** The statuses with what manages each function (readIac's `managed`), read alongside them. */
export function withManagedBy(statuses: FunctionStatus[], managed: ReadonlyMap<string, ManagedBy>): FunctionStatus[] {
  return statuses.map((status) => ({...status, managedBy: managedByOf(managed, status.arn)}))
}
