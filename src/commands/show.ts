import {statSync} from 'node:fs'

import {Args, Flags, ux} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {ExitCode, InputError, UsageError} from '../errors.js'
import {awsFlags, awsOptionsFrom, filterFlags, filterFlagsFrom, type SearchFlagValues, timeRangeTypeOf, windowFlags} from '../cli/flags.js'
import {currentTerminal, makeChalk, outputWidth, supportsUnicode} from '../cli/output.js'
import {plural} from '../render/format.js'
import {COLLAPSE_ABOVE_NODES, renderShow} from '../render/tree.js'
import {parseTraceIdArguments} from '../traces/ids.js'
import {type ShowJson, toShowJson} from '../traces/model.js'
import {buildFilter, functionNameOf} from '../traces/filter.js'
import {loadShowModel, type ShowSearch} from '../traces/show.js'
import {resolveWindow} from '../traces/window.js'

const DEFAULT_WAIT_SECONDS = 60

export default class Show extends XtraceCommand {
  static override summary = 'Draw X-Ray traces as a Lambda-aware tree with a timeline.'

  static override description = [
  'Fetches traces with X-Ray BatchGetTraces (5 ids a call) or reads saved ones with --file, then draws each trace\'s segments and subsegments as a tree: durations, HTTP and AWS calls, SQL, errors (4xx), faults (5xx) and throttles (429), the critical path (*), and a timeline scaled to the trace. Lambda traces also show the invocation type, attempts, dwell time and cold starts.',
  'A trace id can be an X-Ray id, a 32-hex W3C/OpenTelemetry id, a tracing header (Root=1-…;Parent=…;Sampled=1) or a Lambda log line containing "XRAY TraceId: 1-…".',
  '--file (and - for stdin) reads a BatchGetTraces response, a Trace, segment documents, a PutTraceSegments request, X-Ray daemon datagrams, or `sam traces --output json` lines; no AWS account is needed.',
  'EXIT CODES\n  0  every trace was shown\n  1  a trace was not found, an input could not be read, or an AWS call failed\n  2  usage error (e.g. a malformed trace id)',
].join('\n\n')

  static override examples = [
    {description: 'Show a trace fetched from X-Ray', command: '<%= config.bin %> <%= command.id %> 1-5759e988-bd862e3fe1be46a994272793'},
    {description: 'Accept a tracing header or a Lambda log line', command: '<%= config.bin %> <%= command.id %> "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"'},
    {description: 'Wait up to 30 s for a fresh trace to arrive and complete', command: '<%= config.bin %> <%= command.id %> --wait 30 1-5759e988-bd862e3fe1be46a994272793'},
    {description: 'Render a saved trace offline, with annotations, metadata and exceptions', command: '<%= config.bin %> <%= command.id %> --file trace.json --details'},
    {description: 'Draw the newest trace of a function, or its slowest of the last hour', command: '<%= config.bin %> <%= command.id %> --function orders-api\n<%= config.bin %> <%= command.id %> --function orders-api --slowest --since 1h'},
    {description: 'Draw the traces a search lists', command: '<%= config.bin %> traces orders-api --faults --ids | <%= config.bin %> <%= command.id %> -'},
    {description: 'Read from a pipe and print JSON', command: 'aws xray batch-get-traces --trace-ids 1-5759e988-bd862e3fe1be46a994272793 | <%= config.bin %> <%= command.id %> - --json'},
  ]

  static override strict = false

  static override args = {
    // ignoreStdin: oclif would otherwise take piped input as the first trace id; xtrace reads stdin itself for -.
    trace: Args.string({description: 'trace ids (any accepted form), or - to read a saved trace from stdin', ignoreStdin: true}),
  }

  static override flags = {
    file: Flags.string({char: 'f', multiple: true, helpValue: 'PATH', description: 'read a saved trace from this file (repeatable; - for stdin)'}),
    wait: Flags.integer({
      description: `poll until the traces arrive and none of their segments is in progress, for up to SECONDS (--wait alone: ${DEFAULT_WAIT_SECONDS})`,
      min: 0,
      max: 3600,
      helpValue: 'SECONDS',
    }),
    details: Flags.boolean({char: 'd', description: 'add annotations, metadata, SQL, exceptions with their first stack frames, self time'}),
    depth: Flags.integer({helpValue: 'N', description: 'show this many levels of the tree (1 = roots only)', min: 1}),
    width: Flags.integer({helpValue: 'COLUMNS', description: 'lay out for this many columns (default: the terminal width, else 120)', min: 40, max: 1000}),
    ascii: Flags.boolean({description: 'draw with plain ASCII instead of box-drawing characters', allowNo: true}),
    color: Flags.boolean({description: 'colour the output, also on a pipe (default: on a terminal, unless NO_COLOR is set)', allowNo: true}),
    collapse: Flags.boolean({description: `fold runs of 4+ same-named siblings into one line (default: above ${COLLAPSE_ABOVE_NODES} nodes)`, allowNo: true}),
    expand: Flags.string({description: 'never fold the runs of this name (repeatable)', multiple: true, helpValue: 'NAME'}),
    columns: Flags.string({description: 'extra columns: offset (start since the trace began), self (self time), both, or none (default: as width allows)', helpValue: 'LIST'}),
    'poll-interval': Flags.integer({hidden: true, default: 2000, min: 10, description: 'milliseconds between --wait polls'}),
    function: Flags.string({description: 'draw a trace of this function, found in the window (repeatable: any of them)', multiple: true, helpValue: 'NAME', helpGroup: 'SEARCH'}),
    latest: Flags.boolean({description: 'with --function: the newest matching trace (the default)', exclusive: ['slowest'], helpGroup: 'SEARCH'}),
    slowest: Flags.boolean({description: 'with --function: the slowest matching trace of the window', exclusive: ['latest'], helpGroup: 'SEARCH'}),
    count: Flags.integer({description: 'with --function: draw this many (newest or slowest first)', min: 1, max: 100, helpValue: 'N', helpGroup: 'SEARCH'}),
    ...windowFlags,
    ...filterFlags,
    ...awsFlags,
  }

