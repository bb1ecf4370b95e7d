import {describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/errors.js'
import {extractTraceId, parseTraceIdArguments} from '../../../src/traces/ids.js'

const ID = '1-5759e988-bd862e3fe1be46a994272793'

describe('extractTraceId', () => {
  it.each([
    [ID, ID],
    ['1-5759E988-BD862E3FE1BE46A994272793', ID],
    ['  1-5759e988-bd862e3fe1be46a994272793\n', ID],
    ['5759e988bd862e3fe1be46a994272793', ID],
    ['00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01', ID],
    [`Root=${ID};Parent=53995c3f42cd8ad8;Sampled=1`, ID],
    [`Root=${ID}`, ID],
    [`X-Amzn-Trace-Id: Root=${ID};Parent=53995c3f42cd8ad8;Sampled=1`, ID],
    [`_X_AMZN_TRACE_ID=Root=${ID};Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a87bd80c:0`, ID],
    [`Self=1-67891234-12456789abcdef012345678;Root=${ID};Parent=53995c3f42cd8ad8;Sampled=1`, ID],
    [`2026-11-24T08:00:00.000Z\tc0ffee00-0000-4000-8000-000000000000\tINFO\tXRAY TraceId: ${ID}\tSegmentId: 53995c3f42cd8ad8\tSampled: true`, ID],
  ])('accepts %s', (input, expected) => {
    expect(extractTraceId(input)).toBe(expected)
  })

  it.each([
    '',
    '1-5759e988-bd862e3fe1be46a99427279',
    '1-5759e988-bd862e3fe1be46a9942727933',
    '2-5759e988-bd862e3fe1be46a994272793',
    '1-5759e98g-bd862e3fe1be46a994272793',
    '00000000000000000000000000000000',
    'Root=1-5759e988-bd862e3fe1be46a99427279x',
    'not a trace',
    `Parent=${ID}`,
  ])('rejects %j', (input) => {
    expect(extractTraceId(input)).toBeUndefined()
  })
})

describe('parseTraceIdArguments', () => {
  it('de-duplicates ids given in different forms, keeping order', () => {
    const other = '1-6b04eba2-c16f9196aeffbc1aba4613ea'
    expect(parseTraceIdArguments([other, `Root=${ID};Sampled=1`, '5759e988bd862e3fe1be46a994272793'])).toEqual([other, ID])
  })

  it('throws a usage error listing the accepted forms, with the bad input neutralised', () => {
    let error: unknown
    try {
      parseTraceIdArguments([ID, 'bad\u001b[2Jid'])
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(UsageError)
    const usage = error as UsageError
    expect(usage.exit).toBe(2)
    expect(usage.message).toContain("'bad\\x1b[2Jid' is not a trace id")
    expect(usage.message).toContain('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1')
    expect(usage.message).not.toContain('\u001b')
  })
})
