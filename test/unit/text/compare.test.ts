import {execFileSync} from 'node:child_process'

import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {compareText} from '../../../src/text/compare.js'

const icu = new Intl.Collator('en-US')
const sign = (n: number) => Math.sign(n)
const printable = Array.from({length: 95}, (_, i) => String.fromCharCode(32 + i))
// Names as Lambda, IAM and X-Ray make them, and strings of every printable character, with shared stems so that most pairs
// differ late, in case only, or in length.
const nameChar = fc.constantFrom(...'aAbBzZiIyYjJ09-_. :/'.split(''))
const anyChar = fc.constantFrom(...printable)
const pair = (chars: fc.Arbitrary<string>) =>
  fc.tuple(fc.string({unit: chars, maxLength: 6}), fc.string({unit: chars, maxLength: 4}), fc.string({unit: chars, maxLength: 4})).map(([stem, a, b]) => [stem + a, stem + b] as const)

describe('compareText', () => {
  it("gives ICU's en-US answer for printable ASCII, every character against every other", () => {
    for (const a of printable) for (const b of printable) expect(sign(compareText(a, b)), `${a} ${b}`).toBe(sign(icu.compare(a, b)))
  })

  it("gives ICU's en-US answer for any pair of printable-ASCII strings", () => {
    fc.assert(
      fc.property(fc.oneof(pair(nameChar), pair(anyChar)), ([a, b]) => {
        expect(sign(compareText(a, b))).toBe(sign(icu.compare(a, b)))
      }),
      {numRuns: 20_000},
    )
  })

  it('leaves the rest to ICU (en-US), accents, controls and all', () => {
    for (const [a, b] of [['résumé', 'resume'], ['Ärger', 'arger'], ['a\u0000c', 'ab'], ['日本', 'abc'], ['e\u0301', 'é'], ['fn-é', 'fn-f']]) {
      expect(sign(compareText(a!, b!)), `${a} ${b}`).toBe(sign(icu.compare(a!, b!)))
    }
    fc.assert(fc.property(fc.string({unit: 'grapheme', maxLength: 5}), fc.string({unit: 'grapheme', maxLength: 5}), (a, b) => {
      expect(sign(compareText(a, b))).toBe(sign(icu.compare(a, b)))
    }))
  })

  it("sorts the same whatever the user's locale, as localeCompare did not", () => {
    const names = ['aa-api', 'b-api', 'z-api', 'I-x', 'h-x', 'y-x', 'i-x', 'j-x', 'Orders_2', 'orders-10', 'orders-2']
    const sortUnder = (locale: string, how: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', '-e', `import {compareText} from './src/text/compare.ts'; const names = ${JSON.stringify(names)}; console.log(JSON.stringify(names.sort(${how})))`], {
        env: {...process.env, LC_ALL: locale, LANG: locale},
        encoding: 'utf8',
      }).trim()
    const ours = sortUnder('en_US.UTF-8', 'compareText')
    for (const locale of ['da_DK.UTF-8', 'lt_LT.UTF-8', 'tr_TR.UTF-8', 'C']) expect(sortUnder(locale, 'compareText'), locale).toBe(ours)
    // The check can fail: under Danish rules, localeCompare puts "aa" after "z".
    expect(sortUnder('da_DK.UTF-8', '(a, b) => a.localeCompare(b)')).not.toBe(ours)
  })
})
