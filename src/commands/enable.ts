import {Flags} from '@oclif/core'

import {functionArgs, modeChangeFlags} from '../cli/flags.js'
import type {ChangeJson} from '../render/changes.js'
import {XtraceCommand} from '../cli/base-command.js'
import {CHANGE_EXIT_CODES} from '../cli/change-help.js'
import {runEnable} from '../cli/run/enable.js'

/** `xtrace enable`: its flags and help; the body is cli/run/enable.ts, which the lean entry runs too. */
export default class Enable extends XtraceCommand {
  static override summary = 'Turn on Active X-Ray tracing for Lambda functions.'

  static override description = [
    'Sets TracingConfig.Mode to Active with UpdateFunctionConfiguration, for one function or thousands. Functions already Active are left alone, so a second run changes nothing.',
    'Before enabling, xtrace checks that each execution role may call xray:PutTraceSegments and xray:PutTelemetryRecords (Lambda refuses Active tracing otherwise). With --attach-policy it attaches the AWS managed policy AWSXRayDaemonWriteAccess to roles that lack them; IAM is never touched without that flag.',
    'Every change is written to a journal first: `xtrace restore` puts the previous modes back. Only $LATEST can change: published versions keep the mode they were published with.',
    CHANGE_EXIT_CODES,
  ].join('\n\n')

  static override examples = [
    {description: 'Enable one function', command: '<%= config.bin %> <%= command.id %> orders-api'},
    {description: 'Enable every function whose name starts with orders-, granting the X-Ray permission where missing', command: '<%= config.bin %> <%= command.id %> --match "orders-*" --attach-policy'},
    {description: 'See what would change for a team\'s functions in two regions', command: '<%= config.bin %> <%= command.id %> --tag team=payments --region us-east-1 --region eu-west-1 --dry-run'},
    {description: 'Enable the functions listed in a file, without a prompt (CI)', command: '<%= config.bin %> <%= command.id %> - --yes < functions.txt'},
    {description: 'Every function of every member account of an organizational unit, in two regions', command: '<%= config.bin %> <%= command.id %> --all --org --ou ou-ab12-cdef3456 --region us-east-1 --region eu-west-1 --attach-policy'},
  ]

  static override strict = false

  static override args = functionArgs

  static override flags = {
    'attach-policy': Flags.boolean({description: 'attach AWSXRayDaemonWriteAccess to execution roles that lack the X-Ray permissions (asks first, unless --yes)'}),
    ...modeChangeFlags,
  }

  public async run(): Promise<ChangeJson> {
    return runEnable(this.bodyRun((argv) => this.parse(Enable, argv)))
  }
}
