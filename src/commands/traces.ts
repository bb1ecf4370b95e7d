import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {awsFlags, filterFlags, windowFlags} from '../cli/flags.js'
import {runTraces} from '../cli/run/traces.js'

/** `xtrace traces`: its flags and help; the body is cli/run/traces.ts, which the lean entry runs too. */
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
    return runTraces(this.bodyRun((argv) => this.parse(Traces, argv)))
  }
}
