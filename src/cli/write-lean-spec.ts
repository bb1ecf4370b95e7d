/**
 * Build step (after tsc): writes dist/lean-spec.json, the flags and arguments of the commands the lean
 * entry runs, read from the command classes themselves (lean-spec.ts).
 */
import {readFileSync, writeFileSync} from 'node:fs'

import {LEAN_COMMANDS} from './lean.js'
import {type CommandDefinition, leanSpecOf, type LeanSpec} from './lean-spec.js'

const root = new URL('../../', import.meta.url)
const {oclif} = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {oclif: {bin: string}}
const specs: Record<string, LeanSpec> = {}
for (const id of LEAN_COMMANDS) {
  const command = ((await import(`../commands/${id}.js`)) as {default: CommandDefinition}).default
  specs[id] = leanSpecOf(command, oclif.bin)
}
writeFileSync(new URL('dist/lean-spec.json', root), `${JSON.stringify(specs)}\n`)
