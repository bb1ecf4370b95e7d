import {setMaxListeners} from 'node:events'

import type {LambdaClient} from '@aws-sdk/client-lambda'
import {Args, Flags, ux} from '@oclif/core'

import {type AccountFailure, type AccountTarget, reachAccounts, spansAccounts, targetFinder} from '../aws/accounts.js'
import {XtraceCommand} from '../cli/base-command.js'
import {check, failed, summariseChecks} from '../doctor/checks.js'
import {applyFixes, type FixOutcome, type FixPlan, planFixes, planIsEmpty, plannedOutcomes, templateChanges} from '../doctor/fix.js'
import type {StickSnippet} from '../iac/snippets.js'
import {type DoctorOptions, type DoctorReport, examine} from '../doctor/run.js'
import {parseSince} from '../doctor/traffic.js'
import {ExitCode, XtraceError} from '../errors.js'
import {accountFlags, accountScopeFrom, awsOptionsFrom, changeFlags, DEFAULT_CONCURRENCY, iacFlags, iacTagsFrom, multiRegionAwsFlags, pacingFlags, ratesFrom, selectionFlags} from '../cli/flags.js'
import {currentTerminal, makeChalk, supportsUnicode} from '../cli/output.js'
import {RolePermissionReader, XRAY_WRITE_POLICY} from '../permissions/role.js'
import {confirmChange} from '../cli/prompt.js'
import {allChecks, type DoctorJson, renderDoctor, renderFixOutcomes, renderFixPlan, renderTemplateChanges, toDoctorJson} from '../render/doctor.js'
import {plural} from '../render/format.js'
import {JournalWriter, plannedChange} from '../tracing/journal.js'
import {parseFunctionRef} from '../tracing/refs.js'
import {runPool} from '../util/pool.js'
import type {FunctionState} from '../tracing/select.js'
import {selectionFromArgs} from '../cli/selection.js'

export default class Doctor extends XtraceCommand {
  static override summary = "Find why a function's traces do not arrive; fix what is safe."

  static override description = [
    'Checks the account (credentials, X-Ray reachable, where segments go, sampling rules), then each function (default: every function in the region): tracing mode, last update, aliases on published versions, the execution role (exists, trusts Lambda, allows xray:PutTraceSegments and xray:PutTelemetryRecords and the sampling calls — read from its policies and confirmed with IAM\'s policy simulator when you may call it), the X-Ray environment variables, the daemon\'s share of memory, and whether traces arrived lately.',
    `--fix attaches ${XRAY_WRITE_POLICY} to roles that lack the X-Ray permissions and sets PassThrough functions Active, after confirmation (or --yes), then checks them again. Nothing touches IAM without --fix. An explicit Deny, a permissions boundary or a broken trust policy is explained, never changed.`,
    'EXIT CODES\n  0    no check failed (warnings allowed; unknown allowed without --strict)\n  1    a check failed (with --strict: or could not be decided), or an AWS call failed\n  2    usage error\n  130  Ctrl-C during --fix',
  ].join('\n\n')

  static override examples = [
    {description: 'Why do I see no traces for this function?', command: '<%= config.bin %> <%= command.id %> orders-api'},
    {description: 'Check every function in two regions, in CI (exit 1 on failure)', command: '<%= config.bin %> <%= command.id %> --region us-east-1 --region eu-west-1 --json'},
    {description: 'See what --fix would change, then fix it', command: '<%= config.bin %> <%= command.id %> orders-api --fix --dry-run\n<%= config.bin %> <%= command.id %> orders-api --fix'},
    {description: 'In CI: fail when a check fails or cannot be decided', command: '<%= config.bin %> <%= command.id %> --all --strict --json > doctor.json'},
    {description: 'Look for traces over the last two hours', command: '<%= config.bin %> <%= command.id %> --match "orders-*" --since 2h'},
    {description: 'Check every member account of the organization', command: '<%= config.bin %> <%= command.id %> --org --region us-east-1 --no-aliases'},
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs, or - to read names from stdin (default: all)', ignoreStdin: true}),
  }

  static override flags = {
    fix: Flags.boolean({description: `attach ${XRAY_WRITE_POLICY} where missing and set Active (asks first, unless --yes)`}),
    'dry-run': {...changeFlags['dry-run'], description: 'with --fix: show what would change, change nothing'},
    yes: {...changeFlags.yes, description: 'do not ask before fixing (needed without a terminal)'},
    since: Flags.string({description: 'how far back to look for traces (e.g. 15m, 2h; at most 24h)', default: '15m', helpValue: 'DURATION'}),
    verbose: Flags.boolean({char: 'v', description: 'list passing checks of every function too'}),
    strict: Flags.boolean({description: 'exit 1 when a check could not be decided, as well as when one failed (for CI)'}),
    aliases: Flags.boolean({description: 'check aliases on published versions (one ListAliases per function; --no-aliases skips it in big accounts)', default: true, allowNo: true}),
    ascii: Flags.boolean({description: 'plain ASCII marks instead of ✔ ⚠ ✖', allowNo: true}),
    concurrency: {...changeFlags.concurrency, description: `with --fix: ${changeFlags.concurrency.description}`},
    ...selectionFlags,
    ...accountFlags,
    ...multiRegionAwsFlags,
    ...pacingFlags,
    ...iacFlags,
  }

