/**
 * Build step (after tsc): writes dist/lean-spec.json, the flags and arguments of the commands the lean
 * entry runs, read from the command classes themselves (lean-spec.ts).
 */
import {readFileSync, writeFileSync} from 'node:fs'

import {Args, Flags} from '@oclif/core'

import {type CommandDefinition, leanSpecOf, type LeanSpec} from './lean-spec.js'

const LEAN_COMMANDS = ['show']

const root = new URL('../../', import.meta.url)
const {oclif} = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {oclif: {bin: string}}
const parsers = {string: Flags.string().parse, integer: Flags.integer().parse, boolean: Flags.boolean().parse, arg: Args.string().parse}
const specs: Record<string, LeanSpec> = {}
for (const id of LEAN_COMMANDS) {
  const command = ((await import(`../commands/${id}.js`)) as {default: CommandDefinition}).default
  specs[id] = leanSpecOf({...command, id, strict: command.strict, flags: command.flags, baseFlags: command.baseFlags, args: command.args}, oclif.bin, parsers as never)
}
writeFileSync(new URL('dist/lean-spec.json', root), `${JSON.stringify(specs)}\n`)
