import {mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {generateTrace} from '../../bench/generate.js'
import {drawsWithoutTurbofan, WITHOUT_TURBOFAN} from '../../src/cli/short-drawing.js'
import {runCli} from '../harness/cli.js'

// A drawing that is over before TurboFan pays is drawn with it off (src/cli/short-drawing.ts), on the V8s where
// that was measured. Seen from outside through V8's own --trace-opt, which names each function it marks for
// TurboFan, sent to a file of its own (on stdout its lines would land in the middle of the drawing's).

const V8_MAJOR = Number(process.versions.v8.split('.')[0])
const window = WITHOUT_TURBOFAN[V8_MAJOR]
const scratch = mkdtempSync(join(tmpdir(), 'xtrace-short-drawing-'))
const trace = join(scratch, 'trace.json')
// Functions of the drawing alone, which V8 marks for TurboFan within the drawing when it may: on Node 20 the line
// builder itself, on Node 24 (whose Maglev takes the line builder first) the sanitising of each label's parts.
const MARKED_DRAWING = /\[marking .*<JSFunction (?:traceLines|fitLabel|timelineBar|sanitize)\b.* to TURBOFAN/

/** Node options that have V8 write what it marks for optimisation to a file, and that file. */
function tracingOptimisation(name: string): {nodeArgs: string[]; marked: () => string} {
  const file = join(scratch, `${name}.trace`)
  return {nodeArgs: ['--trace-opt', '--redirect-code-traces', `--redirect-code-traces-to=${file}`], marked: () => readFileSync(file, 'utf8')}
}

beforeAll(() => {
  // Within this V8's window, with room for TurboFan to start on the drawing (it does from ~800 nodes).
  if (window) writeFileSync(trace, JSON.stringify(generateTrace(Math.max(1000, window.min + 1000))))
})

/** A cache home of its own, made as an earlier run would have made it, and the caches in it by name. */
function cacheHome(): {env: Record<string, string>; caches: () => Map<string, number>} {
  const home = mkdtempSync(join(tmpdir(), 'xtrace-short-drawing-cache-'))
  const directory = join(home, 'xtrace', 'code', `${process.version}-${process.arch}`)
  mkdirSync(directory, {recursive: true, mode: 0o700})
  return {
    env: {XDG_CACHE_HOME: home},
    caches: () => new Map(readdirSync(directory).map((name) => [name, statSync(join(directory, name)).mtimeMs])),
  }
}

describe.skipIf(!window)(`a drawing TurboFan would not pay for (V8 ${V8_MAJOR})`, () => {
  it('is drawn without it, byte for byte as with it, which a user who names TurboFan keeps', async () => {
    const args = ['show', '--file', trace, '--width', '120']
    const quick = tracingOptimisation('quick')
    const asked = tracingOptimisation('asked')
    const withoutCache = {XTRACE_NO_CODE_CACHE: '1'}
    const drawn = await runCli(args, {nodeArgs: quick.nodeArgs, env: withoutCache})
    const optimised = await runCli(args, {nodeArgs: [...asked.nodeArgs, '--turbofan'], env: withoutCache})
    const plain = await runCli(args)
    expect(drawn.code).toBe(0)
    expect(drawn.stdout.split('\n').length).toBeGreaterThan(1000)
    // V8 was optimising in the same process (the model's functions are marked before the drawing starts) …
    expect(quick.marked()).toMatch(/\[marking .* to (?:TURBOFAN|MAGLEV)/)
    // … and was off while the tree was drawn; on, where the user said so.
    expect(quick.marked()).not.toMatch(MARKED_DRAWING)
    expect(asked.marked()).toMatch(MARKED_DRAWING)
    expect(optimised).toEqual(drawn)
    expect(plain).toEqual(drawn)
    const json = await runCli([...args, '--json'])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({traces: [{id: expect.any(String)}]})
  })

  it('leaves the code caches as the next run takes them: none is made again', async () => {
    const {env, caches} = cacheHome()
    const args = ['show', '--file', trace]
    const first = await runCli(args, {env})
    const written = caches()
    expect(written.size).toBeGreaterThan(0)
    const second = await runCli(args, {env})
    const json = await runCli([...args, '--json'], {env})
    expect(caches()).toEqual(written)
    expect(second).toEqual(first)
    expect(json.code).toBe(0)
  })
})

describe('which drawings go without TurboFan', () => {
  it('those within the window of a V8 it was measured on, unless the user decides TurboFan', () => {
    expect(drawsWithoutTurbofan(1000, {}, '11.3.244.8-node.38')).toBe(true)
    expect(drawsWithoutTurbofan(300, {}, '11.3.244.8-node.38')).toBe(false)
    expect(drawsWithoutTurbofan(30_000, {}, '11.3.244.8-node.38')).toBe(false)
    expect(drawsWithoutTurbofan(10_000, {}, '13.6.233.17-node.40')).toBe(true)
    expect(drawsWithoutTurbofan(1000, {}, '13.6.233.17-node.40')).toBe(false)
    // Node 22's V8 does not restore its code-cache key when the flag is put back.
    expect(drawsWithoutTurbofan(1000, {}, '12.4.254.21-node.57')).toBe(false)
    expect(drawsWithoutTurbofan(10_000, {}, '12.4.254.21-node.57')).toBe(false)
    for (const option of ['--jitless', '--max-opt=2', '--no-opt', '--no_turbofan', '--turbofan']) {
      expect(drawsWithoutTurbofan(1000, {NODE_OPTIONS: `--max-old-space-size=512 ${option}`}, '11.3.244.8-node.38')).toBe(false)
    }
    expect(drawsWithoutTurbofan(1000, {NODE_OPTIONS: '--trace-opt --max-old-space-size=512'}, '11.3.244.8-node.38')).toBe(true)
  })
})
