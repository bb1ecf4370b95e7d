import {setMaxListeners} from 'node:events'

import type {LambdaClient} from '@aws-sdk/client-lambda'

import {type AccountFailure, type AccountTarget, reachAccounts, spansAccounts, targetFinder} from '../../aws/accounts.js'
import {driftWarning, type ManagedFacts} from '../../iac/drift.js'
import {type IacTag, isManaged, managedByLabel} from '../../iac/managed.js'
import {formatSnippet, stickSnippets} from '../../iac/snippets.js'
import {managedFactsOf, readIac} from '../../iac/stacks.js'
import {ExitCode, XtraceError} from '../../errors.js'
import {RolePermissionReader, XRAY_WRITE_POLICY} from '../../permissions/role.js'
import {type ChangeJson, type ChangeStyle, renderAccountFailures, renderChanges, renderPlan, toChangeJson, toPlanJson} from '../../render/changes.js'
import {plural} from '../../render/format.js'
import {sanitize} from '../../text/sanitize.js'
import {applyPlan} from '../../tracing/apply.js'
import {checkRoles, rolesToAttach} from '../../tracing/grant.js'
import {JournalWriter, plannedChange} from '../../tracing/journal.js'
import {type ChangeResult, initialResults, planChange, type PlanEntry} from '../../tracing/plan.js'
import type {TracingMode} from '../../tracing/refs.js'
import {type FunctionState, listsFunctions, READ_CONCURRENCY, selectInAccounts} from '../../tracing/select.js'
import {listPublishedAliases} from '../../tracing/status.js'
import {iamPropagationSeconds} from '../../tracing/update.js'
import {runPool} from '../../util/pool.js'
import {type AccountFlagValues, accountScopeFrom, awsOptionsFrom, type AwsFlagValues, iacTagsFrom, ratesFrom} from '../flag-values.js'
import {currentTerminal, makeChalk, ProgressLine} from '../output.js'
import {printToStderr, printToStdout, writeJson} from '../io.js'
import {confirmChange} from '../prompt.js'
import {selectionFromArgs} from '../selection.js'
import type {CommandRun} from './command-run.js'

/**
 * What `enable`, `disable` and `restore` share once they know which functions and which mode: the
 * permission pre-check, the plan, --dry-run, consent, the journal, Ctrl-C, progress, the final
 * table and the exit code, whichever entry runs them: oclif's (commands/) or the lean one (cli/lean.ts).
 * The bodies (run/enable.ts, disable.ts, restore.ts) stay a few lines of glue around it; the work itself
 * is in the capability modules (tracing/), which never print, prompt or exit.
 */

/** What the change needs of the body's run: its --json, its bin for the commands it suggests, its Ctrl-C handling. */
export type ChangeContext = Pick<CommandRun<unknown>, 'json' | 'bin' | 'interrupts'>

/** The flags of enable and disable that changeSelected reads. */
type SelectedChangeFlags = ChangeFlags &
  AwsFlagValues &
  AccountFlagValues & {all?: boolean; match?: string[]; tag?: string[]; region?: string[]; 'lambda-rate'?: number; 'iac-tag'?: string[]; 'skip-managed'?: boolean}

/** Until the changes start, Ctrl-C and SIGTERM end the run saying nothing was changed: set before the command line is parsed. */
export function interruptBeforeChanges(ctx: ChangeContext): void {
  ctx.interrupts.beforeChanges(() => {
    const message = 'interrupted: nothing was changed'
    process.stderr.write(`\nerror: ${message}\n`)
    if (ctx.json) writeJson({error: {code: 'INTERRUPTED', message, suggestions: []}})
  })
}

export interface ChangeFlags {
  'dry-run': boolean
  yes: boolean
  concurrency: number
  wait: boolean
  'wait-timeout': number
  'attach-policy'?: boolean
}

