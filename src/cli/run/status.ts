import type {Interfaces} from '@oclif/core'

import type Status from '../../commands/status.js'
import {type AccountTarget, reachAccounts, spansAccounts, targetFinder} from '../../aws/accounts.js'
import {accountScopeFrom, awsOptionsFrom, iacTagsFrom, ratesFrom} from '../flag-values.js'
import {printToStderr, printToStdout} from '../io.js'
import {readIac} from '../../iac/stacks.js'
import {ExitCode} from '../../errors.js'
import {renderAccountFailures} from '../../render/changes.js'
import {currentTerminal, makeChalk} from '../output.js'
import {plural} from '../../render/format.js'
import {renderStatus} from '../../render/status.js'
import {isTerminal} from '../standard-streams.js'
import {type FunctionState, selectInAccounts} from '../../tracing/select.js'
import {aliasLookupSeconds, collectStatus, type StatusJson, summariseByAccount, summariseStatus, UpdateStatusReads, withManagedBy} from '../../tracing/status.js'
import {LAMBDA_QUOTAS} from '../../aws/pacing.js'
import {selectionFromArgs} from '../selection.js'
import type {CommandRun} from './command-run.js'

/** The body of `xtrace status`, whichever entry runs it: oclif's (commands/status.ts) or the lean one (cli/lean.ts). */

export type StatusFlags = Interfaces.InferredFlags<(typeof Status)['flags'] & (typeof Status)['baseFlags']>

export async function runStatus(command: CommandRun<StatusFlags>): Promise<StatusJson> {
  const {argv, flags} = await command.parse(command.argv)
  const selection = selectionFromArgs(argv as string[], flags)
  const scope = accountScopeFrom(flags, 'status')
  const iacTags = iacTagsFrom(flags)
  // The spinner is oclif's; loaded only when it is drawn (stderr on a terminal).
  const spinner = !command.json && isTerminal(2) ? (await import('@oclif/core/ux')).ux.action : undefined
  const reached = await reachAccounts(awsOptionsFrom(flags), scope, ratesFrom(flags))
  const failures = [...reached.failures]
  spinner?.start('Reading functions')
  const reads = new UpdateStatusReads()
  const statuses = await (async () => {
    const selected = await selectInAccounts(reached.targets, flags.region ?? [], selection, {
      defaultAll: true,
      warn: (w) => printToStderr(`warning: ${w}`),
      onListed: (fn, lambda) => reads.start(lambda, fn),
    })
    failures.push(...selected.failures)
    const aliasNote = flags.aliases ? aliasLookupNote(selected.functions, ratesFrom(flags).control ?? LAMBDA_QUOTAS.control) : undefined
    if (spinner) spinner.status = `${selected.functions.length} functions${aliasNote ? `; ${aliasNote.short}` : ''}`
    else if (aliasNote) printToStderr(`note: ${aliasNote.long}`)
    const targetOf = targetFinder(reached.targets)
    const byTarget = new Map<AccountTarget, FunctionState[]>()
    for (const fn of selected.functions) byTarget.set(targetOf(fn), [...(byTarget.get(targetOf(fn)) ?? []), fn])
    const parts = await Promise.all(
      [...byTarget].map(async ([target, functions]) => {
        // Side by side: the stacks' calls (tagging, CloudFormation) need nothing from Lambda's, which wait for
        // its quotas. Both are awaited, so that the stacks' warnings come out, as before, even when reading fails.
        const [iac, statuses] = await Promise.allSettled([
          flags.iac ? readIac(target.regional, functions, {iacTags, templates: true}) : Promise.resolve(undefined),
          collectStatus(target.regional, functions, {aliases: flags.aliases, roles: flags.roles, reads}),
        ])
        if (iac.status === 'rejected') throw iac.reason
        for (const warning of iac.value?.warnings ?? []) printToStderr(`warning: ${warning}`)
        if (statuses.status === 'rejected') throw statuses.reason
        return iac.value ? withManagedBy(statuses.value, iac.value.managed) : statuses.value
      }),
    )
    return parts.flat()
  })()
    .finally(() => spinner?.stop())
    .finally(() => reads.stop())
    .finally(() => reached.destroy())
  const spanning = spansAccounts(scope)
  if (!command.json) {
    const terminal = currentTerminal()
    const style = {chalk: makeChalk(terminal), accounts: spanning, ...(terminal.isTTY && terminal.columns ? {width: terminal.columns} : {})}
    printToStdout(renderStatus(statuses, style))
    if (failures.length > 0) printToStdout(`\n${renderAccountFailures(failures, {...style, bin: command.bin})}`)
  }
  if (failures.length > 0) process.exitCode = ExitCode.failed
  return {
    functions: statuses,
    summary: summariseStatus(statuses),
    ...(spanning ? {accounts: summariseByAccount(statuses)} : {}),
    ...(spanning || failures.length > 0 ? {accountFailures: failures} : {}),
  }
}

/** Above this many seconds of alias lookups, the user is told why status takes its time, and how not to. */
const ALIAS_NOTE_SECONDS = 5

/**
 * Lambda's control-plane quota makes alias lookups the slow part of a big status (200 functions: 14 s
 * of 15 s); said before they start, so that a long wait is not taken for a hang.
 */
function aliasLookupNote(functions: readonly FunctionState[], rate: number): {short: string; long: string} | undefined {
  const seconds = Math.ceil(aliasLookupSeconds(functions, rate))
  if (seconds < ALIAS_NOTE_SECONDS) return undefined
  return {
    short: `aliases take about ${seconds} s (--no-aliases skips them)`,
    long: `looking up aliases takes about ${seconds} s: one lambda:ListAliases call a function, ${rate === LAMBDA_QUOTAS.control ? `at Lambda's quota of ${rate} control-plane calls a second` : `at the ${plural(rate, 'control-plane call')} a second asked for`} (--no-aliases skips them)`,
  }
}
