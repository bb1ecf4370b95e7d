import {describe, expect, it} from 'vitest'

import {limitConcurrency} from '../../../src/util/pool.js'

/** A task that ends when told to, and says when it started. */
function gate() {
  let open!: () => void
  let fail!: (error: Error) => void
  const ended = new Promise<void>((resolve, reject) => {
    open = resolve
    fail = reject
  })
  return {ended, open, fail}
}

describe('limitConcurrency', () => {
  it('runs at most N at once, starts the rest in the order given as places free, and settles each as its task does', async () => {
    const limit = limitConcurrency(2)
    const started: number[] = []
    const gates = Array.from({length: 5}, gate)
    const results = gates.map((g, i) =>
      limit(async () => {
        started.push(i)
        await g.ended
        return i * 10
      }),
    )
    const settled = Promise.allSettled(results)
    const tick = () => new Promise((resolve) => setImmediate(resolve))
    await tick()
    expect(started).toEqual([0, 1])
    gates[1]!.open()
    await tick()
    expect(started).toEqual([0, 1, 2])
    gates[0]!.fail(new Error('refused'))
    await tick()
    expect(started).toEqual([0, 1, 2, 3])
    // Tasks given later still wait for a place.
    const late = limit(async () => 'late')
    gates[2]!.open()
    await tick()
    expect(started).toEqual([0, 1, 2, 3, 4])
    gates[3]!.open()
    gates[4]!.open()
    expect(await late).toBe('late')
    expect((await settled).map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['refused', 10, 20, 30, 40])
  })

  it('never has more than N running, with tasks arriving while others run', async () => {
    const limit = limitConcurrency(3)
    let running = 0
    let most = 0
    const task = async () => {
      running++
      most = Math.max(most, running)
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3))
      running--
    }
    const all: Promise<void>[] = []
    for (let i = 0; i < 40; i++) {
      all.push(limit(task))
      if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await Promise.all(all)
    expect(most).toBe(3)
    expect(running).toBe(0)
  })
})
