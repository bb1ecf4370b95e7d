import type {Interfaces} from '@oclif/core'

import type Stats from '../../commands/stats.js'
import {UsageError} from '../../errors.js'
import {parseGroupBy} from '../../stats/figures.js'
import type {StatsResult} from '../../stats/run.js'
import {buildFilter, functionNameOf} from '../../traces/filter.js'
import {iso, resolveWindow} from '../../traces/window.js'
import {awsOptionsFrom, filterFlagsFrom, timeRangeTypeOf} from '../flag-values.js'
import {printToStderr, printToStdout} from '../io.js'
import {currentTerminal, makeChalk, outputWidth, ProgressLine, supportsUnicode} from '../output.js'
import type {CommandRun} from './command-run.js'

/**
 * The body of `xtrace stats`, whichever entry runs it: oclif's (commands/stats.ts) or the lean one
 * (cli/lean.ts).
 */

export interface StatsJson extends StatsResult {
  window: {start: string; end: string; minutes: number}
  filter: string | null
}

export type StatsFlags = Interfaces.InferredFlags<(typeof Stats)['flags'] & (typeof Stats)['baseFlags']>

export async function runStats(command: CommandRun<StatsFlags>): Promise<StatsJson | undefined> {
  const {argv, flags} = await command.parse(command.argv)
  const functions = (argv as string[]).map(functionNameOf)
  const by = flags.by === undefined ? undefined : parseGroupBy(flags.by)
  if (flags.by !== undefined && !by) throw new UsageError(`--by ${flags.by}: expected function, status, url or annotation:KEY`, ['e.g. --by annotation:tier'])
  const filter = buildFilter(filterFlagsFrom(flags, functions))
  const {window, notes} = resolveWindow(flags, Date.now() / 1000)
  for (const note of notes) printToStderr(`note: ${note}`)
  const terminal = currentTerminal()
  const progress = new ProgressLine(!command.json)
  const [{createXRayClient}, {collectStats}, {renderStats}] = await Promise.all([import('../../aws/clients.js'), import('../../stats/run.js'), import('../../render/stats.js')])
  const client = await createXRayClient(awsOptionsFrom(flags))
  let result: StatsResult
  try {
    result = await collectStats(client, {
      window, ...(filter ? {filter} : {}), timeRangeType: timeRangeTypeOf(flags), functions, ...(by ? {by} : {}),
      docs: flags.docs, seed: flags.seed, maxTraces: flags['max-traces'], onProgress: (text) => progress.update(text),
    })
  } finally {
    progress.clear()
    client.destroy()
  }
  const minutes = Math.round(((window.end - window.start) / 60) * 1000) / 1000
  if (result.traffic.traces === 0) {
    printToStderr(`no traces in ${iso(window.start)} to ${iso(window.end)}${filter ? ` matching ${filter}` : ''}`)
    printToStderr(functions.length > 0 ? `Try: is tracing Active and are traces arriving? ${command.bin} doctor ${functions.join(' ')}` : 'Try: a longer window (--since 6h)')
  }
  if (command.json) return {window: {start: iso(window.start), end: iso(window.end), minutes}, filter: filter ?? null, ...result}
  if (result.traffic.traces > 0) printToStdout(renderStats(result, {chalk: makeChalk(terminal), width: outputWidth(terminal), ascii: flags.ascii ?? !supportsUnicode(terminal)}))
  return undefined
}
