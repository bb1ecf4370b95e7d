import {setMaxListeners} from 'node:events'

import type {LambdaClient} from '@aws-sdk/client-lambda'
import type {Interfaces} from '@oclif/core'

import {type AccountFailure, type AccountTarget, reachAccounts, spansAccounts, targetFinder} from '../../aws/accounts.js'
import type Doctor from '../../commands/doctor.js'
import {check, failed, summariseChecks} from '../../doctor/checks.js'
import {applyFixes, type FixOutcome, type FixPlan, planFixes, planIsEmpty, plannedOutcomes, templateChanges} from '../../doctor/fix.js'
import {type DoctorOptions, type DoctorReport, examine} from '../../doctor/run.js'
import {parseSince} from '../../doctor/traffic.js'
import {ExitCode, XtraceError} from '../../errors.js'
import type {StickSnippet} from '../../iac/snippets.js'
import {RolePermissionReader, XRAY_WRITE_POLICY} from '../../permissions/role.js'
import {allChecks, type DoctorJson, renderDoctor, renderFixOutcomes, renderFixPlan, renderTemplateChanges, toDoctorJson} from '../../render/doctor.js'
import {plural} from '../../render/format.js'
import {JournalWriter, plannedChange} from '../../tracing/journal.js'
import {parseFunctionRef} from '../../tracing/refs.js'
import type {FunctionState} from '../../tracing/select.js'
import {runPool} from '../../util/pool.js'
import {accountScopeFrom, awsOptionsFrom, DEFAULT_CONCURRENCY, iacTagsFrom, ratesFrom} from '../flag-values.js'
import {printToStderr, printToStdout, warnAll} from '../io.js'
import {currentTerminal, makeChalk, supportsUnicode} from '../output.js'
import {confirmChange} from '../prompt.js'
import {selectionFromArgs} from '../selection.js'
import {isTerminal} from '../standard-streams.js'
import type {CommandRun} from './command-run.js'

/** The body of `xtrace doctor`, whichever entry runs it: oclif's (commands/doctor.ts) or the lean one (cli/lean.ts). */

export type DoctorFlags = Interfaces.InferredFlags<(typeof Doctor)['flags'] & (typeof Doctor)['baseFlags']>

export async function runDoctor(command: CommandRun<DoctorFlags>): Promise<DoctorJson> {
  const {argv, flags} = await command.parse(command.argv)
  const selection = selectionFromArgs(argv as string[], flags)
  const scope = accountScopeFrom(flags, 'doctor')
  const spanning = spansAccounts(scope)
  const aws = awsOptionsFrom(flags)
  const options: Omit<DoctorOptions, 'account'> = {aws, sinceSeconds: parseSince(flags.since), bin: command.bin, aliases: flags.aliases, iacTags: iacTagsFrom(flags)}
  const terminal = currentTerminal()
  const style = {
    chalk: makeChalk(terminal),
    ascii: flags.ascii ?? !supportsUnicode(terminal),
    verbose: flags.verbose,
    strict: flags.strict,
    accounts: spanning,
    ...(terminal.isTTY && terminal.columns ? {width: terminal.columns} : {}),
  }
  const text = !command.json
  // The spinner is oclif's; loaded only when it is drawn (stderr on a terminal).
  const spinner = text && isTerminal(2) ? (await import('@oclif/core/ux')).ux.action : undefined
  const reached = await reachAccounts(aws, scope, ratesFrom(flags))
  try {
    spinner?.start('Examining')
    // A few accounts at a time: each examines its functions with its own concurrency.
    const parts = (await runPool(reached.targets, 4, async (target) => ({
      target,
      report: await examine(target.regional, flags.region ?? [], selection, {...options, ...(target.id && spanning ? {account: target.id} : {})}),
    })).finally(() => spinner?.stop())).filter((part) => part !== undefined)
    const report = merge(parts.map((part) => part.report), reached.failures)
    warnAll(report.warnings)
    if (text) printToStdout(renderDoctor(report, style))

    let fixes: FixOutcome[] | undefined
    let changes: StickSnippet[] | undefined
    let final = report
    const usable = parts.filter((part) => part.report.regions.every((region) => !region.checks.some((c) => c.id === 'account.credentials' && c.status === 'fail')))
    if ((flags.fix || flags['dry-run']) && usable.length > 0) {
      const plans = usable.map((part) => ({target: part.target, report: part.report, plan: planFixes(part.report)}))
      const plan = mergePlans(plans.map((item) => item.plan))
      if (text) printToStdout(`\n${renderFixPlan(plan, style, flags['dry-run'] || planIsEmpty(plan))}`)
      changes = usable.flatMap((part) => templateChanges(part.report, plans.find((item) => item.report === part.report)!.plan))
      if (text && changes.length > 0) printToStdout(`\n${renderTemplateChanges(changes, style)}`)
      if (flags['dry-run']) {
        fixes = plannedOutcomes(plan)
      } else if (!planIsEmpty(plan)) {
        const what = `${plan.attach.length > 0 ? `attaching ${XRAY_WRITE_POLICY} to ${plural(plan.attach.length, 'role')}` : ''}${plan.attach.length > 0 && plan.enable.length > 0 ? ' and ' : ''}${plan.enable.length > 0 ? `enabling ${plural(plan.enable.length, 'function')}` : ''}`
        if (!(await confirmChange('Apply these fixes?', {yes: flags.yes, what}))) {
          throw new XtraceError('nothing was changed', {code: 'DECLINED', exit: ExitCode.failed, suggestions: ['check the plan with --fix --dry-run; --yes skips the question']})
        }
        const outcome = await applyAndRecheck(command, plans, reached.targets, {...options, skipAccount: true}, flags.concurrency ?? DEFAULT_CONCURRENCY, flags.region ?? [], spanning)
        fixes = outcome.fixes
        const rechecked = new Map(outcome.rechecked.map((item) => [item.fn.arn, item]))
        final = {...report, functions: report.functions.map((item) => rechecked.get(item.fn.arn) ?? item)}
        if (text) printToStdout(`\n${renderFixOutcomes(fixes, style)}\n\n${renderDoctor({regions: [], missing: [], warnings: [], functions: outcome.rechecked}, {...style, verbose: false})}`)
        if (outcome.interrupted) {
          process.exitCode = ExitCode.interrupted
          return toDoctorJson(final, fixes, changes)
        }
      }
    }
    if (failed(summariseChecks(allChecks(final)), flags.strict)) process.exitCode = ExitCode.failed
    return toDoctorJson(final, fixes, changes)
  } finally {
    await reached.destroy()
  }
}

