import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {ExitCode, XtraceError} from '../errors.js'
import {awsFlags, awsOptionsFrom, filterFlags, filterFlagsFrom, timeRangeTypeOf, windowFlags} from '../cli/flags.js'
import {currentTerminal, makeChalk, ProgressLine} from '../cli/output.js'
import {renderListingTable, tsvHeader, tsvLine} from '../render/listing.js'
import {sanitize} from '../text/sanitize.js'
import {safeJsonStringify} from '../text/json.js'
import {buildFilter, functionNameOf} from '../traces/filter.js'
import type {DocumentUse, ListOutcome} from '../traces/list.js'
import type {SortOrder, TraceListing} from '../traces/listing.js'
import {iso, resolveWindow} from '../traces/window.js'

/** Rows a terminal table is laid out for at once; a longer listing comes in blocks of this many. */
const TABLE_BLOCK = 500

export default class Traces extends XtraceCommand {
  static override summary = 'List the traces of a time window: slow, failed, cold ones.'

  static override description = [
    'Searches X-Ray with GetTraceSummaries over a window (default: the last 15 minutes), newest first, and lists each trace: start, duration, response time, method and status, marks (fault, error, throttle, partial), entry point, URL and trace id. Functions named as arguments select the traces that went through them; the filter flags narrow further, each a part of an X-Ray filter expression (--print-filter shows it, to paste into the console).',
    'Summaries do not know cold starts: --cold and --warm read the documents of the candidate traces (BatchGetTraces, 5 ids a call) and keep those whose function segment has (or lacks) an Initialization subsegment; --with-docs adds the cold column without filtering.',
    'On a terminal the listing is a table; on a pipe, one tab-separated line per trace under a header line, for cut and awk; --ids prints only the ids, for xtrace show -.',
    'EXIT CODES\n  0  the listing was printed (also when it is empty)\n  1  an AWS call failed\n  2  usage error, or an expression X-Ray refused',
  ].join('\n\n')

  static override examples = [
    {description: 'The last requests of a function', command: '<%= config.bin %> <%= command.id %> orders-api'},
    {description: 'Its slow and failed ones over the last two hours', command: '<%= config.bin %> <%= command.id %> orders-api --since 2h --faults --errors --slower-than 1s'},
    {description: 'Its cold starts, with the time they spent initialising', command: '<%= config.bin %> <%= command.id %> orders-api --cold'},
    {description: 'Open the newest failed trace', command: '<%= config.bin %> <%= command.id %> orders-api --faults --limit 1 --ids | <%= config.bin %> show -'},
    {description: 'Print the X-Ray filter expression, to paste into the console', command: '<%= config.bin %> <%= command.id %> orders-api --annotation tier=gold --print-filter'},
  ]

  static override strict = false

  static override args = {
    // ignoreStdin: oclif would otherwise take piped input as the first name.
    function: Args.string({description: 'function names or ARNs: traces that went through any of them', ignoreStdin: true}),
  }

  static override flags = {
    limit: Flags.integer({description: 'list at most N traces (0: all in the window)', default: 50, min: 0, helpValue: 'N'}),
    sort: Flags.string({description: 'order: -start (newest first), start, -duration (slowest first), duration', options: ['-start', 'start', '-duration', 'duration'], default: '-start'}),
    cold: Flags.boolean({description: 'only traces whose function started cold (reads documents)', exclusive: ['warm']}),
    warm: Flags.boolean({description: 'only traces whose function started warm (reads documents)', exclusive: ['cold']}),
    'with-docs': Flags.boolean({description: 'read the documents to fill the cold column'}),
    sample: Flags.boolean({description: 'let X-Ray sample the summaries of a very large window'}),
    ids: Flags.boolean({description: 'print only the trace ids, one a line (for xtrace show -)', exclusive: ['json']}),
    utc: Flags.boolean({description: 'show times in UTC (default: local time)'}),
    'print-filter': Flags.boolean({description: 'print the filter expression that would be sent, and stop'}),
    ...windowFlags,
    ...filterFlags,
    ...awsFlags,
  }

