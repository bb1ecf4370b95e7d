import {describe, expect, it} from 'vitest'

import {Interrupts} from '../../../src/cli/interrupts.js'

describe('Ctrl-C handling (src/cli/interrupts.ts)', () => {
  it('hands SIGINT and SIGTERM back when released before any change, as the lean entry does for a line oclif has to read', () => {
    const before = {int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM')}
    const interrupts = new Interrupts()
    interrupts.beforeChanges(() => {})
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1)
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1)
    interrupts.release()
    expect(process.listenerCount('SIGINT')).toBe(before.int)
    expect(process.listenerCount('SIGTERM')).toBe(before.term)
    // Released twice, or never installed: nothing else is removed.
    interrupts.release()
    new Interrupts().release()
    expect(process.listenerCount('SIGINT')).toBe(before.int)
  })
})