/** Applies each account's fixes (one journal for all), then examines again what they touched. */
async function applyAndRecheck(
  command: CommandRun<DoctorFlags>,
  plans: {target: AccountTarget; report: DoctorReport; plan: FixPlan}[],
  targets: AccountTarget[],
  options: Omit<DoctorOptions, 'account'>,
  concurrency: number,
  regions: string[],
  spanning: boolean,
) {
  const targetOf = targetFinder(targets)
  const journal = JournalWriter.create(
    {command: 'doctor', mode: 'Active'},
    plans.flatMap(({plan}) => plan.enable.map((fn) => plannedChange(fn, 'Active', targetOf(fn).roleArn))),
  )
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  await command.interrupts.proceed()
  command.interrupts.changing({
    stop: () => {
      controller.abort()
      printToStderr('stopping: no new fix starts; letting the ones in flight finish (Ctrl-C again to quit now)')
    },
    quit: () => {
      journal.close()
      printToStderr(`interrupted: fixes in flight may have landed; ${command.bin} restore ${journal.id} undoes the tracing changes`)
    },
  })
  const fixes: FixOutcome[] = []
  try {
    await Promise.all(plans.map(async ({target, plan, report}) => {
      const lambdas = new Map<string, LambdaClient>()
      for (const fn of plan.enable) if (!lambdas.has(fn.region)) lambdas.set(fn.region, (await target.regional.forRegion(fn.region)).lambda)
      const reader = new RolePermissionReader(await target.regional.iam(report.functions[0]?.fn.region))
      fixes.push(...(await applyFixes(plan, {reader, journal, lambdaFor: (fn: FunctionState) => lambdas.get(fn.region)!, concurrency, signal: controller.signal, ...(spanning && target.id ? {account: target.id} : {})})).outcomes)
    }))
  } finally {
    command.interrupts.changesOver()
    journal.close()
  }
  await command.interrupts.proceed()
  // Check again what the fixes touched; the rest of the report stands.
  const again = await Promise.all(plans.map(async ({target, plan, report}) => {
    const affectedRoles = new Set(plan.attach.map((a) => a.role))
    const affected = report.functions.filter((item) => affectedRoles.has(item.fn.role) || plan.enable.some((fn) => fn.arn === item.fn.arn))
    if (affected.length === 0) return []
    const regionsOf = [...new Set([...regions, ...affected.map((item) => item.fn.region)])]
    const rechecked = await examine(target.regional, regionsOf, {refs: affected.map((item) => parseFunctionRef(item.fn.arn)), all: false, match: [], tags: []}, {...options, ...(spanning && target.id ? {account: target.id} : {})})
    return rechecked.functions
  }))
  return {fixes, rechecked: again.flat(), interrupted: controller.signal.aborted}
}

/** One report of several accounts' reports, with the accounts that could not be reached as failed checks. */
function merge(reports: DoctorReport[], failures: AccountFailure[]): DoctorReport {
  const unreachable = failures.map((failure) => ({
    region: failure.region ?? '*',
    account: failure.account,
    checks: [{...check('account.reach', 'fail', failure.message, failure.suggestions[0]), account: failure.account}],
  }))
  const functions = reports.flatMap((report) => report.functions)
  // A name missing from one account is no failure when another account has it.
  const found = new Set(functions.map((item) => item.fn.name))
  const missing = new Map<string, DoctorReport['missing'][number]>()
  for (const item of reports.flatMap((report) => report.missing)) if (!found.has(item.function ?? '') && !missing.has(item.function ?? '')) missing.set(item.function ?? '', item)
  return {
    regions: [...unreachable, ...reports.flatMap((report) => report.regions)],
    functions,
    missing: [...missing.values()],
    warnings: reports.flatMap((report) => report.warnings),
  }
}

function mergePlans(plans: FixPlan[]): FixPlan {
  return {attach: plans.flatMap((plan) => plan.attach), enable: plans.flatMap((plan) => plan.enable), manual: plans.flatMap((plan) => plan.manual)}
}
