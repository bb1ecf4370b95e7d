import {setMaxListeners} from 'node:events'

import {Args, Flags, ux} from '@oclif/core'

import {XtraceCommand} from '../base-command.js'
import {RegionalClients} from '../aws/regions.js'
import {failed, summariseChecks} from '../doctor/checks.js'
import {applyFixes, type FixOutcome, planFixes, planIsEmpty, plannedOutcomes} from '../doctor/fix.js'
import {type DoctorReport, examine} from '../doctor/run.js'
import {parseSince} from '../doctor/traffic.js'
import {ExitCode, XtraceError} from '../errors.js'
import {awsOptionsFrom, DEFAULT_CONCURRENCY, multiRegionAwsFlags, selectionFlags} from '../flags.js'
import {currentTerminal, makeChalk, supportsUnicode} from '../output.js'
import {RolePermissionReader, XRAY_WRITE_POLICY} from '../permissions/role.js'
import {confirmChange} from '../prompt.js'
import {allChecks, type DoctorJson, renderDoctor, renderFixOutcomes, renderFixPlan, toDoctorJson} from '../render/doctor.js'
import {plural} from '../render/format.js'
import {JournalWriter, plannedChange} from '../tracing/journal.js'
import {parseFunctionRef} from '../tracing/refs.js'
import {selectionFromArgs} from '../tracing/selection.js'

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
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs, or - to read names from stdin (default: all)', ignoreStdin: true}),
  }

  static override flags = {
    fix: Flags.boolean({description: `attach ${XRAY_WRITE_POLICY} where missing and set Active (asks first, unless --yes)`}),
    'dry-run': Flags.boolean({description: 'with --fix: show what would change, change nothing'}),
    yes: Flags.boolean({char: 'y', description: 'do not ask before fixing (needed without a terminal)'}),
    since: Flags.string({description: 'how far back to look for traces (e.g. 15m, 2h; at most 24h)', default: '15m', helpValue: 'DURATION'}),
    verbose: Flags.boolean({char: 'v', description: 'list passing checks of every function too'}),
    strict: Flags.boolean({description: 'exit 1 when a check could not be decided, as well as when one failed (for CI)'}),
    aliases: Flags.boolean({description: 'check aliases on published versions (one ListAliases per function; --no-aliases skips it in big accounts)', default: true, allowNo: true}),
    ascii: Flags.boolean({description: 'plain ASCII marks instead of ✔ ⚠ ✖', allowNo: true}),
    concurrency: Flags.integer({description: 'functions changed at the same time by --fix', default: DEFAULT_CONCURRENCY, min: 1, max: 100, helpValue: 'N'}),
    ...selectionFlags,
    ...multiRegionAwsFlags,
  }

  public async run(): Promise<DoctorJson> {
    const {argv, flags} = await this.parse(Doctor)
    const selection = selectionFromArgs(argv as string[], flags)
    const aws = awsOptionsFrom(flags)
    const options = {aws, sinceSeconds: parseSince(flags.since), bin: this.config.bin, aliases: flags.aliases}
    const regional = new RegionalClients(aws)
    const terminal = currentTerminal()
    const style = {
      chalk: makeChalk(terminal),
      ascii: flags.ascii ?? !supportsUnicode(terminal),
      verbose: flags.verbose,
      strict: flags.strict,
      ...(terminal.isTTY && terminal.columns ? {width: terminal.columns} : {}),
    }
    const text = !this.jsonEnabled()
    const spinner = text && process.stderr.isTTY === true
    if (spinner) ux.action.start('Examining')
    const report = await examine(regional, flags.region ?? [], selection, options).finally(() => spinner && ux.action.stop())
    this.warnAll(report.warnings)
    if (text) this.log(renderDoctor(report, style))

    let fixes: FixOutcome[] | undefined
    let final = report
    const usable = report.regions.every((region) => !region.checks.some((c) => c.id === 'account.credentials' && c.status === 'fail'))
    if ((flags.fix || flags['dry-run']) && usable) {
      const plan = planFixes(report)
      if (text) this.log(`\n${renderFixPlan(plan, style, flags['dry-run'] || planIsEmpty(plan))}`)
      if (flags['dry-run']) {
        fixes = plannedOutcomes(plan)
      } else if (!planIsEmpty(plan)) {
        const what = `${plan.attach.length > 0 ? `attaching ${XRAY_WRITE_POLICY} to ${plural(plan.attach.length, 'role')}` : ''}${plan.attach.length > 0 && plan.enable.length > 0 ? ' and ' : ''}${plan.enable.length > 0 ? `enabling ${plural(plan.enable.length, 'function')}` : ''}`
        if (!(await confirmChange('Apply these fixes?', {yes: flags.yes, what}))) {
          throw new XtraceError('nothing was changed', {code: 'DECLINED', exit: ExitCode.failed, suggestions: ['check the plan with --fix --dry-run; --yes skips the question']})
        }
        const outcome = await this.applyAndRecheck(report, plan, regional, {...options, skipAccount: true}, flags.concurrency)
        fixes = outcome.fixes
        final = outcome.report
        if (text) this.log(`\n${renderFixOutcomes(fixes, style)}\n\n${renderDoctor({regions: [], missing: [], warnings: [], functions: outcome.rechecked}, {...style, verbose: false})}`)
        if (outcome.interrupted) {
          if (!text) this.logJson(toDoctorJson(final, fixes))
          this.exit(ExitCode.interrupted)
        }
      }
    }
    if (failed(summariseChecks(allChecks(final)), flags.strict)) process.exitCode = ExitCode.failed
    return toDoctorJson(final, fixes)
  }

  private async applyAndRecheck(report: DoctorReport, plan: ReturnType<typeof planFixes>, regional: RegionalClients, options: Parameters<typeof examine>[3], concurrency: number) {
    const journal = JournalWriter.create(
      {command: 'doctor', mode: 'Active'},
      plan.enable.map((fn) => plannedChange(fn, 'Active')),
    )
    const controller = new AbortController()
    setMaxListeners(0, controller.signal)
    const stop = () => controller.abort()
    process.on('SIGINT', stop)
    const lambdas = await regional.all()
    let fixes: FixOutcome[]
    try {
      const reader = new RolePermissionReader(await regional.iam(report.functions[0]?.fn.region))
      fixes = (await applyFixes(plan, {reader, journal, lambdaFor: (region) => lambdas.get(region)!.lambda, concurrency, signal: controller.signal})).outcomes
    } finally {
      this.holdInterruptsUntilReported()
      process.off('SIGINT', stop)
      journal.close()
    }
    // Check again what the fixes touched; the rest of the report stands.
    const affectedRoles = new Set(plan.attach.map((a) => a.role))
    const affected = report.functions.filter((item) => affectedRoles.has(item.fn.role) || plan.enable.some((fn) => fn.arn === item.fn.arn))
    const again = await examine(new RegionalClients(options.aws), [], {refs: affected.map((item) => parseFunctionRef(item.fn.arn)), all: false, match: [], tags: []}, options)
    const byArn = new Map(again.functions.map((item) => [item.fn.arn, item]))
    const functions = report.functions.map((item) => byArn.get(item.fn.arn) ?? item)
    return {fixes, report: {...report, functions}, rechecked: again.functions, interrupted: controller.signal.aborted}
  }
}
