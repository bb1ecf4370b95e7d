import type {ChalkInstance} from 'chalk'

import {managedByLabel} from '../iac/managed.js'
import type {FunctionStatus} from '../tracing/status.js'
import {summariseByAccount, summariseStatus} from '../tracing/status.js'
import {plural} from './format.js'
import {renderTable} from './table.js'

/** The `xtrace status` table and its coverage line. Pure. */

export interface StatusStyle {
  chalk: ChalkInstance
  /** The run spans accounts: an ACCOUNT column and the coverage of each account. */
  accounts?: boolean
  /** Terminal width; undefined on a pipe, where nothing is cut. */
  width?: number
}

const WRITE_LABEL: Record<FunctionStatus['roleVerdict'], string> = {
  allowed: 'yes',
  // Traces arrive; the daemon's telemetry records do not.
  partial: 'partial',
  missing: 'no',
  denied: 'denied',
  unknown: '?',
}

export function renderStatus(functions: readonly FunctionStatus[], style: StatusStyle): string {
  const {chalk} = style
  const summary = summariseStatus(functions)
  const coverage = `${summary.active} of ${plural(summary.functions, 'function')} Active, ${summary.coveragePercent}%`
  if (functions.length === 0) return 'No functions selected.'
  const multiRegion = style.accounts || new Set(functions.map((fn) => fn.region)).size > 1
  const aliases = (fn: FunctionStatus) =>
    fn.publishedAliases.map((a) => `${a.alias}→${a.version}${a.mode && a.mode !== fn.mode ? ` (${a.mode})` : ''}`).join(', ') || '-'
  const table = renderTable(functions, [
    {header: 'FUNCTION', value: (fn) => fn.function, shrink: true, min: 12},
    ...(style.accounts ? [{header: 'ACCOUNT', value: (fn: FunctionStatus) => fn.account}] : []),
    ...(multiRegion ? [{header: 'REGION', value: (fn: FunctionStatus) => fn.region}] : []),
    {header: 'MODE', value: (fn) => fn.mode, style: (text, fn) => (fn.mode === 'Active' ? chalk.green(text) : chalk.dim(text))},
    {header: 'RUNTIME', value: (fn) => fn.runtime ?? '-'},
    {header: 'MEMORY', value: (fn) => (fn.memory === null ? '-' : `${fn.memory} MB`), align: 'right'},
    {header: 'ROLE', value: (fn) => fn.role, shrink: true, min: 10},
    {
      header: 'X-RAY WRITE',
      value: (fn) => WRITE_LABEL[fn.roleVerdict],
      style: (text, fn) => (fn.roleVerdict === 'allowed' ? chalk.green(text) : fn.roleVerdict === 'unknown' || fn.roleVerdict === 'partial' ? chalk.yellow(text) : chalk.red(text)),
    },
    {header: 'LAST UPDATE', value: (fn) => fn.lastUpdateStatus ?? '-', style: (text, fn) => (fn.lastUpdateStatus === 'Failed' ? chalk.red(text) : text)},
    {header: 'PUBLISHED ALIASES', value: aliases, shrink: true, min: 12},
    ...(functions.some((fn) => fn.managedBy) ? [{header: 'MANAGED BY', value: (fn: FunctionStatus) => managedByLabel(fn.managedBy), shrink: true, min: 8}] : []),
  ], {...(style.width === undefined ? {} : {width: style.width}), header: chalk.bold})

  const lines = [table, '']
  if (style.accounts) {
    const perAccount = summariseByAccount(functions)
    lines.push(renderTable(perAccount, [
      {header: 'ACCOUNT', value: (row) => row.account},
      {header: 'FUNCTIONS', value: (row) => String(row.functions), align: 'right'},
      {header: 'ACTIVE', value: (row) => String(row.active), align: 'right'},
      {header: 'COVERAGE', value: (row) => `${row.coveragePercent}%`, align: 'right'},
    ], {...(style.width === undefined ? {} : {width: style.width}), header: chalk.bold}), '')
  }
  lines.push(style.accounts ? `${coverage}, across ${plural(new Set(functions.map((fn) => fn.account)).size, 'account')}` : coverage)
  const cannotWrite = functions.filter((fn) => fn.mode === 'Active' && (fn.roleVerdict === 'missing' || fn.roleVerdict === 'denied'))
  if (cannotWrite.length > 0) lines.push(chalk.red(`${plural(cannotWrite.length, 'Active function')} cannot send traces: its role may not call xray:PutTraceSegments (xtrace doctor explains)`))
  const frozen = functions.filter((fn) => fn.publishedAliases.some((a) => a.mode !== null && a.mode !== fn.mode))
  if (frozen.length > 0) lines.push(`${plural(frozen.length, 'function')} ${frozen.length === 1 ? 'has' : 'have'} aliases on published versions with another mode (shown in brackets): publish a new version to change them`)
  return lines.join('\n')
}
