import type {Interfaces} from '@oclif/core'

import type Tail from '../../commands/tail.js'
import {ExitCode, UsageError} from '../../errors.js'
import {exitWhenWritten} from '../exit.js'
import {awsOptionsFrom, filterFlagsFrom} from '../flag-values.js'
import {printToStderr, printToStdout} from '../io.js'
import {readerWentAway} from '../standard-streams.js'
import {currentTerminal, makeChalk, outputWidth, supportsUnicode} from '../output.js'
import {plural} from '../../render/format.js'
import {renderListingHeader, renderListingLine, tsvHeader, tsvLine} from '../../render/listing.js'
import {safeJsonStringify} from '../../text/json.js'
import {renderShow} from '../../render/tree.js'
import {buildFilter, functionNameOf} from '../../traces/filter.js'
import type {TailStats} from '../../traces/tail.js'
import {parseDuration} from '../../traces/window.js'
import type {CommandRun} from './command-run.js'

/** The body of `xtrace tail`, whichever entry runs it: oclif's (commands/tail.ts) or the lean one (cli/lean.ts). */

/**
 * X-Ray makes a trace searchable some seconds after its last segment arrives. Every poll reaches back
 * this far beyond the previous one, so a trace indexed late is still caught; the dedupe set keeps it
 * from being shown twice. 60 s covers indexing delays of tens of seconds with room to spare.
 */
export const DEFAULT_OVERLAP = '60s'

export type TailFlags = Interfaces.InferredFlags<(typeof Tail)['flags'] & (typeof Tail)['baseFlags']>

  export async function runTail(command: CommandRun<TailFlags>): Promise<void> {
  const {argv, flags} = await command.parse(command.argv)
  const functions = (argv as string[]).map(functionNameOf)
  const filter = buildFilter(filterFlagsFrom(flags, functions))
  const seconds = (flag: string, text: string, min: number) => {
    const value = parseDuration(text)
    if (value === undefined || value < min) throw new UsageError(`--${flag} ${text}: expected a duration of at least ${min} s, like 5s or 2m`, [`e.g. --${flag} 10s`])
    return value
  }
  const interval = seconds('interval', flags.interval, 1)
  const overlap = seconds('overlap', flags.overlap, 0)
  const backlog = seconds('since', flags.since, 0)
  const partialTimeout = seconds('partial-timeout', flags['partial-timeout'], 0)
  const terminal = currentTerminal()
  const json = command.json
  const now = () => Date.now() / 1000
  const style = {chalk: makeChalk(terminal), ...(terminal.columns ? {width: terminal.columns} : {}), utc: flags.utc, now: now(), cold: flags['with-docs'] || flags.tree}
  const treeStyle = {width: outputWidth(terminal), ascii: flags.ascii ?? !supportsUnicode(terminal), details: false, chalk: style.chalk}

  const controller = new AbortController()
  let interrupts = 0
  const onSignal = () => {
    interrupts++
    if (interrupts > 1) void exitWhenWritten(ExitCode.interrupted)
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // The reader went away (`| head -5`): following on would print for nobody; it ends as Ctrl-C does.
  const onBrokenPipe = (error: NodeJS.ErrnoException) => {
    if (readerWentAway(error)) controller.abort()
  }
  process.stdout.on('error', onBrokenPipe)

  const [{createXRayClient}, {tailTraces}, {fetchModels}] = await Promise.all([import('../../aws/clients.js'), import('../../traces/tail.js'), import('../../traces/documents.js')])
  const client = await createXRayClient(awsOptionsFrom(flags))
  if (!json && !flags.tree) printToStdout(terminal.isTTY ? renderListingHeader(style) : tsvHeader())
  printToStderr(`following${filter ? ` ${filter}` : ' every trace'}; Ctrl-C to stop`)
  let stats: TailStats
  try {
    stats = await tailTraces(client, {
      ...(filter ? {filter} : {}),
      intervalSeconds: interval,
      overlapSeconds: overlap,
      backlogSeconds: backlog,
      partialTimeoutSeconds: partialTimeout,
      documents: style.cold,
      functions,
      signal: controller.signal,
      onNotice: (notice) => printToStderr(`note: ${notice}`),
      onTrace: async (listing) => {
        if (json) {
          printToStdout(safeJsonStringify(listing, 0))
        } else if (flags.tree) {
          const model = await fetchModels(client, [listing.id])
          if (model.traces.length > 0) printToStdout(renderShow(model, treeStyle))
        } else {
          style.now = now()
          printToStdout(terminal.isTTY ? renderListingLine(listing, style) : tsvLine(listing))
        }
      },
    })
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.stdout.off('error', onBrokenPipe)
    client.destroy()
  }
  const cold = stats.coldKnown ? plural(stats.coldStarts, 'cold start') : 'cold starts not looked at (--with-docs)'
  printToStderr(`${plural(stats.traces, 'trace')} seen: ${plural(stats.errors, 'with an error', 'with errors')}, ${plural(stats.faults, 'with a fault', 'with faults')}, ${stats.throttles} throttled, ${cold}`)
}
