import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {CHANGE_EXIT_CODES} from '../cli/change-help.js'
import {awsFlags, changeFlags, pacingFlags} from '../cli/flags.js'
import {runRestore} from '../cli/run/restore.js'
import type {ChangeJson} from '../render/changes.js'
import type {OperationsJson} from '../render/operations.js'

/** `xtrace restore`: its flags and help; the body is cli/run/restore.ts, which the lean entry runs too. */
export default class Restore extends XtraceCommand {
  static override summary = 'Put back the tracing modes an enable or disable changed.'

  static override description = [
    `Every enable, disable and restore writes a journal before it changes anything (in ${'$XDG_STATE_HOME/xtrace'}, by default ~/.local/state/xtrace). restore reads it and sets each function it changed back to its previous mode — also after a run that was interrupted. With no id it undoes the latest operation not yet restored; --list shows them all.`,
    'Functions already back in their previous mode are left alone. Like enable and disable it shows the plan with --dry-run and asks before changing more than one function unless --yes.',
    CHANGE_EXIT_CODES,
  ].join('\n\n')

  static override examples = [
    {description: 'Undo the last change', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'See the recorded operations', command: '<%= config.bin %> <%= command.id %> --list'},
    {description: 'Undo a particular operation, without a prompt', command: '<%= config.bin %> <%= command.id %> 20261124T101500Z-a1b2c3 --yes'},
  ]

  static override args = {
    operation: Args.string({description: 'the operation to undo (default: the latest one not yet restored)', ignoreStdin: true}),
  }

  static override flags = {
    list: Flags.boolean({description: 'list the recorded operations, newest first, and change nothing'}),
    'external-id': Flags.string({description: "the external id the roles' trust policies ask for (when the operation used one)", helpValue: 'ID', helpGroup: 'ACCOUNTS'}),
    ...changeFlags,
    ...awsFlags,
    ...pacingFlags,
  }

  public async run(): Promise<ChangeJson | OperationsJson> {
    return runRestore(this.bodyRun((argv) => this.parse(Restore, argv)))
  }
}
