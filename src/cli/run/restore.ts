import type {Interfaces} from '@oclif/core'

import {accountFailure, reachRecorded, targetFinder} from '../../aws/accounts.js'
import type Restore from '../../commands/restore.js'
import {InputError, UsageError} from '../../errors.js'
import {roleNameFromArn} from '../../permissions/role.js'
import type {ChangeJson} from '../../render/changes.js'
import {renderOperations, type OperationsJson, toOperationsJson} from '../../render/operations.js'
import {sanitize} from '../../text/sanitize.js'
import {listOperations, type Operation, restorableEntries, stateDirectory} from '../../tracing/journal.js'
import {planChange} from '../../tracing/plan.js'
import {READ_CONCURRENCY, readFunction} from '../../tracing/select.js'
import {runPool} from '../../util/pool.js'
import {awsOptionsFrom, ratesFrom} from '../flag-values.js'
import {printToStderr, printToStdout} from '../io.js'
import {currentTerminal, makeChalk} from '../output.js'
import {executeChange, interruptBeforeChanges} from './change.js'
import type {CommandRun} from './command-run.js'

/** The body of `xtrace restore`, whichever entry runs it: oclif's (commands/restore.ts) or the lean one (cli/lean.ts). */

export type RestoreFlags = Interfaces.InferredFlags<(typeof Restore)['flags'] & (typeof Restore)['baseFlags']>

export async function runRestore(command: CommandRun<RestoreFlags>): Promise<ChangeJson | OperationsJson> {
  interruptBeforeChanges(command)
  const {argv, flags} = await command.parse(command.argv)
  const operations = listOperations()
  if (flags.list) {
    if (!command.json) printToStdout(renderOperations(operations, {chalk: makeChalk(currentTerminal()), directory: stateDirectory()}))
    return toOperationsJson(operations)
  }

  const operation = pickOperation(operations, argv[0] as string | undefined)
  const entries = restorableEntries(operation)
  const modes = new Set(entries.map((entry) => entry.previousMode))
  if (entries.length === 0 || modes.size !== 1) {
    throw new InputError(`operation ${operation.id} changed no function: nothing to restore`, ['xtrace restore --list'], 'NOTHING_TO_RESTORE')
  }
  const mode = entries[0]!.previousMode
  for (const {role, policy} of operation.attachments) {
    // Other functions may rely on it by now: detaching is a decision for a person.
    const name = roleNameFromArn(role)
    printToStderr(`note: ${policy.split('/').pop()} stays attached to role ${sanitize(name)} (attached by ${operation.id}); to detach it: aws iam detach-role-policy --role-name ${sanitize(name)} --policy-arn ${sanitize(policy)}`)
  }

  if (operation.externalId && !flags['external-id']) {
    throw new UsageError(`operation ${operation.id} reached its accounts with an external id, which xtrace does not keep`, [`xtrace restore ${operation.id} --external-id ID`], 'EXTERNAL_ID_REQUIRED')
  }
  // The accounts as they were reached: the same roles, assumed again.
  const recorded = [...new Map(entries.map((entry) => [entry.account ?? '', {account: entry.account ?? '', ...(entry.via ? {roleArn: entry.via} : {})}])).values()]
  const spanning = recorded.some((item) => item.roleArn)
  const reached = await reachRecorded(awsOptionsFrom(flags), recorded, {command: 'restore', ...(flags['external-id'] ? {externalId: flags['external-id']} : {})}, ratesFrom(flags))
  try {
    for (const failure of reached.failures) printToStderr(`warning: ${failure.message}`)
    const targetOf = targetFinder(reached.targets)
    const unreachable = new Set(reached.failures.map((failure) => failure.account))
    const failures = [...reached.failures]
    const reachable = entries.filter((entry) => !unreachable.has(entry.account ?? ''))
    const states = await runPool(reachable, READ_CONCURRENCY, async (entry) => {
      try {
        return await readFunction((await targetOf({account: entry.account ?? ''}).regional.forRegion(entry.region)).lambda, entry.region, entry.arn)
      } catch (error) {
        if (!spanning) throw error
        if (!failures.some((f) => f.account === entry.account && f.region === entry.region)) failures.push(accountFailure(entry.account ?? '', entry.region, error, 'lambda:GetFunction'))
        return null
      }
    })
    const gone = reachable.filter((_, index) => states[index] === undefined)
    for (const entry of gone) printToStderr(`warning: ${entry.function} (${entry.region}) no longer exists; skipped`)
    const functions = states.filter((state) => state !== undefined && state !== null)
    return await executeChange(command, {
      plan: planChange(functions, mode),
      mode,
      flags,
      targets: reached.targets,
      failures,
      spansAccounts: spanning,
      journal: {command: 'restore', restores: operation.id, ...(operation.externalId ? {externalId: true} : {})},
      singleNamed: entries.length === 1 && !spanning,
    })
  } finally {
    await reached.destroy()
  }
}

/** The named operation, or the latest enable/disable not restored yet. */
function pickOperation(operations: Operation[], id: string | undefined): Operation {
  if (operations.length === 0) {
    throw new InputError('no operation is on record: xtrace has not changed anything from this account on this machine', ['the journal lives in $XDG_STATE_HOME/xtrace (default ~/.local/state/xtrace): xtrace restore --list shows what it holds'], 'NOTHING_TO_RESTORE')
  }
  if (id) {
    const found = operations.find((operation) => operation.id === id)
    if (!found) throw new UsageError(`no operation ${id} on record`, ['xtrace restore --list'], 'UNKNOWN_OPERATION')
    return found
  }
  const restored = new Set(operations.flatMap((operation) => (operation.restores ? [operation.restores] : [])))
  const latest = operations.find((operation) => operation.command !== 'restore' && !restored.has(operation.id) && restorableEntries(operation).length > 0)
  if (!latest) throw new InputError('every recorded operation has been restored already', ['xtrace restore --list, then xtrace restore ID'], 'NOTHING_TO_RESTORE')
  return latest
}