export interface ChangeRequest {
  plan: PlanEntry[]
  mode: TracingMode
  flags: ChangeFlags
  /** The accounts worked in, each with its clients. */
  targets: AccountTarget[]
  /** Accounts (or regions of them) that could not be reached: reported with the results. */
  failures: AccountFailure[]
  /** Whether the run spans accounts (--accounts / --org): results say which account. */
  spansAccounts: boolean
  /** Journal header: which command, and for a restore which operation it undoes. */
  journal: {command: string; restores?: string; externalId?: boolean}
  /** The user named exactly one function: no confirmation needed for it. */
  singleNamed: boolean
  /** What deploys each function to update, by ARN (issue 15). */
  managed?: ReadonlyMap<string, ManagedFacts>
  /** --skip-managed: leave functions a deploy manages alone. */
  skipManaged?: boolean
}

/** Above this many changed functions, aliases are not looked up one by one. */
const ALIAS_LOOKUP_LIMIT = 25

/** enable and disable: the functions the command line selects, to `mode`. */
export async function changeSelected(run: CommandRun<SelectedChangeFlags>, mode: TracingMode, command: string): Promise<ChangeJson> {
  interruptBeforeChanges(run)
  const {argv, flags} = await run.parse(run.argv)
  const selection = selectionFromArgs(argv as string[], flags)
  const scope = accountScopeFrom(flags, command)
  const reached = await reachAccounts(awsOptionsFrom(flags), scope, ratesFrom(flags))
  try {
    for (const failure of reached.failures) printToStderr(`warning: ${failure.message}`)
    const selected = await selectInAccounts(reached.targets, flags.region ?? [], selection, {command, warn: (warning) => printToStderr(`warning: ${warning}`)})
    for (const failure of selected.failures) printToStderr(`warning: ${failure.message}`)
    const plan = planChange(selected.functions, mode)
    const managed = await readManaged(plan, reached.targets, iacTagsFrom(flags))
    return await executeChange(run, {
      plan,
      managed,
      skipManaged: flags['skip-managed'] === true,
      mode,
      flags,
      targets: reached.targets,
      failures: [...reached.failures, ...selected.failures],
      spansAccounts: spansAccounts(scope),
      journal: {command, ...(scope?.externalId ? {externalId: true} : {})},
      singleNamed: selection.refs.length === 1 && !listsFunctions(selection) && !spansAccounts(scope),
    })
  } finally {
    await reached.destroy()
  }
}

/** What deploys the functions to update: tags, then each stack's template once (iac/). */
async function readManaged(plan: readonly PlanEntry[], targets: AccountTarget[], iacTags: IacTag[]): Promise<Map<string, ManagedFacts>> {
  const targetOf = targetFinder(targets)
  const byTarget = new Map<AccountTarget, FunctionState[]>()
  for (const {fn, action} of plan) if (action === 'update') byTarget.set(targetOf(fn), [...(byTarget.get(targetOf(fn)) ?? []), fn])
  const managed = new Map<string, ManagedFacts>()
  await Promise.all(
    [...byTarget].map(async ([target, functions]) => {
      const iac = await readIac(target.regional, functions, {iacTags, templates: true})
      for (const warning of iac.warnings) printToStderr(`warning: ${warning}`)
      for (const fn of functions) managed.set(fn.arn, managedFactsOf(iac, fn).facts)
    }),
  )
  return managed
}

