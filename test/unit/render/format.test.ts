import {describe, expect, it} from 'vitest'

import {wrap} from '../../../src/render/format.js'

describe('wrap', () => {
  it('wraps at word boundaries, cuts words longer than a line, and counts wide characters as two', () => {
    expect(wrap('the quick brown fox jumps', 10)).toEqual(['the quick', 'brown fox', 'jumps'])
    expect(wrap('abcdefghijklmnop', 6)).toEqual(['abcdef', 'ghijkl', 'mnop'])
    expect(wrap('漢字漢字 ab', 4)).toEqual(['漢字', '漢字', 'ab'])
    expect(wrap('', 10)).toEqual([''])
  })
})
