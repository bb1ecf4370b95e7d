import type {ChalkInstance} from 'chalk'

import {type Check, type CheckStatus, type DoctorSummary, summariseChecks, undecidedReasons} from '../doctor/checks.js'
import type {FixOutcome, FixPlan} from '../doctor/fix.js'
import type {DoctorReport} from '../doctor/run.js'
import {formatSnippet, type StickSnippet} from '../iac/snippets.js'
import {padEnd, plural, wrap} from './format.js'
import {roleNameFromArn, XRAY_WRITE_POLICY} from '../permissions/role.js'
import {listSome} from '../text/list.js'
import {sanitize} from '../text/sanitize.js'

/** `xtrace doctor` as text and as JSON, from the same report. Pure. */

export interface DoctorJson {
  checks: Check[]
  summary: DoctorSummary
  /** With --fix: what was changed (or, with --dry-run, would be). */
  fixes?: FixOutcome[]
  /** With --fix: the changes to make in templates (xtrace never edits them), one per stack. */
  templateChanges?: StickSnippet[]
}

export function allChecks(report: DoctorReport): Check[] {
  return [...report.regions.flatMap((region) => region.checks), ...report.missing, ...report.functions.flatMap((item) => item.checks)]
}

/** The template changes, for people: xtrace never edits a template. */
export function renderTemplateChanges(changes: readonly StickSnippet[], style: DoctorStyle): string {
  return [style.chalk.bold('Make it stick in the templates (xtrace never edits them):'), ...changes.flatMap((change) => formatSnippet(change).split('\n').map((line) => `  ${sanitize(line)}`))].join('\n')
}

export function toDoctorJson(report: DoctorReport, fixes?: FixOutcome[], templateChanges?: StickSnippet[]): DoctorJson {
  const checks = allChecks(report).map((c) => ({id: c.id, status: c.status, ...(c.account ? {account: c.account} : {}), ...(c.function ? {function: c.function} : {}), message: c.message, ...(c.fix ? {fix: c.fix} : {}), ...(c.reason ? {reason: c.reason} : {})}))
  return {checks, summary: summariseChecks(checks), ...(fixes ? {fixes} : {}), ...(templateChanges && templateChanges.length > 0 ? {templateChanges} : {})}
}

export interface DoctorStyle {
  chalk: ChalkInstance
  ascii: boolean
  /** Show passing checks of every function (otherwise folded into one line when there are many). */
  verbose: boolean
  /** Terminal width: messages wrap under themselves. Undefined on a pipe (one line a message). */
  width?: number
  /** --strict: unknown checks fail the run. */
  strict?: boolean
  /** The run spans accounts: fixes say which account. */
  accounts?: boolean
}

const MARKS: Record<CheckStatus, {unicode: string; ascii: string}> = {
  ok: {unicode: '✔', ascii: 'ok'},
  warn: {unicode: '⚠', ascii: '!!'},
  fail: {unicode: '✖', ascii: 'xx'},
  unknown: {unicode: '?', ascii: '??'},
}

function mark(status: CheckStatus, style: DoctorStyle): string {
  const text = style.ascii ? MARKS[status].ascii : MARKS[status].unicode
  const {chalk} = style
  return status === 'ok' ? chalk.green(text) : status === 'warn' ? chalk.yellow(text) : status === 'fail' ? chalk.red(text) : chalk.magenta(text)
}

function renderChecks(checks: readonly Check[], style: DoctorStyle, foldOk: boolean): string[] {
  const shown = foldOk ? checks.filter((c) => c.status !== 'ok') : checks
  const width = Math.max(...shown.map((c) => c.id.length), 0)
  const lines: string[] = []
  const indent = ' '.repeat(width + 6)
  const room = style.width === undefined ? 0 : Math.max(20, style.width - indent.length)
  const flow = (text: string) => (room ? wrap(text, room) : [text])
  for (const item of shown) {
    const [first = '', ...rest] = flow(sanitize(item.message))
    lines.push(`  ${mark(item.status, style)} ${padEnd(item.id, width)}  ${first}`, ...rest.map((line) => indent + line))
    if (item.fix && item.status !== 'ok') {
      const [head = '', ...more] = flow(`fix: ${sanitize(item.fix)}`)
      lines.push(`${indent}${style.chalk.bold('fix:')}${head.slice(4)}`, ...more.map((line) => indent + line))
    }
  }
  const folded = checks.length - shown.length
  if (foldOk && folded > 0) lines.push(`  ${mark('ok', style)} ${plural(folded, 'more check')} ok`)
  return lines
}

