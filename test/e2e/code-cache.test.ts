import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {cacheFileName} from '../../src/cli/code-cache.js'
import {fixture, ROOT, runCli} from '../harness/cli.js'
import {readFixture} from '../harness/fixtures.js'
import {LocalAws} from '../harness/local-aws.js'

// The V8 code caches a lean run is compiled with (src/cli/code-cache.ts), through the binary.
const LAMBDA_TRACE = '1-59602603-23fc5b688855d396af79b496'
const SHOW_FILE = ['show', '--file', fixture('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json'), '--width', '100']
const BUNDLE = join(ROOT, 'dist/lean/show.cjs')
const aws = new LocalAws()

beforeAll(async () => {
  await aws.start()
  const response = JSON.parse(readFixture('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json')) as {Traces: {Segments: {Document: string}[]}[]}
  aws.addDocuments(response.Traces.flatMap((trace) => trace.Segments.map((segment) => segment.Document)))
})
afterAll(() => aws.stop())

/** A cache home of its own, and where this Node's caches go in it; made (as an earlier run would have) unless told. */
function cacheHome(made = true): {env: Record<string, string>; directory: string} {
  const home = mkdtempSync(join(tmpdir(), 'xtrace-code-cache-'))
  const directory = join(home, 'xtrace', 'code', `${process.version}-${process.arch}`)
  if (made) mkdirSync(directory, {recursive: true, mode: 0o700})
  return {env: {XDG_CACHE_HOME: home}, directory}
}

function files(directory: string): Map<string, {mtimeMs: number; mode: number; bytes: Buffer}> {
  const found = new Map<string, {mtimeMs: number; mode: number; bytes: Buffer}>()
  let names: string[] = []
  try {
    names = readdirSync(directory)
  } catch {
    return found
  }
  for (const name of names) {
    const path = join(directory, name)
    const stats = statSync(path)
    found.set(name, {mtimeMs: stats.mtimeMs, mode: stats.mode & 0o777, bytes: readFileSync(path)})
  }
  return found
}

function bundleCacheName(bundle = BUNDLE): string {
  const stats = statSync(bundle)
  return cacheFileName(bundle, stats.size, stats.ctimeMs)
}

