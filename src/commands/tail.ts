import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {ExitCode, UsageError} from '../errors.js'
import {exitWhenWritten} from '../cli/exit.js'
import {awsFlags, awsOptionsFrom, filterFlags, filterFlagsFrom} from '../cli/flags.js'
import {currentTerminal, makeChalk, outputWidth, supportsUnicode} from '../cli/output.js'
import {plural} from '../render/format.js'
import {renderListingHeader, renderListingLine, tsvHeader, tsvLine} from '../render/listing.js'
import {safeJsonStringify} from '../text/json.js'
import {renderShow} from '../render/tree.js'
import {buildFilter, functionNameOf} from '../traces/filter.js'
import type {TailStats} from '../traces/tail.js'
import {parseDuration} from '../traces/window.js'

/**
 * X-Ray makes a trace searchable some seconds after its last segment arrives. Every poll reaches back
 * this far beyond the previous one, so a trace indexed late is still caught; the dedupe set keeps it
 * from being shown twice. 60 s covers indexing delays of tens of seconds with room to spare.
 */
const DEFAULT_OVERLAP = '60s'

export default class Tail extends XtraceCommand {
  static override summary = 'Follow new traces as they complete, one line each or as trees.'

  static override description = [
    'Polls X-Ray (GetTraceSummaries, by the traces\' last update) every --interval and prints each new trace once, as it completes: one line each, or drawn as a tree with --tree. Every poll looks back --overlap further than the last one (default 60 s), because X-Ray indexes traces some seconds after they end; a trace still in progress is printed when it completes, or after --partial-timeout as partial. The filter flags of xtrace traces apply.',
    'Throttling and network failures are waited out (said once on stderr, and again when X-Ray answers); expired credentials end it with exit 1. Ctrl-C ends it with a one-line summary, exit 0.',
    'EXIT CODES\n  0  ended with Ctrl-C\n  1  an AWS call failed in a way retrying cannot cure (credentials, permissions)\n  2  usage error, or an expression X-Ray refused',
  ].join('\n\n')

  static override examples = [
    {description: 'Follow a function\'s traces', command: '<%= config.bin %> <%= command.id %> orders-api'},
    {description: 'Only the failures, drawn as trees', command: '<%= config.bin %> <%= command.id %> orders-api --faults --errors --tree'},
    {description: 'One JSON object a line, for jq', command: '<%= config.bin %> <%= command.id %> orders-api --json | jq -r .id'},
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs: traces that went through any of them', ignoreStdin: true}),
  }

  static override flags = {
    interval: Flags.string({description: 'time between polls', default: '5s', helpValue: 'DURATION'}),
    overlap: Flags.string({description: 'how far each poll reaches back beyond the last (X-Ray indexes with a delay)', default: DEFAULT_OVERLAP, helpValue: 'DURATION'}),
    since: Flags.string({description: 'first show the traces of this much time back', default: '1m', helpValue: 'DURATION'}),
    'partial-timeout': Flags.string({description: 'print a trace still in progress after waiting this long for it', default: '2m', helpValue: 'DURATION'}),
    tree: Flags.boolean({description: 'draw each trace as xtrace show does (reads its documents)'}),
    'with-docs': Flags.boolean({description: 'read the documents to show cold starts'}),
    utc: Flags.boolean({description: 'show times in UTC (default: local time)'}),
    ascii: Flags.boolean({description: 'with --tree: plain ASCII instead of box-drawing characters', allowNo: true}),
    ...filterFlags,
    ...awsFlags,
  }

  public async run(): Promise<void> {
    const {argv, flags} = await this.parse(Tail)
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
    const json = this.jsonEnabled()
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

    const [{createXRayClient}, {tailTraces}, {fetchModels}] = await Promise.all([import('../aws/clients.js'), import('../traces/tail.js'), import('../traces/documents.js')])
    const client = await createXRayClient(awsOptionsFrom(flags))
    if (!json && !flags.tree) process.stdout.write(`${terminal.isTTY ? renderListingHeader(style) : tsvHeader()}\n`)
    this.printToStderr(`following${filter ? ` ${filter}` : ' every trace'}; Ctrl-C to stop`)
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
        onNotice: (notice) => this.printToStderr(`note: ${notice}`),
        onTrace: async (listing) => {
          if (json) {
            process.stdout.write(`${safeJsonStringify(listing, 0)}\n`)
          } else if (flags.tree) {
            const model = await fetchModels(client, [listing.id])
            if (model.traces.length > 0) process.stdout.write(`${renderShow(model, treeStyle)}\n`)
          } else {
            style.now = now()
            process.stdout.write(`${terminal.isTTY ? renderListingLine(listing, style) : tsvLine(listing)}\n`)
          }
        },
      })
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      client.destroy()
    }
    const cold = stats.coldKnown ? plural(stats.coldStarts, 'cold start') : 'cold starts not looked at (--with-docs)'
    this.printToStderr(`${plural(stats.traces, 'trace')} seen: ${plural(stats.errors, 'with an error', 'with errors')}, ${plural(stats.faults, 'with a fault', 'with faults')}, ${stats.throttles} throttled, ${cold}`)
  }
}
