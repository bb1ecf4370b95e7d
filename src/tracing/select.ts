import type {FunctionConfiguration, LambdaClient} from '@aws-sdk/client-lambda'
import picomatch from 'picomatch'

import {mapAwsError} from '../aws/errors.js'
import {accountFailure, type AccountFailure, type AccountTarget} from '../aws/accounts.js'
import type {RegionalClients, RegionClients} from '../aws/regions.js'
import {InputError, UsageError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {runPool} from '../util/pool.js'
import {type FunctionRef, type TracingMode} from './refs.js'
import {compareText} from '../text/compare.js'

/**
 * Turns names, ARNs and selectors (`--all`, `--match`, `--tag`) into the functions they mean, in
 * one or more regions. Listing follows every page of ListFunctions; `--tag` asks the Resource
 * Groups Tagging API, which filters server-side, instead of one ListTags call per function.
 */

export interface FunctionState {
  name: string
  arn: string
  /** From the ARN. */
  account: string
  region: string
  mode: TracingMode
  role: string
  revisionId?: string
  runtime?: string
  memory?: number
  state?: string
  lastUpdateStatus?: string
  lastUpdateStatusReason?: string
  /**
   * The X-Ray variables of the function's environment, and only those: the rest may hold secrets and
   * is never kept.
   */
  xrayEnvironment?: Record<string, string>
}

/** Environment variables doctor looks at. */
export const XRAY_ENVIRONMENT_KEYS = ['AWS_XRAY_CONTEXT_MISSING', 'AWS_XRAY_DAEMON_ADDRESS', '_X_AMZN_TRACE_ID', 'AWS_XRAY_TRACING_NAME'] as const

export interface Selection {
  refs: FunctionRef[]
  all: boolean
  match: string[]
  /** key=value pairs, all of which must hold. */
  tags: {key: string; value: string}[]
}

export interface Selected {
  functions: FunctionState[]
  /** Named functions found in none of the regions searched. */
  notFound: {ref: FunctionRef; regions: string[]}[]
  warnings: string[]
}

/** Reads of configurations run this many at a time (reads are cheap; Lambda's read quotas are high). */
export const READ_CONCURRENCY = 16

/** The account field of an ARN (empty when it has none). */
export function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? ''
}

export function toFunctionState(config: FunctionConfiguration, region: string): FunctionState {
  const state: FunctionState = {
    name: config.FunctionName ?? '',
    arn: config.FunctionArn ?? '',
    account: accountOfArn(config.FunctionArn ?? ''),
    region,
    mode: config.TracingConfig?.Mode === 'Active' ? 'Active' : 'PassThrough',
    role: config.Role ?? '',
  }
  if (config.RevisionId) state.revisionId = config.RevisionId
  if (config.Runtime) state.runtime = config.Runtime
  else if (config.PackageType === 'Image') state.runtime = 'image'
  if (config.MemorySize !== undefined) state.memory = config.MemorySize
  if (config.State) state.state = config.State
  if (config.LastUpdateStatus) state.lastUpdateStatus = config.LastUpdateStatus
  if (config.LastUpdateStatusReason) state.lastUpdateStatusReason = config.LastUpdateStatusReason
  const variables = config.Environment?.Variables ?? {}
  const xray = Object.fromEntries(XRAY_ENVIRONMENT_KEYS.filter((key) => key in variables).map((key) => [key, variables[key]!]))
  if (Object.keys(xray).length > 0) state.xrayEnvironment = xray
  return state
}

/**
 * The configuration of $LATEST, or undefined when there is no such function. Read with GetFunction,
 * which has its own quota (100 calls a second) instead of sharing the control plane's 15 a second
 * with the updates. Its answer also holds a presigned URL of the code: only the configuration is kept.
 */
export async function readFunction(lambda: LambdaClient, region: string, nameOrArn: string): Promise<FunctionState | undefined> {
  const {GetFunctionCommand} = await import('@aws-sdk/client-lambda')
  try {
    const {Configuration} = await lambda.send(new GetFunctionCommand({FunctionName: nameOrArn}))
    return Configuration ? toFunctionState(Configuration, region) : undefined
  } catch (error) {
    if ((error as {name?: string}).name === 'ResourceNotFoundException') return undefined
    throw mapAwsError(error, {action: 'lambda:GetFunction'})
  }
}

/** A listed function lacks the update status (ListFunctions leaves it out): read it when missing. */
export async function withUpdateStatus(lambda: LambdaClient, listed: FunctionState): Promise<FunctionState> {
  if (listed.lastUpdateStatus) return listed
  return (await readFunction(lambda, listed.region, listed.arn)) ?? listed
}

/** The selection picks functions by listing them (as opposed to naming them). */
export function listsFunctions(selection: Selection): boolean {
  return selection.all || selection.match.length > 0 || selection.tags.length > 0
}