describe('code caches of a lean run', () => {
  it('are written by the second run (the first makes their directory, 0700), 0600, read by the next, and change no byte of output', async () => {
    const {env, directory} = cacheHome(false)
    const uncached = await runCli(SHOW_FILE, {env: {...env, XTRACE_NO_CODE_CACHE: '1'}})
    expect(uncached.code).toBe(0)
    expect(existsSync(directory)).toBe(false)

    // A home that may not last (a CI job, a container): the first run writes no cache, only the place for one.
    const first = await runCli(SHOW_FILE, {env})
    expect(statSync(directory).mode & 0o777).toBe(0o700)
    expect(files(directory).size).toBe(0)

    const second = await runCli(SHOW_FILE, {env})
    const written = files(directory)
    expect(written.has(bundleCacheName())).toBe(true)
    expect([...written.keys()].every((name) => /^[0-9a-f]{16}-\d+-\d+$/.test(name))).toBe(true)
    expect([...written.values()].every((file) => file.mode === 0o600)).toBe(true)

    const third = await runCli(SHOW_FILE, {env})
    // Nothing rewritten: every cache was taken.
    expect(files(directory)).toEqual(written)
    for (const run of [first, second, third]) expect(run).toEqual(uncached)
  })

  it('cache the AWS SDK of a fetch too, with the same output and exit as without', async () => {
    const {env, directory} = cacheHome()
    const args = ['show', LAMBDA_TRACE, '--width', '100']
    const withEndpoint = {...env, AWS_ENDPOINT_URL: aws.url}
    const uncached = await runCli(args, {env: {...withEndpoint, XTRACE_NO_CODE_CACHE: '1'}})
    expect(uncached.code).toBe(0)
    const first = await runCli(args, {env: withEndpoint})
    // The command's bundle and its SDK bundle (scripts/bundle-lean.mjs), required after the cache is set up.
    const bundles = ['show', 'sdk-xray'].map((name) => bundleCacheName(join(ROOT, `dist/lean/${name}.cjs`)))
    expect([...files(directory).keys()].sort()).toEqual(bundles.sort())
    const second = await runCli(args, {env: withEndpoint})
    for (const run of [first, second]) expect(run).toEqual(uncached)
  })

  it('that V8 rejects are compiled from source and made again, silently', async () => {
    const {env, directory} = cacheHome()
    const good = await runCli(SHOW_FILE, {env})
    const name = bundleCacheName()
    const garbage = Buffer.from('not a V8 code cache, of any version')
    writeFileSync(join(directory, name), garbage)
    const again = await runCli(SHOW_FILE, {env})
    expect(again).toEqual(good)
    const remade = files(directory).get(name)!.bytes
    expect(remade.equals(garbage)).toBe(false)
    expect(remade.length).toBeGreaterThan(1000)
  })

  it('are not written by a run that fails, nor when turned off, nor where the directory is not private or cannot be made', async () => {
    const failing = cacheHome()
    const usage = await runCli(['show', '--no-such-flag'], {env: failing.env})
    expect(usage.code).toBe(2)
    expect(files(failing.directory).size).toBe(0)

    const off = cacheHome()
    expect((await runCli(SHOW_FILE, {env: {...off.env, XTRACE_NO_CODE_CACHE: '1'}})).code).toBe(0)
    expect(files(off.directory).size).toBe(0)

    // A directory others can write to: nothing is read from it, nor written to it.
    const shared = cacheHome()
    chmodSync(shared.directory, 0o777)
    writeFileSync(join(shared.directory, bundleCacheName()), 'planted')
    const planted = await runCli(SHOW_FILE, {env: shared.env})
    expect(planted.code).toBe(0)
    expect(planted.stderr).toBe('')
    expect([...files(shared.directory)].map(([name, file]) => [name, file.bytes.toString()])).toEqual([[bundleCacheName(), 'planted']])

    // A file where the directory should be: nothing to say about it, the run is the same.
    const blocked = cacheHome(false)
    mkdirSync(join(blocked.directory, '..'), {recursive: true})
    writeFileSync(blocked.directory, 'in the way')
    const run = await runCli(SHOW_FILE, {env: blocked.env})
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^Trace /)
  })

  it('are not taken for other code of the same size and modification time (V8 checks only the length)', async () => {
    // A copy of the lean entry, whose bundle can be rewritten: show --file needs nothing from node_modules.
    const install = mkdtempSync(join(tmpdir(), 'xtrace-code-cache-install-'))
    for (const part of ['bin', 'dist/lean', 'dist/lean-spec.json', 'package.json']) cpSync(join(ROOT, part), join(install, part), {recursive: true})
    const bundle = join(install, 'dist/lean/show.cjs')
    // Extracted with the times it was packed with (tar, cp -p, a Docker layer): whole seconds, as tar keeps them.
    const packed = new Date('2026-11-30T12:00:00Z')
    utimesSync(bundle, packed, packed)
    const {env, directory} = cacheHome()
    const run = () => runCli(SHOW_FILE, {env, bin: join(install, 'bin/run.cjs')})
    const before = await run()
    expect(before.stdout).toMatch(/^Trace 1-/)
    expect(files(directory).has(bundleCacheName(bundle))).toBe(true)
    // An upgrade that changes a word, keeps the length and comes with the same times.
    const source = readFileSync(bundle, 'utf8')
    expect(source).toContain('`Trace ${sanitize(')
    writeFileSync(bundle, source.replace('`Trace ${sanitize(', '`TRACE ${sanitize('))
    utimesSync(bundle, packed, packed)
    expect(statSync(bundle).mtimeMs).toBe(packed.getTime())
    expect(statSync(bundle).size).toBe(Buffer.byteLength(source))
    const after = await run()
    expect(after.code, after.stderr).toBe(0)
    expect(after.stdout).toBe(before.stdout.replace(/^Trace /, 'TRACE '))
  })

  it("replace the caches of a module's earlier builds and leave other modules' alone", async () => {
    const {env, directory} = cacheHome()
    const current = bundleCacheName()
    const path = current.slice(0, current.indexOf('-'))
    const stale = `${path}-1-1`
    const unrelated = `${'0'.repeat(16)}-1-1`
    writeFileSync(join(directory, stale), 'an earlier build')
    writeFileSync(join(directory, unrelated), 'another module')
    expect((await runCli(SHOW_FILE, {env})).code).toBe(0)
    const names = [...files(directory).keys()]
    expect(names).toContain(current)
    expect(names).not.toContain(stale)
    expect(names).toContain(unrelated)
  })
})

describe('cacheFileName', () => {
  it('keeps the path first and changes with the size and the status-change time, to the microsecond', () => {
    const name = cacheFileName('/usr/lib/node_modules/xtrace/dist/lean/show.cjs', 167607, 1796300000123.4)
    expect(name).toMatch(/^[0-9a-f]{16}-167607-1796300000123400$/)
    expect(cacheFileName('/usr/lib/node_modules/xtrace/dist/lean/show.cjs', 167607, 1796300000123.401)).not.toBe(name)
    expect(cacheFileName('/usr/lib/node_modules/xtrace/dist/lean/show.cjs', 167607, 1796300000123.4)).toBe(name)
    expect(cacheFileName('/usr/lib/node_modules/xtrace/dist/lean/show.cjs', 167608, 1796300000123.4)).not.toBe(name)
    expect(cacheFileName('/usr/lib/node_modules/xtrace/dist/lean/show.cjs', 167607, 1796300009999)).not.toBe(name)
    const other = cacheFileName('/usr/lib/node_modules/xtrace/dist/lean/tail.cjs', 167607, 1796300000123.4)
    expect(other.slice(0, 16)).not.toBe(name.slice(0, 16))
    expect(cacheFileName('/usr/lib/node_modules/xtrace/dist/lean/show.cjs', 1, 1).slice(0, 16)).toBe(name.slice(0, 16))
  })
})
