import type {ChalkInstance} from 'chalk'

import type {AccountFailure} from '../aws/accounts.js'
import type {ManagedBy} from '../iac/managed.js'
import {sanitize} from '../text/sanitize.js'
import type {ChangeResult, PlanEntry, ResultStatus} from '../tracing/plan.js'
import type {TracingMode} from '../tracing/refs.js'
import {plural} from './format.js'
import {type Column, renderTable} from './table.js'
import {compareText} from '../text/compare.js'

/**
 * Text and JSON for `enable`, `disable` and `restore`: both built from the same results, so they
 * cannot drift. Pure functions.
 */

/** One function in `--json`: the result without what is only for people (notes) or for the run (phase). */
export type ChangeJsonResult = Omit<ChangeResult, 'notes' | 'phase' | 'status'> & {
  status: ResultStatus | 'planned'
  /** What deploys the function, when something does (issue 15). */
  managedBy?: ManagedBy
  /** What the next deploy would do to this change. */
  drift?: string
}

type Counts = {changed: number; unchanged: number; skipped: number; failed: number}

/** One account and region of a run across accounts. */
export interface AccountRegionSummary extends Counts {
  account: string
  region: string
}

export interface ChangeJson {
  results: ChangeJsonResult[]
  summary: Counts & {planned?: number}
  /** With --accounts / --org: the counts of each account and region. */
  accounts?: AccountRegionSummary[]
  /** Accounts, or regions of them, that could not be worked in (role missing, AssumeRole denied, an SCP, a region not enabled). */
  accountFailures?: AccountFailure[]
  /** Only with --dry-run. */
  dryRun?: true
  /** The journal entry `xtrace restore` undoes (absent when nothing was changed). */
  operation?: string
}

export function summarise(results: readonly ChangeResult[]): Counts {
  const summary = {changed: 0, unchanged: 0, skipped: 0, failed: 0}
  for (const result of results) summary[result.status]++
  return summary
}

/** Counts per account and region, in account then region order. */
export function summariseByAccount(results: readonly {account: string; region: string; status: ResultStatus | 'planned'}[]): AccountRegionSummary[] {
  const rows = new Map<string, AccountRegionSummary>()
  for (const result of results) {
    const key = `${result.account}/${result.region}`
    let row = rows.get(key)
    if (!row) {
      row = {account: result.account, region: result.region, changed: 0, unchanged: 0, skipped: 0, failed: 0}
      rows.set(key, row)
    }
    if (result.status === 'planned') row.changed++
    else row[result.status]++
  }
  return [...rows.values()].sort((a, b) => compareText(a.account, b.account) || compareText(a.region, b.region))
}

export function toChangeJson(results: readonly ChangeResult[], context: {operation?: string; failures?: readonly AccountFailure[]; accounts?: boolean} = {}): ChangeJson {
  const json: ChangeJson = {
    results: results.map((r) => ({
      function: r.function,
      arn: r.arn,
      account: r.account,
      region: r.region,
      previousMode: r.previousMode,
      mode: r.mode,
      changed: r.changed,
      policyAttached: r.policyAttached,
      status: r.status,
      ...(r.error ? {error: r.error} : {}),
    })),
    summary: summarise(results),
  }
  if (context.accounts) json.accounts = summariseByAccount(results)
  if (context.accounts || (context.failures?.length ?? 0) > 0) json.accountFailures = [...(context.failures ?? [])]
  if (context.operation) json.operation = context.operation
  return json
}

export function toPlanJson(plan: readonly PlanEntry[], mode: TracingMode, failures: readonly AccountFailure[] = []): ChangeJson {
  const planned = plan.filter((entry) => entry.action === 'update').length
  return {
    results: plan.map(({fn, action}) => ({
      function: fn.name,
      arn: fn.arn,
      account: fn.account,
      region: fn.region,
      previousMode: fn.mode,
      mode: action === 'update' ? mode : fn.mode,
      changed: false,
      policyAttached: false,
      status: action === 'update' ? 'planned' : 'unchanged',
    })),
    summary: {changed: 0, unchanged: plan.length - planned, skipped: 0, failed: 0, planned},
    ...(failures.length > 0 ? {accountFailures: [...failures]} : {}),
    dryRun: true,
  }
}

export interface ChangeStyle {
  chalk: ChalkInstance
  /** Terminal width; undefined on a pipe (nothing is cut). */
  width?: number
  bin: string
  /** The run spans accounts: tables say which, and a summary per account and region follows. */
  accounts?: boolean
}

function statusColour(chalk: ChalkInstance, status: string): (text: string) => string {
  if (status === 'changed') return chalk.green
  if (status === 'failed') return chalk.red
  if (status === 'skipped') return chalk.yellow
  return chalk.dim
}

function whereColumns<Row extends {region: string; account: string}>(rows: readonly Row[], style: ChangeStyle): Column<Row>[] {
  const columns: Column<Row>[] = []
  if (style.accounts || new Set(rows.map((row) => row.account)).size > 1) columns.push({header: 'ACCOUNT', value: (row) => row.account})
  if (style.accounts || new Set(rows.map((row) => row.region)).size > 1) columns.push({header: 'REGION', value: (row) => row.region})
  return columns
}

