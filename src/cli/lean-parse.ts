import type {LeanFlag, LeanSpec} from './lean-spec.js'

export interface LeanParsed {
  flags: Record<string, unknown>
  args: Record<string, string>
  argv: string[]
}

/**
 * Reads a command line the way oclif's parser would, for the common forms only: `--name value`,
 * `--name=value`, `-c value`, booleans, `--no-name`, plain positionals. Whatever it does not model —
 * an unknown or misspelt flag, a missing or dash-led value, a value oclif would refuse, `--`, `-fVALUE`,
 * a greedy multiple flag, relationships — gives undefined, and the caller lets oclif parse (and report).
 * So it never reports a parse error itself, and whatever it accepts, oclif accepts with the same values
 * (test/unit/cli/lean-parse.test.ts checks that against oclif's parser).
 */
export function leanParse(argv: readonly string[], spec: LeanSpec): LeanParsed | undefined {
  const byName = new Map(spec.flags.map((flag) => [flag.name, flag]))
  const byChar = new Map(spec.flags.filter((flag) => flag.char !== undefined).map((flag) => [flag.char!, flag]))
  const flags: Record<string, unknown> = {}
  const given = new Set<string>()
  const positionals: string[] = []
  // After a multiple option, oclif takes every later plain word as more of its values, booleans in
  // between or not, until another option flag comes.
  let afterMultiple = false

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!
    if (token === '-' || !token.startsWith('-')) {
      if (afterMultiple) return undefined
      positionals.push(token)
      continue
    }
    let flag: LeanFlag | undefined
    let inline: string | undefined
    let negated = false
    if (token.startsWith('--')) {
      if (token === '--') return undefined
      const equals = token.indexOf('=')
      const name = equals === -1 ? token.slice(2) : token.slice(2, equals)
      if (equals !== -1) inline = token.slice(equals + 1)
      flag = byName.get(name)
      if (!flag && name.startsWith('no-')) {
        flag = byName.get(name.slice(3))
        if (flag?.type !== 'boolean' || !flag.allowNo) return undefined
        negated = true
      }
    } else {
      if (token.length !== 2) return undefined
      flag = byChar.get(token[1]!)
    }
    if (!flag || flag.opaque) return undefined
    if (given.has(flag.name) && !flag.multiple) return undefined
    given.add(flag.name)

    if (flag.type === 'boolean') {
      if (inline !== undefined) return undefined
      flags[flag.name] = !negated
      continue
    }
    afterMultiple = flag.multiple
    const input = inline ?? argv[++i]
    if (input === undefined || (input.startsWith('-') && input !== '-')) return undefined
    const value = optionValue(flag, input)
    if (value === undefined) return undefined
    if (flag.multiple) {
      ;((flags[flag.name] ??= []) as unknown[]).push(value)
    } else {
      flags[flag.name] = value
    }
  }

  for (const flag of spec.flags) {
    if (given.has(flag.name)) {
      if (flag.exclusive?.some((other) => given.has(other))) return undefined
      if (flag.dependsOn?.some((other) => !given.has(other))) return undefined
    } else if (flag.opaque) {
      // It may still have a default or read the environment: only oclif knows.
      return undefined
    } else if (flag.default !== undefined) {
      flags[flag.name] = flag.default
    }
  }

  const args: Record<string, string> = {}
  if (spec.args.some((arg) => !arg.plain)) return undefined
  if (spec.strict && positionals.length > spec.args.length) return undefined
  for (const [index, arg] of spec.args.entries()) if (positionals[index] !== undefined) args[arg.name] = positionals[index]!
  // oclif orders the words by where each one first appears (so a repeated word moves up with its first).
  const first = (word: string) => argv.indexOf(word)
  return {flags, args, argv: positionals.sort((a, b) => first(a) - first(b))}
}

function optionValue(flag: LeanFlag, input: string): string | number | undefined {
  if (flag.options && !flag.options.includes(input)) return undefined
  if (flag.value === 'string') return input
  if (flag.value !== 'integer' || !/^-?\d+$/.test(input)) return undefined
  const number = Number.parseInt(input, 10)
  if ((flag.min !== undefined && number < flag.min) || (flag.max !== undefined && number > flag.max)) return undefined
  return number
}