export async function executeChange(ctx: ChangeContext, request: ChangeRequest): Promise<ChangeJson> {
  const {mode, flags} = request
  const terminal = currentTerminal()
  const style: ChangeStyle = {chalk: makeChalk(terminal), bin: ctx.bin, accounts: request.spansAccounts, ...(terminal.isTTY && terminal.columns ? {width: terminal.columns} : {})}
  const managedOf = (fn: FunctionState) => request.managed?.get(fn.arn)
  // --skip-managed: what a deploy manages is left out of the plan, and reported as skipped.
  const leftAlone = request.skipManaged ? request.plan.filter((entry) => entry.action === 'update' && isManaged(managedOf(entry.fn)?.managedBy)) : []
  const plan = request.plan.filter((entry) => !leftAlone.includes(entry))
  const skippedResults = () =>
    initialResults(leftAlone, mode).map((result) => {
      result.status = 'skipped'
      result.mode = result.previousMode
      result.notes.push(`managed by ${managedByLabel(request.managed?.get(result.arn)?.managedBy)}: left alone (--skip-managed)`)
      return result
    })
  const drifts = new Map<string, string>()
  for (const {fn, action} of plan) {
    const warning = action === 'update' ? driftWarning(fn.name, managedOf(fn), mode, fn.mode) : undefined
    if (warning) drifts.set(fn.arn, warning)
  }
  const withIac = <T extends ChangeJson>(json: T): T => {
    for (const result of json.results) {
      const facts = request.managed?.get(result.arn)
      if (facts && isManaged(facts.managedBy)) result.managedBy = facts.managedBy
      const drift = drifts.get(result.arn)
      if (drift) result.drift = drift
    }
    return json
  }
  const snippets = stickSnippets(plan.filter((entry) => drifts.has(entry.fn.arn)).map(({fn}) => ({function: fn.name, managedBy: managedOf(fn)!.managedBy})), mode)
  const iacNotice = () => {
    if (ctx.json || drifts.size === 0) return
    const lines = [...drifts.values()].slice(0, 10).map((warning) => `${style.chalk.yellow('!')} ${sanitize(warning)}`)
    if (drifts.size > 10) lines.push(`… and ${drifts.size - 10} more`)
    lines.push('', 'To make it stick, change the source:', ...snippets.flatMap((snippet) => formatSnippet(snippet).split('\n').map(sanitize)))
    if (!request.skipManaged) lines.push(`(--skip-managed leaves the managed functions alone)`)
    printToStdout(`${lines.join('\n')}\n`)
  }
  const updates = plan.filter((entry) => entry.action === 'update')
  const targetOf = targetFinder(request.targets)
  const failed = request.failures.length > 0

  // Enabling needs the roles' X-Ray permissions: check each distinct role once, before asking.
  const readers = new Map<AccountTarget, RolePermissionReader>()
  const readerFor = (fn: FunctionState) => readers.get(targetOf(fn))!
  if (mode === 'Active' && updates.length > 0) {
    for (const {fn} of updates) {
      const target = targetOf(fn)
      if (!readers.has(target)) readers.set(target, new RolePermissionReader(await target.regional.iam(fn.region)))
    }
  }
  const checks = readers.size > 0 ? await checkRoles(updates, readerFor) : []
  const toAttach = rolesToAttach(checks, flags['attach-policy'] === true)
  const unreadable = checks.filter((check) => check.verdict === 'unknown')
  if (unreadable.length > 0) {
    printToStderr(`warning: ${unreadable[0]!.detail}${unreadable.length > 1 ? ` (and ${unreadable.length - 1} more roles)` : ''}; Lambda will check the permission itself`)
  }

  if (flags['dry-run']) {
    if (!ctx.json) {
      printToStdout(renderPlan(plan, mode, style))
      if (toAttach.length > 0) {
        printToStdout(
          flags['attach-policy']
            ? `Would attach ${XRAY_WRITE_POLICY} to ${plural(toAttach.length, 'role')}: ${toAttach.map(sanitize).join(', ')}`
            : `${plural(toAttach.length, 'role')} ${toAttach.length === 1 ? 'lacks' : 'lack'} the X-Ray permissions (${toAttach.map(sanitize).join(', ')}): their functions would fail; add --attach-policy to grant ${XRAY_WRITE_POLICY}`,
        )
      }
      if (failed) printToStdout(`\n${renderAccountFailures(request.failures, style)}`)
      if (leftAlone.length > 0) printToStdout(`${plural(leftAlone.length, 'function')} managed by infrastructure as code would be left alone (--skip-managed)`)
      if (drifts.size > 0) printToStdout('')
      iacNotice()
    }
    if (failed) process.exitCode = ExitCode.failed
    const planJson = withIac(toPlanJson(plan, mode, request.failures))
    if (leftAlone.length > 0) {
      const skipped = toChangeJson(skippedResults()).results.map((r) => ({...r, managedBy: request.managed!.get(r.arn)!.managedBy}))
      planJson.results.push(...skipped)
      planJson.summary.skipped += skipped.length
    }
    return planJson
  }

  if (plan.length === 0 && !failed) printToStderr('warning: no function matched the selection; nothing to do')
  if (updates.length === 0) {
    const results = [...initialResults(plan, mode), ...skippedResults()]
    if (!ctx.json) printToStdout(renderChanges(results, style, {failures: request.failures}))
    if (failed) process.exitCode = ExitCode.failed
    return withIac(toChangeJson(results, {failures: request.failures, accounts: request.spansAccounts}))
  }

  iacNotice()
  await confirm(ctx, request, updates, toAttach, style, drifts.size)

  const journal = JournalWriter.create(
    {command: request.journal.command, mode, ...(request.journal.restores ? {restores: request.journal.restores} : {}), ...(request.journal.externalId ? {externalId: true} : {})},
    updates.map(({fn}) => plannedChange(fn, mode, targetOf(fn).roleArn)),
  )
  const results = initialResults(plan, mode)
  const lambdas = await lambdaClients(updates, targetOf)
  const controller = new AbortController()
  // Every function in flight listens for Ctrl-C: that is by design, not a leak.
  setMaxListeners(0, controller.signal)
  const progress = new ProgressLine(!ctx.json)
  const verb = mode === 'Active' ? 'enabling' : 'disabling'
  const onProgress = (current: readonly ChangeResult[]) => {
    const done = current.filter((r) => r.phase === 'done').length - (plan.length - updates.length)
    const failures = current.filter((r) => r.status === 'failed').length
    progress.update(`${verb}: ${done}/${updates.length} done${failures ? `, ${failures} failed` : ''}${controller.signal.aborted ? ' — stopping (Ctrl-C again to quit now)' : ''}`)
  }

  await ctx.interrupts.proceed()
  ctx.interrupts.changing({
    stop: () => {
      controller.abort()
      progress.clear()
      printToStderr('stopping: no new updates start; letting the ones in flight finish (Ctrl-C again to quit now)')
    },
    quit: () => {
      // Second Ctrl-C: report what we know, call the rest unknown, and leave.
      progress.clear()
      for (const result of results) {
        if (result.phase === 'pending') result.notes.push('not started: interrupted')
        if (result.phase !== 'running') continue
        if (result.changed) {
          // Lambda accepted the update; only its settling is unconfirmed.
          result.notes.push('interrupted before Lambda confirmed the update')
          continue
        }
        result.status = 'failed'
        result.error = {code: 'INTERRUPTED', message: 'interrupted while the update was in flight: outcome unknown', suggestions: [`${ctx.bin} status ${result.function}`]}
        journal.recordOutcome(result.arn, 'unknown')
      }
      journal.close()
      finishInterrupted(ctx, results, request.failures, journal.id, style)
    },
  })
  try {
    await applyPlan(plan, results, {
      mode,
      lambdaFor: (fn) => lambdas.get(`${fn.account}/${fn.region}`)!,
      ...(readers.size > 0 ? {permissionsFor: readerFor} : {}),
      attachPolicy: flags['attach-policy'] === true,
      concurrency: flags.concurrency,
      wait: flags.wait,
      waitSeconds: flags['wait-timeout'],
      iamPropagationSeconds: iamPropagationSeconds(),
      journal,
      signal: controller.signal,
      onProgress,
    })
  } finally {
    ctx.interrupts.changesOver()
    progress.clear()
    journal.close()
  }
  await ctx.interrupts.proceed()

  // After Ctrl-C the user wants out, not notes.
  if (!controller.signal.aborted) await noteAliases(ctx, results, lambdas)
  const changed = results.some((r) => r.changed)
  const asked = new Set(leftAlone.map((entry) => entry.fn.arn))
  results.push(...skippedResults())
  const json = withIac(toChangeJson(results, {...(changed ? {operation: journal.id} : {}), failures: request.failures, accounts: request.spansAccounts}))
  if (controller.signal.aborted) {
    finishInterrupted(ctx, results, request.failures, journal.id, style)
    process.exitCode = ExitCode.interrupted
    return json
  }
  if (!ctx.json) printToStdout(renderChanges(results, style, {...(changed ? {operation: journal.id} : {}), failures: request.failures}))
  // Skipping what --skip-managed asked to skip is no failure.
  if (failed || results.some((r) => r.status === 'failed' || (r.status === 'skipped' && !asked.has(r.arn)))) process.exitCode = ExitCode.failed
  return json
}