/** Nothing named, nothing listed: the commands that default to every function use `all`. */
export function everythingIfEmpty(selection: Selection): Selection {
  return selection.refs.length === 0 && !listsFunctions(selection) ? {...selection, all: true} : selection
}

/** Every function of the region; `each` sees each one as its page arrives. */
export async function listFunctions(clients: RegionClients, each?: (fn: FunctionState) => void): Promise<FunctionState[]> {
  const {paginateListFunctions} = await import('@aws-sdk/client-lambda')
  const out: FunctionState[] = []
  try {
    for await (const page of paginateListFunctions({client: clients.lambda}, {})) {
      for (const config of page.Functions ?? []) {
        const fn = toFunctionState(config, clients.region)
        out.push(fn)
        each?.(fn)
      }
    }
  } catch (error) {
    throw mapAwsError(error, {action: 'lambda:ListFunctions'})
  }
  return out
}

async function taggedArns(clients: RegionClients, tags: Selection['tags']): Promise<string[]> {
  const {paginateGetResources} = await import('@aws-sdk/client-resource-groups-tagging-api')
  const client = await clients.tagging()
  const arns: string[] = []
  try {
    const filters = tags.map(({key, value}) => ({Key: key, Values: [value]}))
    for await (const page of paginateGetResources({client}, {TagFilters: filters, ResourceTypeFilters: ['lambda:function']})) {
      for (const mapping of page.ResourceTagMappingList ?? []) if (mapping.ResourceARN) arns.push(mapping.ResourceARN)
    }
  } catch (error) {
    throw mapAwsError(error, {action: 'tag:GetResources'})
  }
  return arns
}

function nameOfArn(arn: string): string {
  return arn.split(':')[6] ?? arn
}

/** Told of each function a listing selects as soon as its page arrives, before the selection is whole. */
export type OnListed = (fn: FunctionState, lambda: LambdaClient) => void

/**
 * `regions` are searched for bare names and listed for selectors; a full ARN is looked up in its own
 * region, through `clientsFor`.
 */
export async function selectFunctions(
  regions: RegionClients[],
  selection: Selection,
  clientsFor: (region: string) => Promise<RegionClients>,
  onListed?: OnListed,
): Promise<Selected> {
  const byArn = new Map<string, FunctionState>()
  const warnings: string[] = []
  const matchers = selection.match.map((glob) => picomatch(glob, {dot: true}))
  const nameMatches = (name: string) => matchers.length === 0 || matchers.some((matches) => matches(name))
  if (listsFunctions(selection)) {
    // Regions are listed side by side: each has its own quotas.
    await Promise.all(regions.map(async (clients) => {
      if (selection.tags.length > 0) {
        const arns = (await taggedArns(clients, selection.tags)).filter((arn) => nameMatches(nameOfArn(arn)))
        const states = await runPool(arns, READ_CONCURRENCY, (arn) => readFunction(clients.lambda, clients.region, arn))
        states.forEach((state, index) => {
          if (state) byArn.set(state.arn, state)
          // The tagging index lags behind deletions.
          else warnings.push(`${sanitize(arns[index]!)} is tagged but no longer exists`)
        })
      } else {
        const selected = (fn: FunctionState) => nameMatches(fn.name)
        const each = onListed && ((fn: FunctionState) => {
          if (selected(fn)) onListed(fn, clients.lambda)
        })
        for (const state of await listFunctions(clients, each)) if (selected(state)) byArn.set(state.arn, state)
      }
    }))
  }

  const notFound: Selected['notFound'] = []
  const lookups = await Promise.all(
    selection.refs.map(async (ref) => ({ref, where: ref.region ? [await clientsFor(ref.region)] : regions})),
  )
  const found = await runPool(lookups, READ_CONCURRENCY, async ({ref, where}) => {
    const states = await Promise.all(
      where.map((clients) => readFunction(clients.lambda, clients.region, ref.region ? ref.input : ref.name)),
    )
    return states.filter((state): state is FunctionState => state !== undefined)
  })
  found.forEach((states, index) => {
    const {ref, where} = lookups[index]!
    if (!states || states.length === 0) notFound.push({ref, regions: where.map((r) => r.region)})
    else for (const state of states) byArn.set(state.arn, state)
  })

  const functions = [...byArn.values()].sort((a, b) => compareText(a.region, b.region) || compareText(a.name, b.name))
  return {functions, notFound, warnings}
}

/** Nothing named and nothing listed: refused, unless the command defaults to every function. */
function requireSelection(selection: Selection, options: {defaultAll?: boolean; command?: string}): Selection {
  const effective = everythingIfEmpty(selection)
  if (effective !== selection && !options.defaultAll) {
    throw new UsageError('name the functions, or select them with --all, --match GLOB or --tag KEY=VALUE', [
      'xtrace status   (lists the functions and their modes)',
      `xtrace ${options.command ?? 'enable'} --all --dry-run   (shows what the command would change for every function)`,
    ])
  }
  return effective
}

