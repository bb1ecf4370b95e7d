import {mkdtempSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {describe, expect, it} from 'vitest'

// bin/help-cache.js is plain JavaScript run before anything is built: tested as it ships.
// @ts-expect-error -- no declaration file for the bin script
import {helpCacheFile} from '../../bin/help-cache.js'

/**
 * The rendered-help cache never serves text from another build: its key holds the version, the
 * manifest's size and status-change time (any install or rebuild writes it), the request, the width and colour.
 */

function install(version: string, manifest: string): URL {
  const root = mkdtempSync(join(tmpdir(), 'xtrace-install-'))
  writeFileSync(join(root, 'package.json'), JSON.stringify({name: 'xtrace', version}))
  writeFileSync(join(root, 'oclif.manifest.json'), manifest)
  return pathToFileURL(`${root}/`)
}

describe('the help cache key', () => {
  const env = {XDG_CACHE_HOME: '/tmp/xtrace-help-cache-test'}
  const pipe = {isTTY: false} as NodeJS.WriteStream
  const tty = (columns: number) => ({isTTY: true, columns}) as NodeJS.WriteStream
  const file = (root: URL, request = 'enable', stdout = pipe, extra: Record<string, string> = {}) => helpCacheFile(request, root, {...env, ...extra}, stdout) as string

  it('changes with an upgrade, a rebuild, the command, the width and the colour', () => {
    const before = install('0.1.0', '{"commands":{}}')
    const same = file(before)
    expect(file(before)).toBe(same)
    // An upgrade: another version, even with the same manifest.
    const upgraded = install('0.2.0', '{"commands":{}}')
    utimesSync(new URL('oclif.manifest.json', upgraded), new Date(0), new Date(0))
    utimesSync(new URL('oclif.manifest.json', before), new Date(0), new Date(0))
    expect(file(upgraded)).not.toBe(file(before))
    // A rebuild of the same version: the manifest's time (or size) moves.
    const rebuilt = file(before)
    utimesSync(new URL('oclif.manifest.json', before), new Date(60_000), new Date(60_000))
    expect(file(before)).not.toBe(rebuilt)
    // A reinstall of the same version whose help texts changed but not their length, with the time npm packs every
    // file with: only the status-change time, which the kernel sets at the write, tells the two builds apart.
    const manifest = new URL('oclif.manifest.json', before)
    const packed = new Date('1985-10-26T08:15:00Z')
    const reinstall = (text: string) => {
      writeFileSync(manifest, text)
      utimesSync(manifest, packed, packed)
    }
    reinstall('{"commands":{"enable":"Turn tracing on"}}')
    const installed = file(before)
    const {ctimeMs} = statSync(manifest)
    // Written until the clock the kernel stamps files with has moved on (a jiffy at most, on kernels with coarse timestamps).
    do reinstall('{"commands":{"enable":"Switch tracing!"}}')
    while (statSync(manifest).ctimeMs === ctimeMs)
    expect(statSync(manifest).mtimeMs).toBe(packed.getTime())
    expect(statSync(manifest).size).toBe('{"commands":{"enable":"Turn tracing on"}}'.length)
    expect(file(before)).not.toBe(installed)
    expect(file(before, 'doctor')).not.toBe(file(before, 'enable'))
    expect(file(before, 'enable', tty(80))).not.toBe(file(before, 'enable', tty(120)))
    expect(file(before, 'enable', tty(80), {NO_COLOR: '1'})).not.toBe(file(before, 'enable', tty(80)))
  })

  it('is off with XTRACE_NO_HELP_CACHE, and when the install cannot be read', () => {
    expect(helpCacheFile('enable', install('0.1.0', '{}'), {...env, XTRACE_NO_HELP_CACHE: '1'}, pipe)).toBeUndefined()
    expect(helpCacheFile('enable', pathToFileURL('/nonexistent/'), env, pipe)).toBeUndefined()
  })
})
