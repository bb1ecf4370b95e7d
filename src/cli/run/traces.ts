import type {Interfaces} from '@oclif/core'

import type Traces from '../../commands/traces.js'
import {ExitCode, XtraceError} from '../../errors.js'
import {awsOptionsFrom, filterFlagsFrom, timeRangeTypeOf} from '../flag-values.js'
import {printToStderr, printToStdout} from '../io.js'
import {currentTerminal, makeChalk, ProgressLine} from '../output.js'
import {renderListingTable, tsvHeader, tsvLine} from '../../render/listing.js'
import {sanitize} from '../../text/sanitize.js'
import {safeJsonStringify} from '../../text/json.js'
import {buildFilter, functionNameOf} from '../../traces/filter.js'
import type {DocumentUse, ListOutcome} from '../../traces/list.js'
import type {SortOrder, TraceListing} from '../../traces/listing.js'
import {iso, resolveWindow} from '../../traces/window.js'
import type {CommandRun} from './command-run.js'

/**
 * The body of `xtrace traces`, whichever entry runs it: oclif's (commands/traces.ts) or the lean one
 * (cli/lean.ts).
 */

/** Rows a terminal table is laid out for at once; a longer listing comes in blocks of this many. */
const TABLE_BLOCK = 500

export type TracesFlags = Interfaces.InferredFlags<(typeof Traces)['flags'] & (typeof Traces)['baseFlags']>

export async function runTraces(command: CommandRun<TracesFlags>): Promise<void> {
  const {argv, flags} = await command.parse(command.argv)
  const functions = (argv as string[]).map(functionNameOf)
  const filter = buildFilter(filterFlagsFrom(flags, functions))
  if (flags['print-filter']) {
    if (filter === undefined) printToStderr('note: no filter: every trace of the window would be listed')
    else printToStdout(filter)
    return
  }
  const now = Date.now() / 1000
  const {window, notes} = resolveWindow(flags, now)
  for (const note of notes) printToStderr(`note: ${note}`)
  const documents: DocumentUse = flags.cold ? 'cold' : flags.warm ? 'warm' : flags['with-docs'] ? 'annotate' : 'none'

  const terminal = currentTerminal()
  const json = command.json
  const mode = json ? 'json' : flags.ids ? 'ids' : terminal.isTTY ? 'table' : 'tsv'
  const style = {chalk: makeChalk(terminal), ...(terminal.columns ? {width: terminal.columns} : {}), utc: flags.utc, now, cold: documents !== 'none'}
  const progress = new ProgressLine(!json)
  const out = new ListingWriter(mode, style, {window, filter})

  const [{createXRayClient}, {listTraces}] = await Promise.all([import('../../aws/clients.js'), import('../../traces/list.js')])
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
    printToStderr(`${what}`)
    printToStderr(functions.length > 0 ? `Try: is tracing Active and are traces arriving? ${command.bin} doctor ${functions.map(sanitize).join(' ')}` : 'Try: a longer window (--since 2h), or fewer filters')
  } else if (outcome.truncated && mode !== 'json') {
    printToStderr(`note: the first ${outcome.listed} (--limit ${flags.limit}); --limit 0 lists them all`)
  }
  if (outcome.sampled && mode !== 'json') printToStderr('note: X-Ray sampled these summaries (--sample): the listing is a subset')
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
    printToStdout(this.printedTable ? text.split('\n').slice(1).join('\n') : text)
    this.printedTable = true
  }

  private start(): void {
    if (this.started) return
    this.started = true
    if (this.mode === 'json') {
      const window = {start: new Date(this.header.window.start * 1000).toISOString(), end: new Date(this.header.window.end * 1000).toISOString()}
      process.stdout.write(`{"window":${safeJsonStringify(window, 0)},"filter":${safeJsonStringify(this.header.filter ?? null, 0)},"traces":[`)
    }
    if (this.mode === 'tsv') printToStdout(tsvHeader())
  }
}
