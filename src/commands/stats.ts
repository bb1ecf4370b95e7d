import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {awsFlags, filterFlags, windowFlags} from '../cli/flags.js'
import {runStats, type StatsJson} from '../cli/run/stats.js'

export type {StatsJson} from '../cli/run/stats.js'

/** `xtrace stats`: its flags and help; the body is cli/run/stats.ts, which the lean entry runs too. */
export default class Stats extends XtraceCommand {
  static override summary = 'Failures, latency, cold starts and hot spots over a window.'

  static override description = [
    'Over a window (the window and filter flags of xtrace traces): the number of traces and their rate, fault / error / throttle counts and rates, duration and response time percentiles (p50, p90, p95, p99, max; nearest rank) and a histogram of durations, from the summaries of every trace of the window. --by splits them per function, status, URL or annotation.',
    'From the documents of a random sample (--docs, seeded with --seed): the cold-start rate, the init duration, cold against warm latency, and where the time goes — per node: how many traces hold it, its duration and self time, how often it is on the critical path and its share of the time. A window with more traces than --max-traces takes counts, rates and latency from X-Ray\'s own aggregates (the service graph) instead, and says so.',
    'EXIT CODES\n  0  the figures were printed (also for a window with no traffic)\n  1  an AWS call failed\n  2  usage error',
  ].join('\n\n')

  static override examples = [
    {description: 'A function over the last hour', command: '<%= config.bin %> <%= command.id %> orders-api --since 1h'},
    {description: 'Per function, for all functions of a team', command: '<%= config.bin %> <%= command.id %> orders-api billing-api --by function --since 6h'},
    {description: 'Per customer tier, from an annotation', command: '<%= config.bin %> <%= command.id %> orders-api --by annotation:tier'},
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs: the traces that went through them', ignoreStdin: true}),
  }

  static override flags = {
    by: Flags.string({description: 'split the figures: function, status, url or annotation:KEY', helpValue: 'KEY'}),
    docs: Flags.integer({description: 'read the documents of at most N traces, chosen at random (cold starts, where the time goes)', default: 200, min: 0, max: 5000, helpValue: 'N'}),
    seed: Flags.integer({description: 'seed of the random sample (the same seed, the same sample)', default: 1, helpValue: 'N'}),
    'max-traces': Flags.integer({description: 'above this many traces, use X-Ray\'s aggregates for counts and latency', default: 20_000, min: 1, helpValue: 'N'}),
    ascii: Flags.boolean({description: 'plain ASCII bars', allowNo: true}),
    ...windowFlags,
    ...filterFlags,
    ...awsFlags,
  }

  public async run(): Promise<StatsJson | undefined> {
    return runStats(this.bodyRun((argv) => this.parse(Stats, argv)))
  }
}
