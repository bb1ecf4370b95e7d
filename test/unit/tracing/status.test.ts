import {describe, expect, it} from 'vitest'

import {aliasLookupSeconds} from '../../../src/tracing/status.js'

const at = (account: string, region: string, count: number) => Array.from({length: count}, () => ({account, region}))

describe('aliasLookupSeconds', () => {
  it('is set by the busiest account and region, each paced on its own', () => {
    expect(aliasLookupSeconds([], 15)).toBe(0)
    expect(aliasLookupSeconds(at('111111111111', 'us-east-1', 200), 15)).toBeCloseTo(13.33, 2)
    // Two regions of one account and a second account go at the same time: the 90 set the time.
    const mixed = [...at('111111111111', 'us-east-1', 60), ...at('111111111111', 'eu-west-1', 90), ...at('222222222222', 'us-east-1', 30)]
    expect(aliasLookupSeconds(mixed, 15)).toBe(6)
    expect(aliasLookupSeconds(mixed, 1)).toBe(90)
  })
})