/** Consent for a bulk change, or for attaching a policy. */
async function confirm(ctx: ChangeContext, request: ChangeRequest, updates: readonly PlanEntry[], toAttach: readonly string[], style: ChangeStyle, drifting = 0): Promise<void> {
  const {flags, mode} = request
  const attaching = flags['attach-policy'] === true && toAttach.length > 0
  const bulk = updates.length > 1 || !request.singleNamed
  if (!bulk && !attaching && !(drifting > 0 && process.stdin.isTTY && !flags.yes)) return
  const regions = [...new Set(updates.map((entry) => entry.fn.region))]
  const accounts = new Set(updates.map((entry) => entry.fn.account))
  const where = request.spansAccounts ? `${plural(accounts.size, 'account')} × ${plural(regions.length, 'region')} (${regions.join(', ')})` : regions.join(', ')
  const verb = request.journal.command === 'restore' ? `Restore ${mode}` : `Set ${mode} tracing`
  const question =
    `${verb} on ${plural(updates.length, 'function')} in ${where}` +
    (attaching ? ` and attach ${XRAY_WRITE_POLICY} to ${plural(toAttach.length, 'role')} (${toAttach.map(sanitize).join(', ')})` : '') +
    (drifting > 0 ? ` (${drifting} of them managed by infrastructure as code: a deploy can set them back, see above)` : '') +
    '?'
  const what = attaching ? `attaching ${XRAY_WRITE_POLICY} to IAM roles` : `changing ${plural(updates.length, 'function')}`
  if (!flags.yes && !ctx.json && process.stdin.isTTY) printToStdout(renderPlan(request.plan, mode, style).replace(/\n\n.*$/s, ''))
  if (!(await confirmChange(question, {yes: flags.yes, what}))) {
    throw new XtraceError('nothing was changed', {code: 'DECLINED', exit: ExitCode.failed, suggestions: ['check the plan with --dry-run; --yes skips the question']})
  }
}

