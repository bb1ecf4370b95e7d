import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {accountFlags, changeFlags, iacFlags, multiRegionAwsFlags, pacingFlags, selectionFlags} from '../cli/flags.js'
import {runDoctor} from '../cli/run/doctor.js'
import {XRAY_WRITE_POLICY} from '../permissions/role.js'
import type {DoctorJson} from '../render/doctor.js'

/** `xtrace doctor`: its flags and help; the body is cli/run/doctor.ts, which the lean entry runs too. */
export default class Doctor extends XtraceCommand {
  static override summary = "Find why a function's traces do not arrive; fix what is safe."

  static override description = [
    'Checks the account (credentials, X-Ray reachable, where segments go, sampling rules), then each function (default: every function in the region): tracing mode, last update, aliases on published versions, the execution role (exists, trusts Lambda, allows xray:PutTraceSegments and xray:PutTelemetryRecords and the sampling calls — read from its policies and confirmed with IAM\'s policy simulator when you may call it), the X-Ray environment variables, the daemon\'s share of memory, and whether traces arrived lately.',
    `--fix attaches ${XRAY_WRITE_POLICY} to roles that lack the X-Ray permissions and sets PassThrough functions Active, after confirmation (or --yes), then checks them again. Nothing touches IAM without --fix. An explicit Deny, a permissions boundary or a broken trust policy is explained, never changed.`,
    'EXIT CODES\n  0    no check failed (warnings allowed; unknown allowed without --strict)\n  1    a check failed (with --strict: or could not be decided), or an AWS call failed\n  2    usage error\n  130  Ctrl-C during --fix',
  ].join('\n\n')

  static override examples = [
    {description: 'Why do I see no traces for this function?', command: '<%= config.bin %> <%= command.id %> orders-api'},
    {description: 'Check every function in two regions, in CI (exit 1 on failure)', command: '<%= config.bin %> <%= command.id %> --region us-east-1 --region eu-west-1 --json'},
    {description: 'See what --fix would change, then fix it', command: '<%= config.bin %> <%= command.id %> orders-api --fix --dry-run\n<%= config.bin %> <%= command.id %> orders-api --fix'},
    {description: 'In CI: fail when a check fails or cannot be decided', command: '<%= config.bin %> <%= command.id %> --all --strict --json > doctor.json'},
    {description: 'Look for traces over the last two hours', command: '<%= config.bin %> <%= command.id %> --match "orders-*" --since 2h'},
    {description: 'Check every member account of the organization', command: '<%= config.bin %> <%= command.id %> --org --region us-east-1 --no-aliases'},
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs, or - to read names from stdin (default: all)', ignoreStdin: true}),
  }

  static override flags = {
    fix: Flags.boolean({description: `attach ${XRAY_WRITE_POLICY} where missing and set Active (asks first, unless --yes)`}),
    'dry-run': {...changeFlags['dry-run'], description: 'with --fix: show what would change, change nothing'},
    yes: {...changeFlags.yes, description: 'do not ask before fixing (needed without a terminal)'},
    since: Flags.string({description: 'how far back to look for traces (e.g. 15m, 2h; at most 24h)', default: '15m', helpValue: 'DURATION'}),
    verbose: Flags.boolean({char: 'v', description: 'list passing checks of every function too'}),
    strict: Flags.boolean({description: 'exit 1 when a check could not be decided, as well as when one failed (for CI)'}),
    aliases: Flags.boolean({description: 'check aliases on published versions (one ListAliases per function; --no-aliases skips it in big accounts)', default: true, allowNo: true}),
    ascii: Flags.boolean({description: 'plain ASCII marks instead of ✔ ⚠ ✖', allowNo: true}),
    concurrency: {...changeFlags.concurrency, description: `with --fix: ${changeFlags.concurrency.description}`},
    ...selectionFlags,
    ...accountFlags,
    ...multiRegionAwsFlags,
    ...pacingFlags,
    ...iacFlags,
  }

  public async run(): Promise<DoctorJson> {
    return runDoctor(this.bodyRun((argv) => this.parse(Doctor, argv)))
  }
}
