import {Args, Flags} from '@oclif/core'

/**
 * The flags and arguments of a command, as data the lean entry can read without loading oclif. Written
 * at build time (write-lean-spec.ts) from the command classes themselves — the same definitions oclif
 * parses with, never a second copy kept by hand. Only the build and the tests load this module (the lean
 * entry imports its types alone), so it may use oclif.
 */

export interface LeanFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
  /** How an option's value is read: as given, as an integer (min/max), or by a parser only oclif has. */
  value: 'string' | 'integer' | 'other'
  multiple: boolean
  allowNo: boolean
  min?: number
  max?: number
  options?: string[]
  /** A default given as a value; one computed by a function makes the flag `opaque`. */
  default?: unknown
  exclusive?: string[]
  dependsOn?: string[]
  /** Anything the lean parser does not model (relationships, env, aliases, deprecation…): oclif decides. */
  opaque: boolean
}

export interface LeanArg {
  name: string
  /** Read as given, with no options to check and nothing read from stdin. */
  plain: boolean
}

export interface LeanSpec {
  bin: string
  strict: boolean
  flags: LeanFlag[]
  args: LeanArg[]
}

/** The parts of an oclif flag or arg definition this module reads. */
interface FlagDefinition {
  type?: string
  char?: string
  multiple?: boolean
  allowNo?: boolean
  min?: number
  max?: number
  options?: readonly string[]
  default?: unknown
  exclusive?: readonly string[]
  dependsOn?: readonly string[]
  parse?: (...args: never[]) => unknown
  [key: string]: unknown
}

export interface CommandDefinition {
  strict?: boolean
  flags?: Record<string, unknown>
  baseFlags?: Record<string, unknown>
  args?: Record<string, unknown>
}

/** oclif's own parsers, to tell a plain string or integer flag from one that parses its own way. */
const PARSERS = {string: Flags.string().parse, integer: Flags.integer().parse, boolean: Flags.boolean().parse, arg: Args.string().parse}

// Options the lean parser handles itself (or that only concern help): any other one makes a flag opaque.
const MODELLED = new Set([
  'type', 'char', 'multiple', 'allowNo', 'min', 'max', 'options', 'default', 'exclusive', 'dependsOn', 'parse', 'input',
  'description', 'summary', 'helpValue', 'helpGroup', 'hidden', 'name',
])

const sameParser = (a: unknown, b: unknown) => typeof a === 'function' && typeof b === 'function' && (a === b || a.toString() === b.toString())

/** A command class's static flags, baseFlags (inherited too), args and strict, as a LeanSpec. */
export function leanSpecOf(command: CommandDefinition, bin: string): LeanSpec {
  const all = {...(command.baseFlags ?? {}), ...(command.flags ?? {})} as Record<string, FlagDefinition>
  const flags: LeanFlag[] = Object.entries(all).map(([name, flag]) => {
    const type = flag.type === 'boolean' ? 'boolean' : 'option'
    const value = type === 'boolean' ? 'string' : sameParser(flag.parse, PARSERS.integer) ? 'integer' : sameParser(flag.parse, PARSERS.string) ? 'string' : 'other'
    const unmodelled = Object.keys(flag).some((key) => !MODELLED.has(key) && flag[key] !== undefined)
    const opaque =
      unmodelled ||
      typeof flag.default === 'function' ||
      (type === 'boolean' && !sameParser(flag.parse, PARSERS.boolean)) ||
      value === 'other'
    const lean: LeanFlag = {name, type, value, multiple: flag.multiple === true, allowNo: flag.allowNo === true, opaque}
    if (flag.char !== undefined) lean.char = flag.char
    if (flag.min !== undefined) lean.min = flag.min
    if (flag.max !== undefined) lean.max = flag.max
    if (flag.options) lean.options = [...flag.options]
    if (flag.default !== undefined && typeof flag.default !== 'function') lean.default = flag.default
    if (flag.exclusive?.length) lean.exclusive = [...flag.exclusive]
    if (flag.dependsOn?.length) lean.dependsOn = [...flag.dependsOn]
    return lean
  })
  const args = Object.entries((command.args ?? {}) as Record<string, FlagDefinition>).map(([name, arg]) => ({
    name,
    plain: sameParser(arg.parse, PARSERS.arg) && !arg.options && !arg.required && arg.default === undefined && !arg.multiple && arg.ignoreStdin === true,
  }))
  return {bin, strict: command.strict !== false, flags, args}
}