  public async run(): Promise<ShowJson | undefined> {
    const {argv, flags} = await this.parse(Show, normaliseWaitFlag(this.argv))
    const args = argv as string[]
    const files = [...(flags.file ?? []), ...(args.includes('-') ? ['-'] : [])]
    const traceIds = parseTraceIdArguments(args.filter((arg) => arg !== '-'), isReadableFile)
    const search = searchOf(flags)
    if (traceIds.length === 0 && files.length === 0 && !search) {
      throw new UsageError('give at least one trace id, --function NAME, or --file PATH (or - for stdin)', ['xtrace show --function orders-api   (its newest trace)', 'xtrace show --file trace.json'])
    }

    const terminal = currentTerminal()
    const progress = !this.jsonEnabled() && process.stderr.isTTY === true && (traceIds.length > 0 || search !== undefined)
    if (progress) ux.action.start(search ? 'Searching X-Ray' : `Fetching ${traceIds.length === 1 ? 'trace' : `${traceIds.length} traces`} from X-Ray`)
    const model = await loadShowModel({
      traceIds,
      files,
      stdin: process.stdin,
      aws: awsOptionsFrom(flags),
      ...(search ? {search} : {}),
      ...(flags.wait === undefined ? {} : {waitSeconds: flags.wait}),
      pollIntervalMs: flags['poll-interval'],
      onWait: (pending, secondsLeft) => {
        if (progress) ux.action.status = `waiting for ${pending.length} (${secondsLeft}s left)`
      },
    }).finally(() => {
      if (progress) ux.action.stop()
    })

    this.warnAll(model.warnings)
    const notReturned = [...model.unprocessedTraceIds, ...model.missingTraceIds]
    if (model.traces.length === 0 && notReturned.length === 0 && model.unreadableTraceIds.length === 0) {
      throw new InputError(
        'the input holds no trace with a readable segment',
        model.warnings.length > 0 ? ['see the warnings above'] : ['check that the file holds segment documents: xtrace show --help lists the forms it reads'],
      )
    }
    for (const trace of model.traces) this.warnAll(trace.warnings.map((warning) => `trace ${trace.id}: ${warning}`))
    if (!this.jsonEnabled()) {
      const output = renderShow(model, {
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
      if (output) process.stdout.write(output)
    }

    for (const trace of model.traces) {
      if (trace.unreadableDocuments > 0) this.printToStderr(`warning: trace ${trace.id}: ${plural(trace.unreadableDocuments, 'document')} could not be read and ${trace.unreadableDocuments === 1 ? 'is' : 'are'} not drawn`)
    }
    // Ids X-Ray was asked for may still be on their way; ids a saved input lists but lacks are not.
    const fetched = new Set(model.requestedTraceIds ?? [])
    const late = notReturned.filter((id) => fetched.has(id))
    const absent = notReturned.filter((id) => !fetched.has(id))
    if (late.length > 0) {
      const count = late.length === 1 ? '1 trace was' : `${late.length} traces were`
      this.printToStderr(`error: ${count} not returned by X-Ray: ${late.join(', ')}`)
      this.printToStderr(
        flags.wait === undefined
          ? `Try: new traces take a few seconds to become available: xtrace show --wait ${late.join(' ')}`
          : 'Try: check the id and the region (--region); traces are kept for 30 days',
      )
      process.exitCode = ExitCode.failed
    }
    if (absent.length > 0) {
      this.printToStderr(`error: the input lists ${plural(absent.length, 'trace')} it does not hold: ${absent.join(', ')}`)
      this.printToStderr(`Try: fetch ${absent.length === 1 ? 'it' : 'them'} from X-Ray: xtrace show ${absent.join(' ')}`)
      process.exitCode = ExitCode.failed
    }
    if (model.unreadableTraceIds.length > 0) {
      this.printToStderr(`error: not one document of ${plural(model.unreadableTraceIds.length, 'trace')} could be read: ${model.unreadableTraceIds.join(', ')}`)
      this.printToStderr('Try: see the warnings above for what each document holds')
      process.exitCode = ExitCode.failed
    }
    // The JSON tree is built only when it is printed: for 100k nodes it is not free.
    return this.jsonEnabled() ? toShowJson(model) : undefined
  }
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
