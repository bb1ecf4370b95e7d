import {describe, expect, it} from 'vitest'

import {normaliseWaitFlag} from '../../../src/cli/run/show.js'

const ID = '1-5759e988-bd862e3fe1be46a994272793'

describe('normaliseWaitFlag (--wait takes an optional value)', () => {
  it.each([
    [['--wait', ID], ['--wait=60', ID]],
    [[ID, '--wait'], [ID, '--wait=60']],
    [['--wait', '30', ID], ['--wait', '30', ID]],
    [['--wait=5', ID], ['--wait=5', ID]],
    [['--wait', '--json', ID], ['--wait=60', '--json', ID]],
    [['--', '--wait'], ['--', '--wait']],
  ])('%j → %j', (argv, expected) => {
    expect(normaliseWaitFlag(argv)).toEqual(expected)
  })
})