export function renderPlan(plan: readonly PlanEntry[], mode: TracingMode, style: ChangeStyle): string {
  const {chalk} = style
  const rows = plan.map(({fn, action}) => ({account: fn.account, region: fn.region, name: fn.name, current: fn.mode, action}))
  const table = renderTable(rows, [
    {header: 'FUNCTION', value: (row) => row.name, shrink: true, min: 12},
    ...whereColumns(rows, style),
    {header: 'CURRENT', value: (row) => row.current},
    {header: 'PLANNED', value: (row) => (row.action === 'update' ? `→ ${mode}` : 'unchanged'), style: (text, row) => (row.action === 'update' ? chalk.bold(text) : chalk.dim(text))},
  ], {width: style.width, header: chalk.bold})
  const changes = plan.filter((entry) => entry.action === 'update').length
  const accounts = style.accounts ? ` in ${plural(new Set(rows.map((row) => row.account)).size, 'account')}` : ''
  return `${table}\n\n${plural(changes, 'function')} would change to ${mode}, ${plan.length - changes} already ${mode}${accounts}. Dry run: nothing was changed.`
}

/** Accounts, or regions of them, that could not be worked in: one line each, then what to try. */
export function renderAccountFailures(failures: readonly AccountFailure[], style: ChangeStyle): string {
  const lines = [style.chalk.bold(`Not reached (${plural(failures.length, 'account or region', 'accounts or regions')}):`)]
  for (const failure of failures) lines.push(`  ${style.chalk.red('✖')} ${sanitize(failure.message)}`)
  const fixes = [...new Set(failures.flatMap((failure) => failure.suggestions))]
  for (const fix of fixes.slice(0, 5)) lines.push(`Try: ${sanitize(fix)}`)
  return lines.join('\n')
}

/** The counts of each account and region, with the accounts and regions not reached. */
function renderAccountSummary(results: readonly ChangeResult[], failures: readonly AccountFailure[], style: ChangeStyle): string {
  type Row = AccountRegionSummary & {note: string}
  const rows: Row[] = summariseByAccount(results).map((row) => ({...row, note: ''}))
  for (const failure of failures) rows.push({account: failure.account, region: failure.region ?? '*', changed: 0, unchanged: 0, skipped: 0, failed: 0, note: `not reached: ${failure.code}`})
  rows.sort((a, b) => compareText(a.account, b.account) || compareText(a.region, b.region))
  const number = (key: keyof Counts) => (row: Row) => (row.note ? '-' : String(row[key]))
  return renderTable(rows, [
    {header: 'ACCOUNT', value: (row) => row.account},
    {header: 'REGION', value: (row) => row.region},
    {header: 'CHANGED', value: number('changed')},
    {header: 'UNCHANGED', value: number('unchanged')},
    {header: 'SKIPPED', value: number('skipped')},
    {header: 'FAILED', value: number('failed')},
    {header: 'NOTE', value: (row) => row.note, style: (text) => style.chalk.red(text)},
  ], {width: style.width, header: style.chalk.bold})
}

export function renderChanges(
  results: readonly ChangeResult[],
  style: ChangeStyle,
  context: {operation?: string; interrupted?: boolean; failures?: readonly AccountFailure[]},
): string {
  const {chalk} = style
  const failures = context.failures ?? []
  const reason = (r: ChangeResult) => [r.error?.message, ...r.notes].filter(Boolean).join('; ')
  const table = renderTable(results, [
    {header: 'FUNCTION', value: (r) => r.function, shrink: true, min: 12},
    ...whereColumns(results, style),
    {header: 'BEFORE', value: (r) => r.previousMode},
    {header: 'AFTER', value: (r) => r.mode},
    {header: 'RESULT', value: (r) => r.status, style: (text, r) => statusColour(chalk, r.status)(text)},
    {header: 'REASON', value: reason, shrink: true, min: 20},
  ], {width: style.width, header: chalk.bold})

  const summary = summarise(results)
  const lines = results.length > 0 ? [table, ''] : []
  const fixes = [...new Set(results.flatMap((r) => (r.status === 'failed' ? (r.error?.suggestions ?? []) : [])))]
  for (const fix of fixes.slice(0, 10)) lines.push(`Try: ${sanitize(fix)}`)
  if (fixes.length > 10) lines.push(`… and ${fixes.length - 10} more suggestions (see --json)`)
  if (fixes.length > 0) lines.push('')
  if (style.accounts) lines.push(renderAccountSummary(results, failures, style), '')
  if (failures.length > 0) lines.push(renderAccountFailures(failures, style), '')
  const accounts = style.accounts ? ` in ${plural(new Set(results.map((r) => r.account)).size, 'account')}${failures.length > 0 ? `, ${plural(new Set(failures.map((f) => f.account)).size, 'account')} not (fully) reached` : ''}` : ''
  lines.push(
    `${summary.changed} changed, ${summary.unchanged} unchanged, ${summary.skipped} skipped, ${summary.failed} failed${accounts}` +
      (context.interrupted ? ' (interrupted)' : ''),
  )
  if (context.operation) lines.push(`Undo with: ${style.bin} restore ${context.operation}`)
  return lines.join('\n')
}
