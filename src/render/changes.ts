import type {ChalkInstance} from 'chalk'

import type {ChangeResult, PlanEntry, ResultStatus} from '../tracing/apply.js'
import type {TracingMode} from '../tracing/refs.js'
import {plural} from './format.js'
import {sanitize} from './sanitize.js'
import {type Column, renderTable} from './table.js'

/**
 * Text and JSON for `enable`, `disable` and `restore`: both built from the same results, so they
 * cannot drift. Pure functions.
 */

/** One function in `--json`: the result without what is only for people (notes) or for the run (phase). */
export type ChangeJsonResult = Omit<ChangeResult, 'notes' | 'phase' | 'status'> & {status: ResultStatus | 'planned'}

export interface ChangeJson {
  results: ChangeJsonResult[]
  summary: {changed: number; unchanged: number; skipped: number; failed: number; planned?: number}
  /** Only with --dry-run. */
  dryRun?: true
  /** The journal entry `xtrace restore` undoes (absent when nothing was changed). */
  operation?: string
}

export function summarise(results: readonly ChangeResult[]): ChangeJson['summary'] {
  const summary = {changed: 0, unchanged: 0, skipped: 0, failed: 0}
  for (const result of results) summary[result.status]++
  return summary
}

export function toChangeJson(results: readonly ChangeResult[], operation?: string): ChangeJson {
  return {
    results: results.map((r) => ({
      function: r.function,
      arn: r.arn,
      region: r.region,
      previousMode: r.previousMode,
      mode: r.mode,
      changed: r.changed,
      policyAttached: r.policyAttached,
      status: r.status,
      ...(r.error ? {error: r.error} : {}),
    })),
    summary: summarise(results),
    ...(operation ? {operation} : {}),
  }
}

export function toPlanJson(plan: readonly PlanEntry[], mode: TracingMode): ChangeJson {
  const planned = plan.filter((entry) => entry.action === 'update').length
  return {
    results: plan.map(({fn, action}) => ({
      function: fn.name,
      arn: fn.arn,
      region: fn.region,
      previousMode: fn.mode,
      mode: action === 'update' ? mode : fn.mode,
      changed: false,
      policyAttached: false,
      status: action === 'update' ? 'planned' : 'unchanged',
    })),
    summary: {changed: 0, unchanged: plan.length - planned, skipped: 0, failed: 0, planned},
    dryRun: true,
  }
}

export interface ChangeStyle {
  chalk: ChalkInstance
  /** Terminal width; undefined on a pipe (nothing is cut). */
  width?: number
  bin: string
}

function statusColour(chalk: ChalkInstance, status: string): (text: string) => string {
  if (status === 'changed') return chalk.green
  if (status === 'failed') return chalk.red
  if (status === 'skipped') return chalk.yellow
  return chalk.dim
}

function regionColumn<Row extends {region: string}>(rows: readonly Row[]): Column<Row>[] {
  return new Set(rows.map((row) => row.region)).size > 1 ? [{header: 'REGION', value: (row) => row.region}] : []
}

export function renderPlan(plan: readonly PlanEntry[], mode: TracingMode, style: ChangeStyle): string {
  const {chalk} = style
  const rows = plan.map(({fn, action}) => ({region: fn.region, name: fn.name, current: fn.mode, action}))
  const table = renderTable(rows, [
    {header: 'FUNCTION', value: (row) => row.name, shrink: true, min: 12},
    ...regionColumn(rows),
    {header: 'CURRENT', value: (row) => row.current},
    {header: 'PLANNED', value: (row) => (row.action === 'update' ? `→ ${mode}` : 'unchanged'), style: (text, row) => (row.action === 'update' ? chalk.bold(text) : chalk.dim(text))},
  ], {width: style.width, header: chalk.bold})
  const changes = plan.filter((entry) => entry.action === 'update').length
  return `${table}\n\n${plural(changes, 'function')} would change to ${mode}, ${plan.length - changes} already ${mode}. Dry run: nothing was changed.`
}

export function renderChanges(
  results: readonly ChangeResult[],
  style: ChangeStyle,
  context: {operation?: string; interrupted?: boolean},
): string {
  const {chalk} = style
  const reason = (r: ChangeResult) => [r.error?.message, ...r.notes].filter(Boolean).join('; ')
  const table = renderTable(results, [
    {header: 'FUNCTION', value: (r) => r.function, shrink: true, min: 12},
    ...regionColumn(results),
    {header: 'BEFORE', value: (r) => r.previousMode},
    {header: 'AFTER', value: (r) => r.mode},
    {header: 'RESULT', value: (r) => r.status, style: (text, r) => statusColour(chalk, r.status)(text)},
    {header: 'REASON', value: reason, shrink: true, min: 20},
  ], {width: style.width, header: chalk.bold})

  const summary = summarise(results)
  const lines = [table, '']
  const fixes = [...new Set(results.flatMap((r) => (r.status === 'failed' ? (r.error?.suggestions ?? []) : [])))]
  for (const fix of fixes.slice(0, 10)) lines.push(`Try: ${sanitize(fix)}`)
  if (fixes.length > 10) lines.push(`… and ${fixes.length - 10} more suggestions (see --json)`)
  if (fixes.length > 0) lines.push('')
  lines.push(
    `${summary.changed} changed, ${summary.unchanged} unchanged, ${summary.skipped} skipped, ${summary.failed} failed` +
      (context.interrupted ? ' (interrupted)' : ''),
  )
  if (context.operation) lines.push(`Undo with: ${style.bin} restore ${context.operation}`)
  return lines.join('\n')
}
