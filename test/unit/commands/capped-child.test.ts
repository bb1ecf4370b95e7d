import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {CAPPED_CHILD_MIN_BYTES, runInCappedChild, wantsCappedChild, wordsNamingFiles} from '../../../src/cli/capped-child.js'

describe('the capped child (src/cli/capped-child.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xtrace-capped-'))
  const big = join(dir, 'big.json')
  const half = join(dir, 'half.json')
  writeFileSync(big, Buffer.alloc(CAPPED_CHILD_MIN_BYTES))
  writeFileSync(half, Buffer.alloc(CAPPED_CHILD_MIN_BYTES / 2))

  it('is wanted for saved input of the threshold or more, all files together; never for stdin, missing files or directories', () => {
    const on = {XTRACE_CAPPED_CHILD: 'on'}
    expect(wantsCappedChild([big], on)).toBe(true)
    expect(wantsCappedChild([half], on)).toBe(false)
    expect(wantsCappedChild([half, half], on)).toBe(true)
    expect(wantsCappedChild(['-', half, join(dir, 'missing.json'), dir], on)).toBe(false)
    expect(wantsCappedChild([big], {XTRACE_CAPPED_CHILD: 'off'})).toBe(false)
    expect(wantsCappedChild([big], {...on, NODE_OPTIONS: '--max-semi-space-size=64'})).toBe(false)
    expect(wantsCappedChild([big], {...on, NODE_OPTIONS: '--inspect-brk'})).toBe(false)
    // Left to the V8 when unset: Node 24's (13.x) wants it, Node 20's and 22's do not.
    expect(wantsCappedChild([big], {})).toBe(Number(process.versions.v8.split('.')[0]) >= 13)
  })

  it('reads the files from the words of the command line as they are, and from the values of --flag=value', () => {
    expect(wordsNamingFiles(['--file', big, `--file=${half}`, '-f', half, '--width=100', '-', '1-5759e988-bd862e3fe1be46a994272793'])).toEqual([
      '--file', big, half, '-f', half, '100', '-', '1-5759e988-bd862e3fe1be46a994272793',
    ])
    const on = {XTRACE_CAPPED_CHILD: 'on'}
    expect(wantsCappedChild(wordsNamingFiles([`--file=${half}`, '--file', half]), on)).toBe(true)
    expect(wantsCappedChild(wordsNamingFiles(['--file=', '--width=100', '1-5759e988-bd862e3fe1be46a994272793']), on)).toBe(false)
  })

  it('settles with undefined, having printed nothing, when no child can be started', async () => {
    const listening = process.listenerCount('SIGINT')
    await expect(runInCappedChild(join(dir, 'no-such-node'))).resolves.toBeUndefined()
    // Its signal forwarding is gone again.
    expect(process.listenerCount('SIGINT')).toBe(listening)
  })
})