  public async run(): Promise<DoctorJson> {
    const {argv, flags} = await this.parse(Doctor)
    const selection = selectionFromArgs(argv as string[], flags)
    const scope = accountScopeFrom(flags, 'doctor')
    const spanning = spansAccounts(scope)
    const aws = awsOptionsFrom(flags)
    const options: Omit<DoctorOptions, 'account'> = {aws, sinceSeconds: parseSince(flags.since), bin: this.config.bin, aliases: flags.aliases, iacTags: iacTagsFrom(flags)}
    const terminal = currentTerminal()
    const style = {
      chalk: makeChalk(terminal),
      ascii: flags.ascii ?? !supportsUnicode(terminal),
      verbose: flags.verbose,
      strict: flags.strict,
      accounts: spanning,
      ...(terminal.isTTY && terminal.columns ? {width: terminal.columns} : {}),
    }
    const text = !this.jsonEnabled()
    const spinner = text && process.stderr.isTTY === true
    const reached = await reachAccounts(aws, scope, ratesFrom(flags))
    try {
      if (spinner) ux.action.start('Examining')
      // A few accounts at a time: each examines its functions with its own concurrency.
      const parts = (await runPool(reached.targets, 4, async (target) => ({
        target,
        report: await examine(target.regional, flags.region ?? [], selection, {...options, ...(target.id && spanning ? {account: target.id} : {})}),
      })).finally(() => spinner && ux.action.stop())).filter((part) => part !== undefined)
      const report = merge(parts.map((part) => part.report), reached.failures)
      this.warnAll(report.warnings)
      if (text) this.log(renderDoctor(report, style))

      let fixes: FixOutcome[] | undefined
      let changes: StickSnippet[] | undefined
      let final = report
      const usable = parts.filter((part) => part.report.regions.every((region) => !region.checks.some((c) => c.id === 'account.credentials' && c.status === 'fail')))
      if ((flags.fix || flags['dry-run']) && usable.length > 0) {
        const plans = usable.map((part) => ({target: part.target, report: part.report, plan: planFixes(part.report)}))
        const plan = mergePlans(plans.map((item) => item.plan))
        if (text) this.log(`\n${renderFixPlan(plan, style, flags['dry-run'] || planIsEmpty(plan))}`)
        changes = usable.flatMap((part) => templateChanges(part.report, plans.find((item) => item.report === part.report)!.plan))
        if (text && changes.length > 0) this.log(`\n${renderTemplateChanges(changes, style)}`)
        if (flags['dry-run']) {
          fixes = plannedOutcomes(plan)
        } else if (!planIsEmpty(plan)) {
          const what = `${plan.attach.length > 0 ? `attaching ${XRAY_WRITE_POLICY} to ${plural(plan.attach.length, 'role')}` : ''}${plan.attach.length > 0 && plan.enable.length > 0 ? ' and ' : ''}${plan.enable.length > 0 ? `enabling ${plural(plan.enable.length, 'function')}` : ''}`
          if (!(await confirmChange('Apply these fixes?', {yes: flags.yes, what}))) {
            throw new XtraceError('nothing was changed', {code: 'DECLINED', exit: ExitCode.failed, suggestions: ['check the plan with --fix --dry-run; --yes skips the question']})
          }
          const outcome = await this.applyAndRecheck(plans, reached.targets, {...options, skipAccount: true}, flags.concurrency ?? DEFAULT_CONCURRENCY, flags.region ?? [], spanning)
          fixes = outcome.fixes
          const rechecked = new Map(outcome.rechecked.map((item) => [item.fn.arn, item]))
          final = {...report, functions: report.functions.map((item) => rechecked.get(item.fn.arn) ?? item)}
          if (text) this.log(`\n${renderFixOutcomes(fixes, style)}\n\n${renderDoctor({regions: [], missing: [], warnings: [], functions: outcome.rechecked}, {...style, verbose: false})}`)
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
  private async applyAndRecheck(
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
    await this.interrupts.proceed()
    this.interrupts.changing({
      stop: () => {
        controller.abort()
        this.printToStderr('stopping: no new fix starts; letting the ones in flight finish (Ctrl-C again to quit now)')
      },
      quit: () => {
        journal.close()
        this.printToStderr(`interrupted: fixes in flight may have landed; ${this.config.bin} restore ${journal.id} undoes the tracing changes`)
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
      this.interrupts.changesOver()
      journal.close()
    }
    await this.interrupts.proceed()
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
