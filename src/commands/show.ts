import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {awsFlags, filterFlags, windowFlags} from '../cli/flags.js'
import {DEFAULT_WAIT_SECONDS, runShow} from '../cli/run/show.js'
import {COLLAPSE_ABOVE_NODES} from '../render/tree.js'
import type {ShowJson} from '../traces/model.js'

/** `xtrace show`: its flags and help; the body is cli/run/show.ts, which the lean entry runs too. */
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
    return runShow(this.bodyRun((argv) => this.parse(Show, argv)))
  }
}