  public async run(): Promise<void> {
    const {argv, flags} = await this.parse(Traces)
    const functions = (argv as string[]).map(functionNameOf)
    const filter = buildFilter(filterFlagsFrom(flags, functions))
    if (flags['print-filter']) {
      if (filter === undefined) this.printToStderr('note: no filter: every trace of the window would be listed')
      else process.stdout.write(`${filter}\n`)
      return
    }
    const now = Date.now() / 1000
    const {window, notes} = resolveWindow(flags, now)
    for (const note of notes) this.printToStderr(`note: ${note}`)
    const documents: DocumentUse = flags.cold ? 'cold' : flags.warm ? 'warm' : flags['with-docs'] ? 'annotate' : 'none'

    const terminal = currentTerminal()
    const json = this.jsonEnabled()
    const mode = json ? 'json' : flags.ids ? 'ids' : terminal.isTTY ? 'table' : 'tsv'
    const style = {chalk: makeChalk(terminal), ...(terminal.columns ? {width: terminal.columns} : {}), utc: flags.utc, now, cold: documents !== 'none'}
    const progress = new ProgressLine(process.stderr, !json)
    const out = new ListingWriter(mode, style, {window, filter})

    const [{createXRayClient}, {listTraces}] = await Promise.all([import('../aws/clients.js'), import('../traces/list.js')])
    const client = await createXRayClient(awsOptionsFrom(flags))
    let outcome: ListOutcome
    try {
      outcome = await listTraces(
        client,
        {
          window,
          ...(filter ? {filter} : {}),
          timeRangeType: timeRangeTypeOf(flags),
          sample: flags.sample === true,
          limit: flags.limit,
          sort: flags.sort as SortOrder,
          documents,
          functions,
          onProgress: ({documents: read}) => progress.update(`reading documents: ${read} traces`),
        },
        (listings) => {
          progress.clear()
          out.write(listings)
        },
      )
    } catch (error) {
      progress.clear()
      out.fail(error)
      throw error
    } finally {
      client.destroy()
    }
    progress.clear()
    out.end(outcome)
    if (outcome.listed === 0 && mode !== 'json') {
      const what = `no traces from ${iso(window.start)} to ${iso(window.end)}${filter ? ` matching ${sanitize(filter)}` : ''}`
      this.printToStderr(`${what}`)
      this.printToStderr(functions.length > 0 ? `Try: is tracing Active and are traces arriving? ${this.config.bin} doctor ${functions.map(sanitize).join(' ')}` : 'Try: a longer window (--since 2h), or fewer filters')
    } else if (outcome.truncated && mode !== 'json') {
      this.printToStderr(`note: the first ${outcome.listed} (--limit ${flags.limit}); --limit 0 lists them all`)
    }
    if (outcome.sampled && mode !== 'json') this.printToStderr('note: X-Ray sampled these summaries (--sample): the listing is a subset')
  }
}

/**
 * Where listings go, as they come: a table in blocks on a terminal, TSV or ids on a pipe, or one JSON
 * document written piece by piece (so a large listing is never held), closed with the totals — or, if
 * the search fails midway, with the error, so the JSON stays whole.
 */
class ListingWriter {
  private started = false
  private block: TraceListing[] = []
  private first = true

  constructor(
    private readonly mode: 'json' | 'ids' | 'table' | 'tsv',
    private readonly style: Parameters<typeof renderListingTable>[1],
    private readonly header: {window: {start: number; end: number}; filter: string | undefined},
  ) {}

  write(listings: TraceListing[]): void {
    this.start()
    switch (this.mode) {
      case 'json':
        for (const listing of listings) {
          process.stdout.write(`${this.first ? '' : ','}${safeJsonStringify(listing, 0)}`)
          this.first = false
        }
        return
      case 'ids':
        process.stdout.write(listings.map((l) => `${l.id}\n`).join(''))
        return
      case 'tsv':
        process.stdout.write(listings.map((l) => `${tsvLine(l)}\n`).join(''))
        return
      default:
        this.block.push(...listings)
        while (this.block.length >= TABLE_BLOCK) this.flushBlock(this.block.splice(0, TABLE_BLOCK))
    }
  }

  end(outcome: ListOutcome): void {
    this.start()
    if (this.mode === 'table' && (this.block.length > 0 || !this.printedTable)) {
      if (this.block.length > 0) this.flushBlock(this.block)
      this.block = []
    }
    if (this.mode === 'json') {
      process.stdout.write(`],"processed":${outcome.processed},"truncated":${outcome.truncated},"sampled":${outcome.sampled}}\n`)
    }
  }

  /** The search failed midway: a JSON document already begun is closed with the error. */
  fail(error: unknown): void {
    if (this.mode !== 'json' || !this.started) return
    const message = error instanceof XtraceError ? error : new XtraceError(String((error as Error)?.message ?? error), {code: 'UNEXPECTED'})
    process.stdout.write(`],"error":${safeJsonStringify({code: message.code, message: message.message, suggestions: message.suggestions}, 0)}}\n`)
    // The document is closed: the base command must not print a second one.
    throw new XtraceError(message.message, {code: message.code, exit: message.exit ?? ExitCode.failed, suggestions: message.suggestions, cause: error, jsonWritten: true})
  }

  private printedTable = false

  private flushBlock(rows: TraceListing[]): void {
    const text = renderListingTable(rows, this.style)
    process.stdout.write(`${this.printedTable ? text.split('\n').slice(1).join('\n') : text}\n`)
    this.printedTable = true
  }

  private start(): void {
    if (this.started) return
    this.started = true
    if (this.mode === 'json') {
      const window = {start: new Date(this.header.window.start * 1000).toISOString(), end: new Date(this.header.window.end * 1000).toISOString()}
      process.stdout.write(`{"window":${safeJsonStringify(window, 0)},"filter":${safeJsonStringify(this.header.filter ?? null, 0)},"traces":[`)
    }
    if (this.mode === 'tsv') process.stdout.write(`${tsvHeader()}\n`)
  }
}
