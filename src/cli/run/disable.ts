import type {Interfaces} from '@oclif/core'

import type Disable from '../../commands/disable.js'
import type {ChangeJson} from '../../render/changes.js'
import {changeSelected} from './change.js'
import type {CommandRun} from './command-run.js'

/** The body of `xtrace disable`, whichever entry runs it: oclif's (commands/disable.ts) or the lean one (cli/lean.ts). */

export type DisableFlags = Interfaces.InferredFlags<(typeof Disable)['flags'] & (typeof Disable)['baseFlags']>

export const runDisable = (command: CommandRun<DisableFlags>): Promise<ChangeJson> => changeSelected(command, 'PassThrough', 'disable')
