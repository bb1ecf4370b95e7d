import {describe, expect, it} from 'vitest'

import {safeJsonStringify, sanitize} from '../../../src/render/sanitize.js'

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
