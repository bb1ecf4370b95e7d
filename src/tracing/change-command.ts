import {setMaxListeners} from 'node:events'

import {XtraceCommand} from '../base-command.js'
import {RegionalClients} from '../aws/regions.js'
import {ExitCode, XtraceError} from '../errors.js'
import {awsOptionsFrom} from '../flags.js'
import {currentTerminal, makeChalk, ProgressLine} from '../output.js'
import {RolePermissionReader, XRAY_WRITE_POLICY, type XRayWriteCheck} from '../permissions/role.js'
import {confirmChange} from '../prompt.js'
import {type ChangeJson, renderChanges, renderPlan, toChangeJson, toPlanJson} from '../render/changes.js'
import {plural} from '../render/format.js'
import {sanitize} from '../render/sanitize.js'
import {runPool} from '../util/pool.js'
import {applyPlan, type ChangeResult, iamPropagationSeconds, initialResults, planChange, type PlanEntry} from './apply.js'
import {JournalWriter, plannedChange} from './journal.js'
import type {TracingMode} from './refs.js'
import {listsFunctions, READ_CONCURRENCY} from './select.js'
import {listPublishedAliases} from './status.js'
import {selectFunctionsOrFail, selectionFromArgs} from './selection.js'

/**
 * What `enable`, `disable` and `restore` share once they know which functions and which mode: the
 * permission pre-check, the plan, --dry-run, consent, the journal, Ctrl-C, progress, the final
 * table and the exit code. Commands stay a few lines of glue around it.
 */

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
  regional: RegionalClients
  /** Journal header: which command, and for a restore which operation it undoes. */
  journal: {command: string; restores?: string}
  /** The user named exactly one function: no confirmation needed for it. */
  singleNamed: boolean
}

/** Above this many changed functions, aliases are not looked up one by one. */
const ALIAS_LOOKUP_LIMIT = 25


export abstract class TracingChangeCommand extends XtraceCommand {
  /** Ctrl-C before any change starts: nothing to report but that. */
  private readonly interruptedEarly = () => {
    const message = 'interrupted: nothing was changed'
    process.stderr.write(`\nerror: ${message}\n`)
    if (this.jsonEnabled()) this.logJson({error: {code: 'INTERRUPTED', message, suggestions: []}})
    process.exit(ExitCode.interrupted)
  }

  public override async init(): Promise<void> {
    await super.init()
    process.on('SIGINT', this.interruptedEarly)
    process.on('SIGTERM', this.interruptedEarly)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    process.off('SIGINT', this.interruptedEarly)
    process.off('SIGTERM', this.interruptedEarly)
    return super.finally(error)
  }

  /** enable and disable: the functions the command line selects, to `mode`. */
  protected async changeSelected(
    mode: TracingMode,
    command: string,
    args: string[],
    flags: ChangeFlags & {all?: boolean; match?: string[]; tag?: string[]; region?: string[]; profile?: string; 'endpoint-url'?: string},
  ): Promise<ChangeJson> {
    const selection = selectionFromArgs(args, flags)
    const regional = new RegionalClients(awsOptionsFrom(flags))
    const functions = await selectFunctionsOrFail(regional, flags.region ?? [], selection, {command, warn: (warning) => this.printToStderr(`warning: ${warning}`)})
    return this.executeChange({
      plan: planChange(functions, mode),
      mode,
      flags,
      regional,
      journal: {command},
      singleNamed: selection.refs.length === 1 && !listsFunctions(selection),
    })
  }