export interface SelectOptions {
  defaultAll?: boolean
  warn?: (message: string) => void
  command?: string
  onListed?: OnListed
}

/**
 * The functions a change command works on, or a clear refusal before anything changes: nothing
 * selected, or named functions that do not exist.
 */
export async function selectFunctionsOrFail(regional: RegionalClients, regions: readonly string[], selection: Selection, options: SelectOptions = {}): Promise<FunctionState[]> {
  const effective = requireSelection(selection, options)
  const selected = await selectFunctions(await regional.selected(regions), effective, (region) => regional.forRegion(region), options.onListed)
  for (const warning of selected.warnings) options.warn?.(warning)
  if (selected.notFound.length > 0) throw notFoundError(selected.notFound)
  return selected.functions
}

export interface AccountsSelected {
  functions: FunctionState[]
  /** Accounts, or regions of them, that could not be listed: reported, the others go on. */
  failures: AccountFailure[]
}

/**
 * The same across accounts: every account and region listed side by side, one failing (an SCP, a
 * region not enabled) reported for itself. A bare name is looked for in every account; an ARN only
 * in its own. With the caller's own account alone it is selectFunctionsOrFail, failures and all.
 */
export async function selectInAccounts(targets: readonly AccountTarget[], regions: readonly string[], selection: Selection, options: SelectOptions = {}): Promise<AccountsSelected> {
  if (targets.length === 1 && targets[0]!.id === undefined) {
    return {functions: await selectFunctionsOrFail(targets[0]!.regional, regions, selection, options), failures: []}
  }
  const effective = requireSelection(selection, options)
  const failures: AccountFailure[] = []
  const byArn = new Map<string, FunctionState>()
  const found = new Set<FunctionRef>()
  const searched = new Map<FunctionRef, string[]>()
  const ids = new Set(targets.map((target) => target.id))
  const collect = (part: Selected, where: string) => {
    for (const fn of part.functions) byArn.set(fn.arn, fn)
    for (const warning of part.warnings) options.warn?.(warning)
    const missing = new Set(part.notFound.map((item) => item.ref))
    for (const ref of effective.refs) {
      if (missing.has(ref)) searched.set(ref, [...(searched.get(ref) ?? []), where])
    }
    for (const fn of part.functions) for (const ref of effective.refs) if (ref.name === fn.name) found.add(ref)
  }
  await runPool(targets, 8, async (target) => {
    const account = target.id ?? ''
    let where: RegionClients[]
    try {
      where = await target.regional.selected(regions)
    } catch (error) {
      failures.push(accountFailure(account, undefined, error, 'lambda:ListFunctions'))
      return
    }
    const mine = (ref: FunctionRef) => !ref.account || ref.account === account
    const named = {...effective, refs: effective.refs.filter((ref) => !ref.region && mine(ref))}
    await Promise.all(where.map(async (clients) => {
      try {
        collect(await selectFunctions([clients], named, (region) => target.regional.forRegion(region), options.onListed), `${account}/${clients.region}`)
      } catch (error) {
        failures.push(accountFailure(account, clients.region, error, 'lambda:ListFunctions'))
      }
    }))
    const arns = effective.refs.filter((ref) => ref.region && ref.account === account)
    if (arns.length > 0) {
      try {
        collect(await selectFunctions([], {refs: arns, all: false, match: [], tags: []}, (region) => target.regional.forRegion(region)), account)
      } catch (error) {
        failures.push(accountFailure(account, arns[0]!.region, error, 'lambda:GetFunction'))
      }
    }
  })
  const notFound: {ref: FunctionRef; regions: string[]}[] = []
  for (const ref of effective.refs) {
    if (found.has(ref)) continue
    if (ref.account && !ids.has(ref.account)) notFound.push({ref, regions: [`account ${ref.account}, which this run does not include`]})
    else if (searched.has(ref)) notFound.push({ref, regions: searched.get(ref)!})
  }
  if (notFound.length > 0) throw notFoundError(notFound)
  failures.sort((a, b) => compareText(a.account, b.account) || compareText(a.region ?? '', b.region ?? ''))
  const functions = [...byArn.values()].sort((a, b) => compareText(a.account, b.account) || compareText(a.region, b.region) || compareText(a.name, b.name))
  return {functions, failures}
}

/** A refusal before anything changes: named functions that do not exist. */
export function notFoundError(notFound: {ref: FunctionRef; regions: string[]}[]): InputError {
  const list = notFound.map(({ref, regions}) => `${sanitize(ref.input)} (not in ${regions.join(', ')})`).join(', ')
  return new InputError(`no such function: ${list}; nothing was changed`, [
    'check the names with: xtrace status, or pass --region for functions in another region',
  ], 'FUNCTION_NOT_FOUND')
}
