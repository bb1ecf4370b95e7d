import {Parser} from '@oclif/core'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {leanParse} from '../../../src/cli/lean-parse.js'
import {leanSpecOf} from '../../../src/cli/lean-spec.js'
import Show from '../../../src/commands/show.js'

// The lean entry's promise: whatever command line it reads itself, oclif's own parser reads with the
// same flags and words; everything else it hands to oclif (undefined).

const spec = leanSpecOf(Show, 'xtrace')

async function oclifParse(argv: string[]): Promise<{flags: Record<string, unknown>; argv: unknown[]} | Error> {
  try {
    const parsed = await Parser.parse(argv, {flags: {...Show.baseFlags, ...Show.flags}, args: Show.args, strict: Show.strict, context: {} as never})
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
    let taken = 0
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...WORDS), {maxLength: 8}), async (argv) => {
        const lean = leanParse(argv, spec)
        if (!lean) return
        taken++
        const oclif = await oclifParse(argv)
        expect(oclif).not.toBeInstanceOf(Error)
        expect(lean.flags).toEqual((oclif as {flags: unknown}).flags)
        expect(lean.argv).toEqual((oclif as {argv: unknown}).argv)
      }),
      {numRuns: Number(process.env.FUZZ_RUNS ?? 1500)},
    )
    // The property says something only if many lines were taken.
    expect(taken).toBeGreaterThan(100)
  })
})
