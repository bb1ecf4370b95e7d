import {Parser} from '@oclif/core'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {LEAN_COMMANDS} from '../../../src/cli/lean.js'
import {leanParse} from '../../../src/cli/lean-parse.js'
import {type CommandDefinition, type LeanSpec, leanSpecOf} from '../../../src/cli/lean-spec.js'
import Disable from '../../../src/commands/disable.js'
import Doctor from '../../../src/commands/doctor.js'
import Enable from '../../../src/commands/enable.js'
import ServiceMap from '../../../src/commands/map.js'
import Restore from '../../../src/commands/restore.js'
import Show from '../../../src/commands/show.js'
import Stats from '../../../src/commands/stats.js'
import Status from '../../../src/commands/status.js'
import Tail from '../../../src/commands/tail.js'
import Traces from '../../../src/commands/traces.js'

// The lean entry's promise: whatever command line it reads itself, oclif's own parser reads with the
// same flags and words; everything else it hands to oclif (undefined).

const COMMANDS: Record<(typeof LEAN_COMMANDS)[number], CommandDefinition & {flags: object; baseFlags: object; args: object}> = {show: Show, traces: Traces, status: Status, tail: Tail, stats: Stats, map: ServiceMap, enable: Enable, disable: Disable, restore: Restore, doctor: Doctor}
const spec = leanSpecOf(Show, 'xtrace')

async function oclifParse(argv: string[], command: (typeof COMMANDS)[keyof typeof COMMANDS] = Show): Promise<{flags: Record<string, unknown>; argv: unknown[]} | Error> {
  try {
    const parsed = await Parser.parse(argv, {flags: {...command.baseFlags, ...command.flags} as never, args: command.args as never, strict: command.strict ?? true, context: {} as never})
    return {flags: parsed.flags, argv: parsed.argv}
  } catch (error) {
    return error as Error
  }
}

const WORDS = [
  '--file', '-f', 'trace.json', '-', '--json', '--debug', '--details', '-d', '--depth', '3', '0', '-2', '--width', '80', '20', '5000',
  '--ascii', '--no-ascii', '--color', '--no-color', '--no-json', '--collapse', '--expand', 'Map', '--columns', 'both', '--wait', '30',
  '--function', 'orders-api', '--latest', '--slowest', '--count', '2', '--since', '1h', '--time-range-type', 'event', 'trace',
  '--region', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:4566', '--cli-read-timeout', '7', '1-5759e988-bd862e3fe1be46a994272793',
  '--', '--file=x.json', '--width=90', '--json=1', '-fx', '--nope', '--fil', '--status', '5xx', '--annotation', 'k=v',
]

/** Words for random command lines of any command, from its own spec: every flag's forms and values at and past its limits. */
function wordsOf(spec: LeanSpec): string[] {
  const words = new Set(['-', '--', 'orders-api', 'x', '3', '--nope', '-z'])
  for (const flag of spec.flags) {
    words.add(`--${flag.name}`)
    if (flag.char) words.add(`-${flag.char}`)
    if (flag.allowNo) words.add(`--no-${flag.name}`)
    if (flag.type === 'boolean') {
      words.add(`--${flag.name}=true`)
      continue
    }
    for (const value of flag.options ?? []) words.add(value)
    for (const bound of [flag.min, flag.max]) if (bound !== undefined) [bound - 1, bound, bound + 1].forEach((n) => words.add(String(n)))
    words.add(`--${flag.name}=${flag.options?.[0] ?? flag.min ?? 'x'}`)
  }
  return [...words]
}

describe('lean parsing of show', () => {
  it('reads the spec from the command class: every flag, none left to oclif alone', () => {
    expect(spec.flags.map((flag) => flag.name).sort()).toEqual(Object.keys({...Show.baseFlags, ...Show.flags}).sort())
    expect(spec.flags.filter((flag) => flag.opaque)).toEqual([])
    expect(spec.flags.find((flag) => flag.name === 'width')).toMatchObject({type: 'option', value: 'integer', min: 40, max: 1000})
    expect(spec.flags.find((flag) => flag.name === 'file')).toMatchObject({value: 'string', multiple: true, char: 'f'})
  })

  it('takes the everyday command lines itself', () => {
    for (const argv of [
      ['--file', 'trace.json'],
      ['-f', 'trace.json', '--json'],
      ['-', '--details', '--width', '100', '--no-color'],
      ['1-5759e988-bd862e3fe1be46a994272793', '--region', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:4566'],
      ['--function', 'orders-api', '--slowest', '--since', '1h'],
    ]) {
      expect(leanParse(argv, spec), argv.join(' ')).toBeDefined()
    }
  })

  it('agrees with oclif on every command line it takes, and takes none oclif refuses', async () => {
    // The property says something only if many lines were taken.
    expect(await agreesWithOclif(Show, spec, WORDS, {maxLength: 8, runs: 1500})).toBeGreaterThan(100)
  })
})

describe.each([...LEAN_COMMANDS])('lean parsing of %s', (id) => {
  const command = COMMANDS[id]
  const commandSpec = leanSpecOf(command, 'xtrace')

  it('has every flag in its spec, and none only oclif can read', () => {
    expect(commandSpec.flags.map((flag) => flag.name).sort()).toEqual(Object.keys({...command.baseFlags, ...command.flags}).sort())
    expect(commandSpec.flags.filter((flag) => flag.opaque)).toEqual([])
  })

  it('agrees with oclif on every command line it takes, from words made of its own flags', async () => {
    expect(await agreesWithOclif(command, commandSpec, wordsOf(commandSpec), {maxLength: 6, runs: 1000})).toBeGreaterThan(50)
  })
})

/** Random command lines of `words`: whatever the lean parser takes, oclif takes with equal flags and argv. Returns how many were taken. */
async function agreesWithOclif(command: (typeof COMMANDS)[keyof typeof COMMANDS], spec: LeanSpec, words: string[], options: {maxLength: number; runs: number}): Promise<number> {
  let taken = 0
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...words), {maxLength: options.maxLength}), async (argv) => {
      const lean = leanParse(argv, spec)
      if (!lean) return
      taken++
      const oclif = await oclifParse(argv, command)
      expect(oclif, argv.join(' ')).not.toBeInstanceOf(Error)
      expect(lean.flags, argv.join(' ')).toEqual((oclif as {flags: unknown}).flags)
      expect(lean.argv, argv.join(' ')).toEqual((oclif as {argv: unknown}).argv)
    }),
    {numRuns: Number(process.env.FUZZ_RUNS ?? options.runs)},
  )
  return taken
}
