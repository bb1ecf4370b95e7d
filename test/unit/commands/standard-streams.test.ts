import {describe, expect, it} from 'vitest'

import {readerWentAway} from '../../../src/cli/standard-streams.js'

const failure = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), {code})

describe('readerWentAway (src/cli/standard-streams.ts)', () => {
  it('is a closed pipe, or a socket its reader closed with output unread; nothing else', () => {
    expect(readerWentAway(failure('EPIPE'))).toBe(true)
    expect(readerWentAway(failure('ECONNRESET'))).toBe(true)
    for (const code of ['EAGAIN', 'ENOSPC', 'EIO', 'EBADF']) expect(readerWentAway(failure(code)), code).toBe(false)
  })
})
