import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {sanitize} from '../../../src/text/sanitize.js'
import {safeJsonChunks, safeJsonStringify} from '../../../src/text/json.js'

describe('sanitize', () => {
  it.each([
    ['clear screen', 'a\u001b[2Jb', 'a\\x1b[2Jb'],
    ['cursor move', '\u001b[10;10H', '\\x1b[10;10H'],
    ['window title (OSC 0, BEL)', '\u001b]0;pwned\u0007', '\\x1b]0;pwned\\x07'],
    ['hyperlink (OSC 8, ST)', '\u001b]8;;http://evil\u001b\\click\u001b]8;;\u001b\\', '\\x1b]8;;http://evil\\x1b\\click\\x1b]8;;\\x1b\\'],
    ['8-bit CSI', 'x\u009b2J', 'x\\x9b2J'],
    ['backspace and CR', 'ok\b\b\rno', 'ok\\x08\\x08\\x0dno'],
    ['newline and tab', 'a\nb\tc', 'a\\x0ab\\x09c'],
    ['DEL', 'a\u007fb', 'a\\x7fb'],
    ['bidi override', 'abc\u202edcba', 'abc\\u202edcba'],
    ['bidi isolate', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['lone surrogate', 'a\ud800b', 'a\ufffdb'],
  ])('neutralises %s', (_name, input, expected) => {
    expect(sanitize(input)).toBe(expected)
  })

  it('leaves ordinary text alone, including non-Latin scripts and emoji', () => {
    const text = 'Ünïcödé 名前 🚀 ## UserModel.saveUser'
    expect(sanitize(text)).toBe(text)
  })
})

describe('safeJsonStringify', () => {
  it('escapes C1 and bidi characters and still round-trips', () => {
    const value = {name: 'x\u009b2J\u202e\u001b[31m'}
    const json = safeJsonStringify(value, 0)
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/u)
    expect(JSON.parse(json)).toEqual(value)
  })
})

describe('displayWidth', () => {
  it.each([
    ['ascii', 'hello', 5],
    ['latin accents', 'Ünïcödé', 7],
    ['combining mark', 'e\u0301', 1],
    ['CJK', '注文サービス', 12],
    ['hangul', '한국어', 6],
    ['fullwidth', 'ＡＢ', 4],
    ['emoji', '🚀🔥', 4],
    ['emoji with variation selector', '❤️', 2],
    ['box drawing', '├─│└▕▏█', 7],
    ['cyrillic and greek', 'Привет λ', 8],
    ['a tree line with a wide name', '│  ├─ 注文 ▏', 12],
    ['a tree line with a combining mark', '└─ cafe\u0301', 7],
    ['dashes, quotes and the ellipsis', '‐–—‘’“”•…', 9],
    ['an elided guide with a wide name', '…│  └─ 注文', 11],
    ['arrows that are pictographs', '↗↔', 4],
  ])('%s', async (_name, text, width) => {
    const {displayWidth} = await import('../../../src/render/format.js')
    expect(displayWidth(text)).toBe(width)
  })
})

describe('safeJsonStringify (iterative)', () => {
  it('matches JSON.stringify on real trace data, compact and indented', async () => {
    const {allTraceFixtures, readFixture} = await import('../../harness/fixtures.js')
    for (const path of allTraceFixtures().filter((p) => p.endsWith('.json'))) {
      const value = JSON.parse(readFixture(path)) as unknown
      for (const indent of [0, 2]) expect(safeJsonStringify(value, indent)).toBe(JSON.stringify(value, null, indent))
    }
  })

  it('comes in pieces when asked for them, which join to the same text', () => {
    const value = {spans: Array.from({length: 20_000}, (_, i) => ({id: i.toString(16), name: `span ${i}`, tags: [i, null, {deep: [i]}]}))}
    for (const indent of [0, 2]) {
      const chunks = [...safeJsonChunks(value, indent)]
      expect(chunks.length).toBeGreaterThan(10)
      expect(chunks.join('')).toBe(JSON.stringify(value, null, indent))
    }
    expect([...safeJsonChunks(7)]).toEqual(['7'])
  })

  it('matches JSON.stringify on edge values', () => {
    const value = {a: undefined, b: [undefined, () => 1, NaN, Infinity, -0, 1e21], c: {}, d: [], e: '\u0000"\\', f: null, g: {h: {i: [[]]}}}
    for (const indent of [0, 2]) expect(safeJsonStringify(value, indent)).toBe(JSON.stringify(value, null, indent))
    expect(safeJsonStringify('x')).toBe('"x"')
    expect(safeJsonStringify(undefined)).toBe('null')
  })

  it('writes what JSON.stringify writes, with DEL, C1 and bidi controls escaped, for any JSON value', () => {
    const escaped = (json: string) => json.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    // Objects with children (walked here) and without (written by JSON.stringify), strings of any code unit.
    const value = fc.jsonValue({stringUnit: 'binary', maxDepth: 6})
    fc.assert(
      fc.property(value, fc.constantFrom(0, 2), (json, indent) => {
        expect(safeJsonStringify(json, indent)).toBe(escaped(JSON.stringify(json, null, indent)))
      }),
      {numRuns: 300},
    )
  })

  it('walks what JSON.stringify cannot write: objects nested past its stack, and BigInts', () => {
    let deep: Record<string, unknown> = {leaf: true}
    for (let i = 0; i < 100_000; i++) deep = {a: deep}
    expect(() => JSON.stringify(deep)).toThrow(RangeError)
    // Deep below a node written whole otherwise, and at a depth where indented lines are shifted.
    const value = {roots: [{id: 'n', http: {status: 200}, metadata: deep, children: []}]}
    const compact = safeJsonStringify(value, 0)
    expect(compact).toBe(`{"roots":[{"id":"n","http":{"status":200},"metadata":${'{"a":'.repeat(100_000)}{"leaf":true}${'}'.repeat(100_000)},"children":[]}]}`)
    const indented = safeJsonStringify({roots: [{id: 'n', http: {status: 200}, metadata: {a: {a: {leaf: true}}}, children: []}]}, 2)
    expect(indented).toBe(JSON.stringify({roots: [{id: 'n', http: {status: 200}, metadata: {a: {a: {leaf: true}}}, children: []}]}, null, 2))
    expect(safeJsonStringify({a: 1n, b: [2n, {c: 3n}]}, 0)).toBe('{"a":1,"b":[2,{"c":3}]}')
  })

  it('escapes DEL, C1 and bidi controls in what JSON.stringify writes whole, keys included', () => {
    const node = {name: 'x\u009b2J\u202e', 'k\u2028': {v: '\u007f'}, children: []}
    expect(safeJsonStringify({roots: [node, {children: [node]}]}, 0)).toBe(
      '{"roots":[{"name":"x\\u009b2J\\u202e","k\\u2028":{"v":"\\u007f"},"children":[]},{"children":[{"name":"x\\u009b2J\\u202e","k\\u2028":{"v":"\\u007f"},"children":[]}]}]}',
    )
  })

  it('serialises nesting far deeper than JSON.stringify can', () => {
    let deep: Record<string, unknown> = {leaf: true}
    for (let i = 0; i < 200_000; i++) deep = {children: [deep]}
    expect(() => JSON.stringify(deep)).toThrow(RangeError)
    const text = safeJsonStringify(deep, 0)
    expect(text.startsWith('{"children":[{"children":[')).toBe(true)
    expect(text.endsWith('{"leaf":true}' + ']}'.repeat(200_000))).toBe(true)
  })
})