/** The Lambda client of each account and region the updates touch, built before the first update. */
async function lambdaClients(updates: readonly PlanEntry[], targetOf: (fn: FunctionState) => AccountTarget): Promise<Map<string, LambdaClient>> {
  const clients = new Map<string, LambdaClient>()
  for (const {fn} of updates) {
    const key = `${fn.account}/${fn.region}`
    if (!clients.has(key)) clients.set(key, (await targetOf(fn).regional.forRegion(fn.region)).lambda)
  }
  return clients
}

/** After Ctrl-C: the table of what happened and how to undo it, on stdout (or stderr in --json mode). */
function finishInterrupted(ctx: ChangeContext, results: ChangeResult[], failures: AccountFailure[], journalId: string, style: ChangeStyle): void {
  // An update cut off in flight may have landed: restore must stay on offer for it.
  const operation = results.some((r) => r.changed || r.error?.code === 'INTERRUPTED') ? journalId : undefined
  const text = renderChanges(results, style, {interrupted: true, failures, ...(operation ? {operation} : {})})
  if (ctx.json) printToStderr(text)
  else printToStdout(text)
}

/** Published versions keep the mode they were published with: say so for the functions changed. */
async function noteAliases(ctx: ChangeContext, results: ChangeResult[], lambdas: Map<string, LambdaClient>): Promise<void> {
  const changed = results.filter((r) => r.changed)
  if (changed.length === 0) return
  if (changed.length > ALIAS_LOOKUP_LIMIT) {
    // One ListAliases per function would spend Lambda's 15 calls/s control-plane quota on a note.
    printToStderr(`note: published versions keep the mode they were published with; \`${ctx.bin} status\` shows aliases that point at them`)
    return
  }
  await runPool(changed, READ_CONCURRENCY, async (result) => {
    try {
      const published = await listPublishedAliases(lambdas.get(`${result.account}/${result.region}`)!, result.arn)
      if (published.length > 0) {
        const list = published.slice(0, 3).map((alias) => `${alias.alias}→${alias.version}`).join(', ')
        result.notes.push(
          published.length === 1
            ? `alias ${list} points at a published version, which keeps its mode until you publish a new one`
            : `aliases ${list}${published.length > 3 ? ', …' : ''} point at published versions, which keep their mode until you publish new ones`,
        )
      }
    } catch {
      // A note, not a result: a refused ListAliases must not turn a success into a failure.
    }
  })
}
