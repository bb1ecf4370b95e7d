import {Args, Flags, ux} from '@oclif/core'

import {XtraceCommand} from '../base-command.js'
import {RegionalClients} from '../aws/regions.js'
import {awsOptionsFrom, multiRegionAwsFlags, selectionFlags} from '../flags.js'
import {currentTerminal, makeChalk} from '../output.js'
import {renderStatus} from '../render/status.js'
import {selectFunctionsOrFail, selectionFromArgs} from '../tracing/selection.js'
import {collectStatus, type StatusJson, summariseStatus} from '../tracing/status.js'

export default class Status extends XtraceCommand {
  static override summary = 'Show tracing modes, and whether traces can arrive.'

  static override description = [
    'A table of the selected functions (default: every function in the region): tracing mode, runtime, memory, execution role, whether the role may write to X-Ray, the last update\'s status, and aliases that point at published versions (whose mode is frozen), then the coverage: how many are Active.',
    'On a pipe the columns are plain and never cut, for awk and friends; --json gives everything.',
    'EXIT CODES\n  0  the status was shown\n  1  a name was not found or an AWS call failed\n  2  usage error',
  ].join('\n\n')

  static override examples = [
    {description: 'Every function in the current region', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Some functions, in two regions', command: '<%= config.bin %> <%= command.id %> --match "orders-*" --region us-east-1 --region eu-west-1'},
    {description: 'Names of the functions not yet Active', command: '<%= config.bin %> <%= command.id %> --json | jq -r \'.functions[] | select(.mode != "Active") | .function\''},
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs, or - to read names from stdin (default: all)', ignoreStdin: true}),
  }

  static override flags = {
    aliases: Flags.boolean({description: 'look up aliases on published versions (one call per function; --no-aliases skips it)', default: true, allowNo: true}),
    roles: Flags.boolean({description: 'check each execution role\'s X-Ray permissions in IAM (--no-roles skips it)', default: true, allowNo: true}),
    ...selectionFlags,
    ...multiRegionAwsFlags,
  }

  public async run(): Promise<StatusJson> {
    const {argv, flags} = await this.parse(Status)
    const selection = selectionFromArgs(argv as string[], flags)
    const regional = new RegionalClients(awsOptionsFrom(flags))
    const spinner = !this.jsonEnabled() && process.stderr.isTTY === true
    if (spinner) ux.action.start('Reading functions')
    const statuses = await (async () => {
      const functions = await selectFunctionsOrFail(regional, flags.region ?? [], selection, {defaultAll: true, warn: (w) => this.printToStderr(`warning: ${w}`)})
      if (spinner) ux.action.status = `${functions.length} functions`
      return collectStatus(regional, functions, {aliases: flags.aliases, roles: flags.roles})
    })().finally(() => spinner && ux.action.stop())
    if (!this.jsonEnabled()) {
      const terminal = currentTerminal()
      this.log(renderStatus(statuses, {chalk: makeChalk(terminal), ...(terminal.isTTY && terminal.columns ? {width: terminal.columns} : {})}))
    }
    return {functions: statuses, summary: summariseStatus(statuses)}
  }
}
