import {statSync} from 'node:fs'

import type {Interfaces} from '@oclif/core'

import type Show from '../../commands/show.js'
import {ExitCode, InputError, UsageError} from '../../errors.js'
import {drawQuickly} from '../short-drawing.js'
import {awsOptionsFrom, filterFlagsFrom, type SearchFlagValues, timeRangeTypeOf} from '../flag-values.js'
import {printToStderr, warnAll} from '../io.js'
import {isTerminal, stdoutClosed, writeStdout} from '../standard-streams.js'
import {currentTerminal, makeChalk, outputWidth, supportsUnicode} from '../output.js'
import {plural} from '../../render/format.js'
import {showChunks} from '../../render/tree.js'
import {parseTraceIdArguments} from '../../traces/ids.js'
import {type ShowJson, toShowJson} from '../../traces/model.js'
import {buildFilter, functionNameOf} from '../../traces/filter.js'
import {loadShowModel, type ShowSearch} from '../../traces/show.js'
import {resolveWindow} from '../../traces/window.js'
import type {CommandRun} from './command-run.js'

/**
 * The body of `xtrace show`, whichever entry runs it: oclif's (commands/show.ts) or the lean one
 * (cli/lean.ts), which gives the same output without loading oclif.
 */

export const DEFAULT_WAIT_SECONDS = 60

export type ShowFlags = Interfaces.InferredFlags<(typeof Show)['flags'] & (typeof Show)['baseFlags']>

export async function runShow(command: CommandRun<ShowFlags>): Promise<ShowJson | undefined> {
  const {argv, flags} = await command.parse(normaliseWaitFlag(command.argv))
  const args = argv as string[]
  const files = [...(flags.file ?? []), ...(args.includes('-') ? ['-'] : [])]
  const traceIds = parseTraceIdArguments(args.filter((arg) => arg !== '-'), isReadableFile)
  const search = searchOf(flags)
  if (traceIds.length === 0 && files.length === 0 && !search) {
    throw new UsageError('give at least one trace id, --function NAME, or --file PATH (or - for stdin)', ['xtrace show --function orders-api   (its newest trace)', 'xtrace show --file trace.json'])
  }
  const terminal = currentTerminal()
  const progress = !command.json && (traceIds.length > 0 || search !== undefined) && isTerminal(2)
  // The spinner is oclif's; loaded only when it is drawn (stderr on a terminal, something to fetch).
  const action = progress ? (await import('@oclif/core/ux')).ux.action : undefined
  action?.start(search ? 'Searching X-Ray' : `Fetching ${traceIds.length === 1 ? 'trace' : `${traceIds.length} traces`} from X-Ray`)
  const model = await loadShowModel({
    traceIds,
    files,
    stdin: () => process.stdin,
    aws: awsOptionsFrom(flags),
    ...(search ? {search} : {}),
    ...(flags.wait === undefined ? {} : {waitSeconds: flags.wait}),
    pollIntervalMs: flags['poll-interval'],
    onWait: (pending, secondsLeft) => {
      if (action) action.status = `waiting for ${pending.length} (${secondsLeft}s left)`
    },
  }).finally(() => {
    action?.stop()
  })

  warnAll(model.warnings)
  const notReturned = [...model.unprocessedTraceIds, ...model.missingTraceIds]
  if (model.traces.length === 0 && notReturned.length === 0 && model.unreadableTraceIds.length === 0) {
    throw new InputError(
      'the input holds no trace with a readable segment',
      model.warnings.length > 0 ? ['see the warnings above'] : ['check that the file holds segment documents: xtrace show --help lists the forms it reads'],
    )
  }
  for (const trace of model.traces) warnAll(trace.warnings.map((warning) => `trace ${trace.id}: ${warning}`))
  const nodes = model.traces.reduce((sum, trace) => sum + trace.nodeCount, 0)
  // Written as it is drawn: a 100,000-node drawing is never held whole.
  if (!command.json) drawQuickly(nodes, () => {
    const chunks = showChunks(model, {
      width: outputWidth(terminal, flags.width),
      ascii: flags.ascii ?? !supportsUnicode(terminal),
      details: flags.details,
      ...(flags.depth === undefined ? {} : {depth: flags.depth}),
      chalk: makeChalk(terminal, flags.color),
      ...(flags.collapse === undefined ? {} : {collapse: flags.collapse}),
      ...(flags.expand ? {expand: flags.expand} : {}),
      ...(flags.columns === undefined ? {} : {columns: columnsOf(flags.columns)}),
      now: Date.now() / 1000,
    })
    for (const chunk of chunks) {
      // The reader went away (`| head`): nothing more is drawn for nobody.
      if (stdoutClosed()) break
      writeStdout(chunk)
    }
  })

  for (const trace of model.traces) {
    if (trace.unreadableDocuments > 0) printToStderr(`warning: trace ${trace.id}: ${plural(trace.unreadableDocuments, 'document')} could not be read and ${trace.unreadableDocuments === 1 ? 'is' : 'are'} not drawn`)
  }
  // Ids X-Ray was asked for may still be on their way; ids a saved input lists but lacks are not.
  const fetched = new Set(model.requestedTraceIds ?? [])
  const late = notReturned.filter((id) => fetched.has(id))
  const absent = notReturned.filter((id) => !fetched.has(id))
  if (late.length > 0) {
    const count = late.length === 1 ? '1 trace was' : `${late.length} traces were`
    printToStderr(`error: ${count} not returned by X-Ray: ${late.join(', ')}`)
    printToStderr(
      flags.wait === undefined
        ? `Try: new traces take a few seconds to become available: xtrace show --wait ${late.join(' ')}`
        : 'Try: check the id and the region (--region); traces are kept for 30 days',
    )
    process.exitCode = ExitCode.failed
  }
  if (absent.length > 0) {
    printToStderr(`error: the input lists ${plural(absent.length, 'trace')} it does not hold: ${absent.join(', ')}`)
    printToStderr(`Try: fetch ${absent.length === 1 ? 'it' : 'them'} from X-Ray: xtrace show ${absent.join(' ')}`)
    process.exitCode = ExitCode.failed
  }
  if (model.unreadableTraceIds.length > 0) {
    printToStderr(`error: not one document of ${plural(model.unreadableTraceIds.length, 'trace')} could be read: ${model.unreadableTraceIds.join(', ')}`)
    printToStderr('Try: see the warnings above for what each document holds')
    process.exitCode = ExitCode.failed
  }
  // The JSON tree is built only when it is printed: for 100k nodes it is not free.
  return command.json ? drawQuickly(nodes, () => toShowJson(model)) : undefined
}

