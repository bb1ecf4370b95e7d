import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {awsFlags, filterFlags} from '../cli/flags.js'
import {DEFAULT_OVERLAP, runTail} from '../cli/run/tail.js'

/** `xtrace tail`: its flags and help; the body is cli/run/tail.ts, which the lean entry runs too. */
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
    return runTail(this.bodyRun((argv) => this.parse(Tail, argv)))
  }
}
