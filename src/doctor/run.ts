import type {AwsOptions} from '../aws/clients.js'
import type {RegionalClients} from '../aws/regions.js'
import {sanitize} from '../text/sanitize.js'
import {everythingIfEmpty, type FunctionState, READ_CONCURRENCY, type Selection, selectFunctions, withUpdateStatus} from '../tracing/select.js'
import {publishedAliases, type PublishedAlias} from '../tracing/status.js'
import {runPool} from '../util/pool.js'
import {accountChecks} from './account-checks.js'
import {type Check, check, REASONS, undecided} from './checks.js'
import {functionChecks} from './function-checks.js'
import {templateCheck} from './iac-checks.js'
import {RoleDoctor} from './role-checks.js'
import type {IacTag} from '../iac/managed.js'
import type {ManagedFacts} from '../iac/drift.js'
import {managedFactsOf, readIac} from '../iac/stacks.js'
import {describeWindow, recentTraffic} from './traffic.js'

/**
 * The doctor's examination: account checks per region, then every selected function (default: all)
 * with bounded concurrency — its configuration, its aliases, its role (evaluated once per role), its
 * environment — and finally whether its traces arrived lately. Never prints.
 */

export interface FunctionReport {
  fn: FunctionState
  checks: Check[]
  /** What deploys it, and what its template sets (for the template changes --fix prints). */
  managed?: ManagedFacts
  /** `--fix` can attach the X-Ray policy to its role. */
  attachable: boolean
  /** Its role may write to X-Ray (so it can be set Active). */
  roleWrites: boolean
}

export interface RegionReport {
  region: string
  /** With --accounts / --org. */
  account?: string
  checks: Check[]
}

export interface DoctorReport {
  regions: RegionReport[]
  functions: FunctionReport[]
  /** Named functions that do not exist. */
  missing: Check[]
  /** Things worth saying that are not checks (e.g. a tagged function that no longer exists). */
  warnings: string[]
}

export interface DoctorOptions {
  aws: AwsOptions
  sinceSeconds: number
  bin: string
  /** Skip the account checks (a re-examination after a fix). */
  skipAccount?: boolean
  /** Look up aliases on published versions (one ListAliases per function, on the 15/s control-plane quota). */
  aliases?: boolean
  /** The run spans accounts: every check says which account, functions are labelled with it. */
  account?: string
  /** Tags that mark Terraform's functions (--iac-tag). */
  iacTags?: readonly IacTag[]
}

