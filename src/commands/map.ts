import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {awsFlags, windowFlags} from '../cli/flags.js'
import {type MapJson, runMap} from '../cli/run/map.js'

export type {MapJson} from '../cli/run/map.js'

/** `xtrace map`: its flags and help; the body is cli/run/map.ts, which the lean entry runs too. */
export default class ServiceMap extends XtraceCommand {
  static override summary = 'Draw the service map: what calls what, and how well it goes.'

  static override description = [
    'Reads X-Ray\'s service graph (GetServiceGraph) over a window (default: the last 15 minutes) and draws it as a tree from the entry points down: each service with its requests, rate, fault, error and throttle shares and response times (average and p95, from X-Ray\'s own histograms), and the call that reached it. A service reached twice is shown once and referred to; cycles are cut. Lambda appears twice per function, as X-Ray records it: the Lambda service (time in Lambda, queueing and retries included) and the function (its execution).',
    'Functions named as arguments keep their neighbourhood: what calls them and what they call, --depth hops each way. --problems keeps what failed and the way to it from an entry point.',
    'EXIT CODES\n  0  the map was drawn (also an empty one)\n  1  an AWS call failed\n  2  usage error',
  ].join('\n\n')

  static override examples = [
    {description: 'The whole map of the last hour', command: '<%= config.bin %> <%= command.id %> --since 1h'},
    {description: 'What a function calls and what calls it', command: '<%= config.bin %> <%= command.id %> orders-api --depth 1'},
    {description: 'Only what failed, and the way to it', command: '<%= config.bin %> <%= command.id %> --problems --since 6h'},
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs: draw their neighbourhood', ignoreStdin: true}),
  }

  static override flags = {
    depth: Flags.integer({description: 'with functions: how many calls away from them to show, each way', default: 2, min: 1, max: 10, helpValue: 'N'}),
    problems: Flags.boolean({description: 'only services and calls with faults, errors or throttles, and the way to them'}),
    group: Flags.string({description: 'an X-Ray group\'s graph (default: the Default group)', helpValue: 'NAME'}),
    ascii: Flags.boolean({description: 'plain ASCII guides', allowNo: true}),
    since: windowFlags.since,
    start: windowFlags.start,
    end: windowFlags.end,
    ...awsFlags,
  }

  public async run(): Promise<MapJson | undefined> {
    return runMap(this.bodyRun((argv) => this.parse(ServiceMap, argv)))
  }
}