  protected async executeChange(request: ChangeRequest): Promise<ChangeJson> {
    const {plan, mode, flags, regional} = request
    const terminal = currentTerminal()
    const chalk = makeChalk(terminal)
    const style = {chalk, bin: this.config.bin, ...(terminal.isTTY && terminal.columns ? {width: terminal.columns} : {})}
    const updates = plan.filter((entry) => entry.action === 'update')

    // Enabling needs the roles' X-Ray permissions: check each distinct role once, before asking.
    let permissions: RolePermissionReader | undefined
    const checks = new Map<string, XRayWriteCheck>()
    if (mode === 'Active' && updates.length > 0) {
      permissions = new RolePermissionReader(await regional.iam(updates[0]!.fn.region))
      const roles = [...new Set(updates.map((entry) => entry.fn.role))]
      const verdicts = await runPool(roles, READ_CONCURRENCY, (role) => permissions!.checkXRayWrite(role))
      roles.forEach((role, index) => checks.set(role, verdicts[index]!))
    }
    // Roles Lambda would refuse, and (granted too when attaching) roles that only lack the telemetry records.
    const rolesToAttach = [...checks.values()].filter((check) => check.verdict === 'missing' || (check.verdict === 'partial' && flags['attach-policy'] === true)).map((check) => check.role)
    const unreadable = [...checks.values()].filter((check) => check.verdict === 'unknown')
    if (unreadable.length > 0) {
      this.printToStderr(`warning: ${unreadable[0]!.detail}${unreadable.length > 1 ? ` (and ${unreadable.length - 1} more roles)` : ''}; Lambda will check the permission itself`)
    }

    if (flags['dry-run']) {
      if (!this.jsonEnabled()) {
        this.log(renderPlan(plan, mode, style))
        if (rolesToAttach.length > 0) {
          this.log(
            flags['attach-policy']
              ? `Would attach ${XRAY_WRITE_POLICY} to ${plural(rolesToAttach.length, 'role')}: ${rolesToAttach.map(sanitize).join(', ')}`
              : `${plural(rolesToAttach.length, 'role')} ${rolesToAttach.length === 1 ? 'lacks' : 'lack'} the X-Ray permissions (${rolesToAttach.map(sanitize).join(', ')}): their functions would fail; add --attach-policy to grant ${XRAY_WRITE_POLICY}`,
          )
        }
      }
      return toPlanJson(plan, mode)
    }

    if (plan.length === 0) this.printToStderr('warning: no function matched the selection; nothing to do')
    if (updates.length === 0) {
      const results = initialResults(plan, mode)
      if (!this.jsonEnabled()) this.log(renderChanges(results, style, {}))
      return toChangeJson(results)
    }

    const attaching = flags['attach-policy'] === true && rolesToAttach.length > 0
    const bulk = updates.length > 1 || !request.singleNamed
    if (bulk || attaching) {
      const regions = [...new Set(updates.map((entry) => entry.fn.region))]
      const verb = request.journal.command === 'restore' ? `Restore ${mode}` : `Set ${mode} tracing`
      const question =
        `${verb} on ${plural(updates.length, 'function')} in ${regions.join(', ')}` +
        (attaching ? ` and attach ${XRAY_WRITE_POLICY} to ${plural(rolesToAttach.length, 'role')} (${rolesToAttach.map(sanitize).join(', ')})` : '') +
        '?'
      const what = attaching ? `attaching ${XRAY_WRITE_POLICY} to IAM roles` : `changing ${plural(updates.length, 'function')}`
      if (!flags.yes && !this.jsonEnabled() && process.stdin.isTTY) this.log(renderPlan(plan, mode, style).replace(/\n\n.*$/s, ''))
      if (!(await confirmChange(question, {yes: flags.yes, what}))) {
        throw new XtraceError('nothing was changed', {code: 'DECLINED', exit: ExitCode.failed, suggestions: ['check the plan with --dry-run; --yes skips the question']})
      }
    }

    const journal = JournalWriter.create(
      {command: request.journal.command, mode, ...(request.journal.restores ? {restores: request.journal.restores} : {})},
      updates.map(({fn}) => plannedChange(fn, mode)),
    )
    const results = initialResults(plan, mode)
    const lambdas = await regional.all()
    const controller = new AbortController()
    // Every function in flight listens for Ctrl-C: that is by design, not a leak.
    setMaxListeners(0, controller.signal)
    const progress = new ProgressLine(process.stderr, !this.jsonEnabled())
    const verb = mode === 'Active' ? 'enabling' : 'disabling'
    const onProgress = (current: readonly ChangeResult[]) => {
      const done = current.filter((r) => r.phase === 'done').length - (plan.length - updates.length)
      const failed = current.filter((r) => r.status === 'failed').length
      progress.update(`${verb}: ${done}/${updates.length} done${failed ? `, ${failed} failed` : ''}${controller.signal.aborted ? ' — stopping (Ctrl-C again to quit now)' : ''}`)
    }

    let interrupts = 0
    const onSignal = () => {
      interrupts++
      if (interrupts === 1) {
        controller.abort()
        progress.clear()
        this.printToStderr('stopping: no new updates start; letting the ones in flight finish (Ctrl-C again to quit now)')
        return
      }
      // Second Ctrl-C: report what we know, call the rest unknown, and leave.
      for (const result of results) {
        if (result.phase === 'pending') result.notes.push('not started: interrupted')
        if (result.phase !== 'running') continue
        if (result.changed) {
          // Lambda accepted the update; only its settling is unconfirmed.
          result.notes.push('interrupted before Lambda confirmed the update')
          continue
        }
        result.status = 'failed'
        result.error = {code: 'INTERRUPTED', message: 'interrupted while the update was in flight: outcome unknown', suggestions: [`${this.config.bin} status ${result.function}`]}
        journal.recordOutcome(result.arn, 'unknown')
      }
      journal.close()
      this.finishInterrupted(results, journal.id, style)
      process.exit(ExitCode.interrupted)
    }
    // From here on, Ctrl-C reports what changed instead.
    process.off('SIGINT', this.interruptedEarly)
    process.off('SIGTERM', this.interruptedEarly)
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      await applyPlan(plan, results, {
        mode,
        lambdaFor: (region) => lambdas.get(region)!.lambda,
        ...(permissions ? {permissions} : {}),
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
      this.holdInterruptsUntilReported()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      progress.clear()
      journal.close()
    }

    // After Ctrl-C the user wants out, not notes.
    if (!controller.signal.aborted) await this.noteAliases(results, regional)
    // Idle keep-alive sockets would hold the process open after the report.
    await regional.destroy()
    const changed = results.some((r) => r.changed)
    const json = toChangeJson(results, changed ? journal.id : undefined)
    if (controller.signal.aborted) {
      this.finishInterrupted(results, journal.id, style)
      if (this.jsonEnabled()) this.logJson(json)
      this.exit(ExitCode.interrupted)
    }
    if (!this.jsonEnabled()) this.log(renderChanges(results, style, {...(changed ? {operation: journal.id} : {})}))
    if (results.some((r) => r.status === 'failed' || r.status === 'skipped')) process.exitCode = ExitCode.failed
    return json
  }

  /** After Ctrl-C: the table of what happened and how to undo it, on stdout (or stderr in --json mode). */
  private finishInterrupted(results: ChangeResult[], journalId: string, style: Parameters<typeof renderChanges>[1]): void {
    // An update cut off in flight may have landed: restore must stay on offer for it.
    const operation = results.some((r) => r.changed || r.error?.code === 'INTERRUPTED') ? journalId : undefined
    const text = renderChanges(results, style, {interrupted: true, ...(operation ? {operation} : {})})
    if (this.jsonEnabled()) this.printToStderr(text)
    else process.stdout.write(`${text}\n`)
  }

  /** Published versions keep the mode they were published with: say so for the functions changed. */
  private async noteAliases(results: ChangeResult[], regional: RegionalClients): Promise<void> {
    const changed = results.filter((r) => r.changed)
    if (changed.length === 0) return
    if (changed.length > ALIAS_LOOKUP_LIMIT) {
      // One ListAliases per function would spend Lambda's 15 calls/s control-plane quota on a note.
      this.printToStderr(`note: published versions keep the mode they were published with; \`${this.config.bin} status\` shows aliases that point at them`)
      return
    }
    const lambdas = await regional.all()
    await runPool(changed, READ_CONCURRENCY, async (result) => {
      try {
        const published = await listPublishedAliases(lambdas.get(result.region)!.lambda, result.arn)
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
}