export async function examine(regional: RegionalClients, regions: readonly string[], selection: Selection, options: DoctorOptions): Promise<DoctorReport> {
  const selected = await regional.selected(regions)
  const report: DoctorReport = {regions: [], functions: [], missing: [], warnings: []}
  const stamp = (item: Check): Check => (options.account ? {...item, account: options.account} : item)
  const transactionSearch = new Set<string>()
  for (const clients of selected) {
    if (options.skipAccount) continue
    const account = await accountChecks(await regional.sts(clients.region), await regional.xray(clients.region), clients.region, options.bin)
    report.regions.push({region: clients.region, ...(options.account ? {account: options.account} : {}), checks: account.checks.map(stamp)})
    if (!account.usable) return report
    if (account.transactionSearch) transactionSearch.add(clients.region)
  }

  const chosen = await selectFunctions(selected, everythingIfEmpty(selection), (region) => regional.forRegion(region))
  report.warnings.push(...chosen.warnings)
  for (const {ref, regions: where} of chosen.notFound) {
    report.missing.push(stamp({...check('function.exists', 'fail', `no function ${sanitize(ref.input)} in ${where.join(', ')}`, 'check the name, or pass --region'), function: sanitize(ref.input)}))
  }
  const multiRegion = new Set(chosen.functions.map((fn) => fn.region)).size > 1
  const label = (fn: FunctionState) => (options.account ? `${fn.name} (${fn.account}/${fn.region})` : multiRegion ? `${fn.name} (${fn.region})` : fn.name)
  const doctor = new RoleDoctor(await regional.iam(chosen.functions[0]?.region ?? selected[0]!.region), options.bin)
  const clientsByRegion = await regional.all()

  const examined = await runPool(chosen.functions, READ_CONCURRENCY, async (listed): Promise<FunctionReport> => {
    const lambda = clientsByRegion.get(listed.region)!.lambda
    const fn = await withUpdateStatus(lambda, listed)
    let aliases: PublishedAlias[] | undefined
    if (options.aliases !== false) {
      try {
        aliases = await publishedAliases(lambda, fn)
      } catch {
        aliases = undefined
      }
    }
    const role = await doctor.findings(fn)
    const own = functionChecks(fn, aliases, options.bin).filter((item) => options.aliases !== false || item.id !== 'function.versions')
    const checks = [...own, ...role.checks].map((item) => stamp({...item, function: label(fn)}))
    return {fn, checks: order(checks), attachable: role.attachable, roleWrites: role.writes}
  })
  report.functions = examined.filter((item): item is FunctionReport => item !== undefined)

  // What deploys each function, and whether its template agrees with the live mode.
  const iac = await readIac(regional, report.functions.map((item) => item.fn), {iacTags: options.iacTags ?? [], templates: true})
  for (const warning of iac.warnings.filter((w) => w.startsWith('cannot read the functions'))) report.warnings.push(warning)
  for (const item of report.functions) {
    const {facts, stack} = managedFactsOf(iac, item.fn)
    const found = templateCheck(item.fn, facts.managedBy, stack)
    if (found) item.checks.push(stamp({...found, function: label(item.fn)}))
    item.managed = facts
  }

  for (const region of new Set(report.functions.map((item) => item.fn.region))) {
    const xray = await regional.xray(region)
    const here = report.functions.filter((item) => item.fn.region === region)
    const traffic = await recentTraffic(xray, here.map((item) => item.fn.name), options.sinceSeconds)
    for (const item of here) item.checks.push(stamp({...trafficCheck(item, traffic, options.sinceSeconds, transactionSearch.has(region), options.bin), function: label(item.fn)}))
  }
  return report
}

const ORDER = ['function.exists', 'function.tracing', 'function.update', 'function.versions', 'role.exists', 'role.trust', 'role.xray-write', 'role.xray-sampling', 'env.context-missing', 'env.reserved', 'env.daemon-memory', 'iac.template', 'traffic.recent']

function order(checks: Check[]): Check[] {
  return [...checks].sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id))
}

function trafficCheck(item: FunctionReport, traffic: Awaited<ReturnType<typeof recentTraffic>>, sinceSeconds: number, transactionSearch: boolean, bin: string): Check {
  const window = describeWindow(sinceSeconds)
  if ('error' in traffic) return undecided('traffic.recent', REASONS.awsCall, `could not look for recent traces: ${traffic.error}`)
  const seen = traffic.get(item.fn.name) ?? {count: 0, capped: false}
  if (seen.count > 0) return check('traffic.recent', 'ok', `${seen.count}${seen.capped ? '+' : ''} trace${seen.count === 1 ? '' : 's'} in the last ${window}`)
  if (seen.capped) return undecided('traffic.recent', REASONS.traffic, `not among the first traces X-Ray listed for the last ${window}`)
  if (item.fn.mode !== 'Active') return check('traffic.recent', 'ok', `no trace in the last ${window} (expected with PassThrough unless upstream sends sampled requests)`)
  const causes = item.checks.filter((c) => c.status === 'fail' || (c.status === 'warn' && c.id === 'env.reserved')).map((c) => c.id)
  if (transactionSearch) causes.push('xray.destination (Transaction Search indexes only a sample)')
  return check(
    'traffic.recent',
    'warn',
    `Active, but no trace in the last ${window}: ${causes.length > 0 ? `likely ${causes.join(', ')}` : 'no invocation in the window, or traces not yet indexed'}`,
    causes.length > 0
      ? 'fix the checks named above, invoke the function, and look again'
      : `invoke the function, then look again: ${bin} doctor ${item.fn.name} --since 5m; if it runs and traces still do not come, look for a Deny of xray:PutTraceSegments in your organization's SCPs (xtrace cannot read them)`,
  )
}
