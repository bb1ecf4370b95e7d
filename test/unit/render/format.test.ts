import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {displayWidth, formatCount, formatDuration, formatTimestamp, isoUtc, truncate, truncateMiddle, wrap} from '../../../src/render/format.js'

describe('wrap', () => {
  it('wraps at word boundaries, cuts words longer than a line, and counts wide characters as two', () => {
    expect(wrap('the quick brown fox jumps', 10)).toEqual(['the quick', 'brown fox', 'jumps'])
    expect(wrap('abcdefghijklmnop', 6)).toEqual(['abcdef', 'ghijkl', 'mnop'])
    expect(wrap('漢字漢字 ab', 4)).toEqual(['漢字', '漢字', 'ab'])
    expect(wrap('', 10)).toEqual([''])
  })
})

// Plain ASCII takes a shortcut in truncate and truncateMiddle; text with wide characters is measured a
// character at a time. Both must keep the same contract, so the texts mix the two.
const texts = fc.oneof(
  fc.string({unit: fc.constantFrom(...'abc/-. XYZ019'), maxLength: 40}),
  fc.string({unit: fc.constantFrom(...'ab/漢字é'), maxLength: 40}),
)
const widths = fc.integer({min: 0, max: 45})

/** The longest prefix of `text`, by code point, that fits `cells`. */
function longestPrefix(text: string, cells: number): string {
  let out = ''
  for (const ch of text) {
    if (displayWidth(out + ch) > cells) break
    out += ch
  }
  return out
}

describe('formatDuration', () => {
  it('writes a value that rounds up to the next unit in that unit, with its sign', () => {
    expect([0.000_999_96, 0.000_999_4, 0.999_96, 0.999_4, 59.996, 59.94].map(formatDuration)).toEqual(['1.00 ms', '999 µs', '1.00 s', '999 ms', '1m00s', '59.9 s'])
    expect([-0.000_999_96, -0.999_96, -59.996, -0.0124].map(formatDuration)).toEqual(['-1.00 ms', '-1.00 s', '-1m00s', '-12.4 ms'])
  })
})

describe('truncate and truncateMiddle', () => {
  it('cut at the same place as measuring each character', () => {
    expect(truncate('https://api.example.com/v1/items', 12)).toBe('https://api…')
    expect(truncateMiddle('https://api.example.com/v1/items', 12)).toBe('https:…items')
    expect(truncate('漢字漢字', 5)).toBe('漢字…')
    fc.assert(
      fc.property(texts, widths, (text, width) => {
        const cut = truncate(text, width)
        const expected = width <= 0 ? '' : displayWidth(text) <= width ? text : width === 1 ? '…' : `${longestPrefix(text, width - 1)}…`
        expect(cut).toBe(expected)
      }),
    )
  })

  it('keep both ends, the head taking the larger half, within the width', () => {
    fc.assert(
      fc.property(texts, widths, (text, width) => {
        const cut = truncateMiddle(text, width)
        const room = width - 1
        if (width <= 0 || displayWidth(text) <= width || room <= 1) {
          expect(cut).toBe(width <= 0 ? '' : displayWidth(text) <= width ? text : truncate(text, width))
          return
        }
        const head = longestPrefix(text, Math.ceil(room / 2))
        expect(cut.startsWith(`${head}…`)).toBe(true)
        const tail = cut.slice(head.length + 1)
        expect(text.endsWith(tail)).toBe(true)
        expect(displayWidth(cut)).toBeLessThanOrEqual(width)
        // The tail takes all the room the head left: one more character would not fit.
        const before = [...text.slice(0, text.length - tail.length)].pop()
        if (before !== undefined) expect(displayWidth(head) + displayWidth(before + tail)).toBeGreaterThan(room)
      }),
    )
  })
})

describe('formatCount', () => {
  it("writes what toLocaleString('en-US') writes, for any integer and beyond", () => {
    for (const n of [0, 1, -1, 999, 1000, -1000, 12_345, 999_999, 1_000_000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 60, 1.5, -0, Number.NaN, Infinity]) {
      expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'))
    }
    fc.assert(fc.property(fc.oneof(fc.integer({min: -(2 ** 31), max: 2 ** 31}), fc.maxSafeInteger(), fc.double()), (n) => {
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'))
    }))
  })
})

describe('isoUtc', () => {
  it('writes what toISOString writes, for any date it can write', () => {
    // The edges of the four-digit years, of months, leap days, and the millisecond's digits.
    const edges = ['0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2024-02-29T12:05:09.007Z', '1970-01-01T00:00:00.010Z', '2017-07-08T00:23:31.562Z']
    for (const text of edges) expect(isoUtc(new Date(text))).toBe(text)
    // Before year 0 and after 9999 toISOString writes a sign and six digits: left to it.
    for (const ms of [-62_167_219_200_001, 253_402_300_800_000, -8.64e15, 8.64e15]) expect(isoUtc(new Date(ms))).toBe(new Date(ms).toISOString())
    fc.assert(
      fc.property(fc.integer({min: -8.64e15, max: 8.64e15}), (ms) => {
        expect(isoUtc(new Date(ms))).toBe(new Date(ms).toISOString())
      }),
      {numRuns: 2000},
    )
  })

  it('is what formatTimestamp shows, in seconds with fractions as X-Ray writes them', () => {
    expect(formatTimestamp(1_499_473_411.562)).toBe('2017-07-08 00:23:31.562 UTC')
    expect(formatTimestamp(null)).toBe('unknown')
    expect(formatTimestamp(Number.NaN)).toBe('NaN')
    expect(formatTimestamp(1e20)).toBe('100000000000000000000')
  })
})
