import {mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {JournalWriter, listOperations, parseOperation, restorableEntries, stateDirectory} from '../../../src/tracing/journal.js'

const entry = (name: string) => ({function: name, arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`, region: 'us-east-1', previousMode: 'PassThrough' as const, mode: 'Active' as const})

describe('the change journal', () => {
  it('lives in the XDG state directory, private to the user', () => {
    expect(stateDirectory({XDG_STATE_HOME: '/x/state'})).toBe('/x/state/xtrace')
    expect(stateDirectory({HOME: '/home/u'})).toMatch(/\.local\/state\/xtrace$/)
    const env = {XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'xtrace-journal-'))}
    const writer = JournalWriter.create({command: 'enable', mode: 'Active'}, [entry('a')], env)
    writer.close()
    expect(statSync(writer.path).mode & 0o777).toBe(0o600)
  })

  it('records the plan before outcomes, and restore takes what changed or may have', () => {
    const env = {XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'xtrace-journal-'))}
    const writer = JournalWriter.create({command: 'enable', mode: 'Active'}, [entry('a'), entry('b'), entry('c'), entry('d'), entry('e')], env)
    writer.recordOutcome(entry('a').arn, 'changed')
    writer.recordOutcome(entry('b').arn, 'failed')
    writer.recordOutcome(entry('c').arn, 'skipped')
    writer.recordOutcome(entry('d').arn, 'unknown')
    // e: the process died before knowing
    writer.close()
    const [operation] = listOperations(env)
    expect(operation).toMatchObject({id: writer.id, command: 'enable', mode: 'Active'})
    expect(restorableEntries(operation!).map((e) => e.function)).toEqual(['a', 'd', 'e'])
  })

  it('survives a line cut short by a crash and ignores foreign files', () => {
    const env = {XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'xtrace-journal-'))}
    const writer = JournalWriter.create({command: 'disable', mode: 'PassThrough'}, [entry('a')], env)
    writer.close()
    writeFileSync(writer.path, `${readFileSync(writer.path, 'utf8')}{"type":"outcome","arn":"arn:aws`, {flag: 'w'})
    const dir = join(env.XDG_STATE_HOME, 'xtrace/operations')
    writeFileSync(join(dir, 'notes.txt'), 'hello')
    writeFileSync(join(dir, 'garbage.jsonl'), 'not json\n')
    expect(readdirSync(dir)).toHaveLength(3)
    const operations = listOperations(env)
    expect(operations).toHaveLength(1)
    expect(restorableEntries(operations[0]!)).toHaveLength(1)
    expect(parseOperation('')).toBeUndefined()
  })

  it('lists nothing when there is no journal yet', () => {
    expect(listOperations({XDG_STATE_HOME: join(tmpdir(), 'xtrace-does-not-exist')})).toEqual([])
  })
})
