
import {functionArgs, modeChangeFlags} from '../cli/flags.js'
import type {ChangeJson} from '../render/changes.js'
import {XtraceCommand} from '../cli/base-command.js'
import {CHANGE_EXIT_CODES} from '../cli/change-help.js'
import {runDisable} from '../cli/run/disable.js'

/** `xtrace disable`: its flags and help; the body is cli/run/disable.ts, which the lean entry runs too. */
export default class Disable extends XtraceCommand {
  static override summary = 'Turn Active X-Ray tracing off again (back to PassThrough).'

  static override description = [
    'Sets TracingConfig.Mode to PassThrough with UpdateFunctionConfiguration: the function no longer samples requests itself, and traces only requests that arrive with a sampled tracing header from an upstream service. Functions already PassThrough are left alone.',
    'IAM is not touched: the role keeps its X-Ray permissions. Every change is written to a journal first: `xtrace restore` turns tracing back on where it was on.',
    CHANGE_EXIT_CODES,
  ].join('\n\n')

  static override examples = [
    {description: 'Disable one function', command: '<%= config.bin %> <%= command.id %> orders-api'},
    {description: 'Disable everything in a region, after checking the plan', command: '<%= config.bin %> <%= command.id %> --all --dry-run'},
    {description: 'Disable by tag, without a prompt, and print JSON', command: '<%= config.bin %> <%= command.id %> --tag env=dev --yes --json'},
    {description: 'The same in two accounts, through a role of your own', command: '<%= config.bin %> <%= command.id %> --tag env=dev --accounts 111122223333,444455556666 --role-name xtrace-operator'},
  ]

  static override strict = false

  static override args = functionArgs

  static override flags = {
    ...modeChangeFlags,
  }

  public async run(): Promise<ChangeJson> {
    return runDisable(this.bodyRun((argv) => this.parse(Disable, argv)))
  }
}