export function renderDoctor(report: DoctorReport, style: DoctorStyle): string {
  const {chalk} = style
  const lines: string[] = []
  for (const region of report.regions) {
    lines.push(chalk.bold(`Account and X-Ray (${region.account ? `${region.account}, ` : ''}${region.region})`), ...renderChecks(region.checks, style, false), '')
  }
  for (const missing of report.missing) lines.push(chalk.bold(missing.function ?? ''), ...renderChecks([missing], style, false), '')
  const fold = !style.verbose && report.functions.length > 3
  for (const item of report.functions) {
    const label = item.checks[0]?.function ?? item.fn.name
    if (fold && item.checks.every((c) => c.status === 'ok')) {
      lines.push(`${chalk.bold(sanitize(label))}  ${mark('ok', style)} all ${item.checks.length} checks ok`)
      continue
    }
    lines.push(chalk.bold(sanitize(label)), ...renderChecks(item.checks, style, fold))
    if (!fold) lines.push('')
  }
  if (fold) lines.push('')
  lines.push(summaryLine(report, style.strict === true))
  return lines.join('\n')
}

/** `3 functions: 20 ok, 1 warn, 0 fail, 2 unknown (not decided: …)`. */
export function summaryLine(report: DoctorReport, strict: boolean): string {
  const checks = allChecks(report)
  const summary = summariseChecks(checks)
  const functions = report.functions.length + report.missing.length
  const reasons = undecidedReasons(checks)
  const open =
    reasons.length > 0
      ? ` (not decided: ${reasons.map(({reason, count}) => `${count} ${reason}`).join(', ')}${strict ? '; --strict counts them as failed' : '; --strict fails on them'})`
      : ''
  return `${functions > 0 ? `${plural(functions, 'function')}: ` : ''}${summary.ok} ok, ${summary.warn} warn, ${summary.fail} fail, ${summary.unknown} unknown${open}`
}

export function renderFixPlan(plan: FixPlan, style: DoctorStyle, dryRun: boolean): string {
  const lines = describePlan(plan, style.accounts === true).map((line) => `  - ${line}`)
  const out = [lines.length > 0 ? style.chalk.bold(dryRun ? 'Would fix:' : 'Will fix:') : 'Nothing that xtrace may fix automatically.', ...lines]
  if (plan.manual.length > 0) out.push(`${plural(plan.manual.length, 'failure')} must be fixed by hand (see "fix:" above).`)
  if (dryRun) out.push('Dry run: nothing was changed.')
  return out.join('\n')
}

export function renderFixOutcomes(outcomes: readonly FixOutcome[], style: DoctorStyle): string {
  const lines = outcomes.map((outcome) => {
    const status = outcome.status === 'done' ? mark('ok', style) : outcome.status === 'failed' ? mark('fail', style) : mark('unknown', style)
    const where = style.accounts && outcome.account ? ` (${outcome.account})` : ''
    const what = outcome.action === 'attach-policy' ? `attached AWSXRayDaemonWriteAccess to ${sanitize(roleNameFromArn(outcome.target))}${where}` : `${sanitize(outcome.target)}${where} → Active`
    return `  ${status} ${what}${outcome.status === 'done' ? '' : ` (${outcome.status}${outcome.error ? `: ${sanitize(outcome.error)}` : ''})`}`
  })
  return [style.chalk.bold('Fixed:'), ...lines].join('\n')
}

/** The fixes of a plan, one line each. */
function describePlan(plan: FixPlan, accounts: boolean): string[] {
  const lines: string[] = []
  for (const {role, functions} of plan.attach) {
    lines.push(`attach ${XRAY_WRITE_POLICY} to role ${sanitize(roleNameFromArn(role))}${accounts ? ` in ${role.split(':')[4] ?? '?'}` : ''} (for ${listSome(functions.map(sanitize), 3)})`)
  }
  for (const fn of plan.enable) lines.push(`set ${sanitize(fn.name)} (${accounts ? `${fn.account}/` : ''}${fn.region}) to Active tracing`)
  return lines
}