function columnsOf(text: string): {offset: boolean; self: boolean} {
  const words = new Set(text.toLowerCase().split(/[\s,]+/).filter(Boolean))
  for (const word of words) {
    if (!['offset', 'self', 'both', 'none'].includes(word)) throw new UsageError(`--columns ${text}: expected offset, self, both or none`, ['e.g. --columns offset,self'])
  }
  return {offset: words.has('offset') || words.has('both'), self: words.has('self') || words.has('both')}
}

/** The search `--function` (or any search flag, without ids or files) asks for. */
function searchOf(flags: SearchFlagValues & {function?: string[]; slowest?: boolean; count?: number; file?: string[]}): ShowSearch | undefined {
  const functions = (flags.function ?? []).map(functionNameOf)
  const filter = buildFilter(filterFlagsFrom(flags, functions))
  const windowAsked = flags.since !== undefined || flags.start !== undefined || flags.end !== undefined
  if (functions.length === 0 && filter === undefined && !windowAsked) {
    if (flags.slowest || flags.count !== undefined) throw new UsageError('--slowest and --count pick among the traces of a search: add --function NAME (or a filter flag)', ['xtrace show --function orders-api --slowest --since 1h'])
    return undefined
  }
  const {window} = resolveWindow(flags, Date.now() / 1000)
  return {window, ...(filter ? {filter} : {}), timeRangeType: timeRangeTypeOf(flags), pick: flags.slowest ? 'slowest' : 'latest', count: flags.count ?? 1}
}

/** `--wait` may stand alone; oclif flags always take a value, so a bare one gets the default. */
export function normaliseWaitFlag(argv: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      out.push(...argv.slice(i))
      break
    }
    if (arg === '--wait' && !/^\d+$/.test(argv[i + 1] ?? '')) out.push(`--wait=${DEFAULT_WAIT_SECONDS}`)
    else out.push(arg)
  }
  return out
}

function isReadableFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
