import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {accountFlags, iacFlags, multiRegionAwsFlags, pacingFlags, selectionFlags} from '../cli/flags.js'
import {runStatus} from '../cli/run/status.js'
import type {StatusJson} from '../tracing/status.js'

/** `xtrace status`: its flags and help; the body is cli/run/status.ts, which the lean entry runs too. */
export default class Status extends XtraceCommand {
  static override summary = 'Show tracing modes, and whether traces can arrive.'

  static override description = [
    'A table of the selected functions (default: every function in the region): tracing mode, runtime, memory, execution role, whether the role may write to X-Ray, the last update\'s status, what deploys it (a deploy can set the mode back), and aliases that point at published versions (whose mode is frozen), then the coverage: how many are Active.',
    'On a pipe the columns are plain and never cut, for awk and friends; --json gives everything.',
    'EXIT CODES\n  0  the status was shown\n  1  a name was not found or an AWS call failed\n  2  usage error',
  ].join('\n\n')

  static override examples = [
    {description: 'Every function in the current region', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Some functions, in two regions', command: '<%= config.bin %> <%= command.id %> --match "orders-*" --region us-east-1 --region eu-west-1'},
    {description: 'Coverage of every account of the organization', command: '<%= config.bin %> <%= command.id %> --org --no-aliases'},
    {description: 'Names of the functions not yet Active', command: '<%= config.bin %> <%= command.id %> --json | jq -r \'.functions[] | select(.mode != "Active") | .function\''},
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs, or - to read names from stdin (default: all)', ignoreStdin: true}),
  }

  static override flags = {
    aliases: Flags.boolean({description: 'look up aliases on published versions (one call per function; --no-aliases skips it)', default: true, allowNo: true}),
    roles: Flags.boolean({description: 'check each execution role\'s X-Ray permissions in IAM (--no-roles skips it)', default: true, allowNo: true}),
    iac: Flags.boolean({description: 'say what deploys each function: CloudFormation, SAM, CDK, Serverless, Amplify (tags, and each stack\'s template once; --no-iac skips it)', default: true, allowNo: true}),
    ...iacFlags,
    ...selectionFlags,
    ...accountFlags,
    ...multiRegionAwsFlags,
    ...pacingFlags,
  }

  public async run(): Promise<StatusJson> {
    return runStatus(this.bodyRun((argv) => this.parse(Status, argv)))
  }
}
