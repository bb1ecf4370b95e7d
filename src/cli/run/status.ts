import type {Interfaces} from '@oclif/core'

import type Status from '../../commands/status.js'
import {type AccountTarget, reachAccounts, spansAccounts, targetFinder} from '../../aws/accounts.js'
import {accountScopeFrom, awsOptionsFrom, iacTagsFrom, ratesFrom} from '../flag-values.js'
import {printToStderr} from '../io.js'
import {readIac} from '../../iac/stacks.js'
import {ExitCode} from '../../errors.js'
import {renderAccountFailures} from '../../render/changes.js'
import {currentTerminal, makeChalk} from '../output.js'
import {renderStatus} from '../../render/status.js'
import {type FunctionState, selectInAccounts} from '../../tracing/select.js'
import {collectStatus, type StatusJson, summariseByAccount, summariseStatus} from '../../tracing/status.js'
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
  const spinner = !command.json && process.stderr.isTTY === true ? (await import('@oclif/core/ux')).ux.action : undefined
  const reached = await reachAccounts(awsOptionsFrom(flags), scope, ratesFrom(flags))
  const failures = [...reached.failures]
  spinner?.start('Reading functions')
  const statuses = await (async () => {
    const selected = await selectInAccounts(reached.targets, flags.region ?? [], selection, {defaultAll: true, warn: (w) => printToStderr(`warning: ${w}`)})
    failures.push(...selected.failures)
    if (spinner) spinner.status = `${selected.functions.length} functions`
    const targetOf = targetFinder(reached.targets)
    const byTarget = new Map<AccountTarget, FunctionState[]>()
    for (const fn of selected.functions) byTarget.set(targetOf(fn), [...(byTarget.get(targetOf(fn)) ?? []), fn])
    const parts = await Promise.all(
      [...byTarget].map(async ([target, functions]) => {
        const iac = flags.iac ? await readIac(target.regional, functions, {iacTags, templates: true}) : undefined
        for (const warning of iac?.warnings ?? []) printToStderr(`warning: ${warning}`)
        return collectStatus(target.regional, functions, {aliases: flags.aliases, roles: flags.roles, ...(iac ? {managed: iac.managed} : {})})
      }),
    )
    return parts.flat()
  })()
    .finally(() => spinner?.stop())
    .finally(() => reached.destroy())
  const spanning = spansAccounts(scope)
  if (!command.json) {
    const terminal = currentTerminal()
    const style = {chalk: makeChalk(terminal), accounts: spanning, ...(terminal.isTTY && terminal.columns ? {width: terminal.columns} : {})}
    process.stdout.write(`${renderStatus(statuses, style)}\n`)
    if (failures.length > 0) process.stdout.write(`\n${renderAccountFailures(failures, {...style, bin: command.bin})}\n`)
  }
  if (failures.length > 0) process.exitCode = ExitCode.failed
  return {
    functions: statuses,
    summary: summariseStatus(statuses),
    ...(spanning ? {accounts: summariseByAccount(statuses)} : {}),
    ...(spanning || failures.length > 0 ? {accountFailures: failures} : {}),
  }
}
