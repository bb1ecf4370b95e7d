import type {Interfaces} from '@oclif/core'

import type Enable from '../../commands/enable.js'
import type {ChangeJson} from '../../render/changes.js'
import {changeSelected} from './change.js'
import type {CommandRun} from './command-run.js'

/** The body of `xtrace enable`, whichever entry runs it: oclif's (commands/enable.ts) or the lean one (cli/lean.ts). */

export type EnableFlags = Interfaces.InferredFlags<(typeof Enable)['flags'] & (typeof Enable)['baseFlags']>

export const runEnable = (command: CommandRun<EnableFlags>): Promise<ChangeJson> => changeSelected(command, 'Active', 'enable')
