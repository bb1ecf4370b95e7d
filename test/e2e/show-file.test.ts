import {mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {generateTrace} from '../../bench/generate.js'
import {spawn, spawnSync} from 'node:child_process'

import {BIN, cleanEnv, fixture, HAS_SCRIPT, ROOT, runCli, STACK_TRACE, startCli} from '../harness/cli.js'
import {allTraceFixtures, readFixture} from '../harness/fixtures.js'
import {MODULE_SPY} from '../harness/modules.js'
import {CAPPED_CHILD_MIN_BYTES, SEMI_SPACE_FLAG} from '../../src/cli/capped-child.js'
import {SPLIT_MIN_BYTES} from '../../src/traces/split-read.js'

const AWSDOCS = 'xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json'
const scratch = mkdtempSync(join(tmpdir(), 'xtrace-e2e-'))

/** The AWS docs trace with its fourth document cut short (not valid JSON), written to `name` in the scratch folder. */
function writeBrokenTrace(name: string): string {
  const broken = JSON.parse(readFixture(AWSDOCS)) as {Traces: {Segments: {Document: string}[]}[]}
  broken.Traces[0]!.Segments[3]!.Document = '{"id": "17ba309b32c7fbaf", "name": "DynamoDB", '
  const path = join(scratch, name)
  writeFileSync(path, JSON.stringify(broken))
  return path
}

describe('xtrace show --file (offline, through the binary)', () => {
  it.each(allTraceFixtures())('renders %s or says why it cannot', async (path) => {
    const result = await runCli(['show', '--file', fixture(path), '--width', '120'])
    expect(result.stderr).not.toMatch(STACK_TRACE)
    if (/get-service-graph|get-trace-summaries|root-cause|put-trace-segments-unprocessed/.test(path)) {
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^error: .+ holds no X-Ray segment documents/)
      expect(result.stdout).toBe('')
    } else {
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^Trace /)
    }
  })

  it('draws the Lambda example on a pipe: no colour, exact tree', async () => {
    const result = await runCli(['show', '--file', fixture(AWSDOCS), '--width', '100', '--ascii'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).not.toContain('\u001b')
    expect(result.stdout).toContain('* |     `- random-name AWS::Lambda::Function [cold start]      1.74 s |          ################# |\n')
  })

  it('reads standard input with - and with --file -', async () => {
    const input = readFixture(AWSDOCS)
    for (const args of [['show', '-'], ['show', '--file', '-']]) {
      const result = await runCli(args, {input})
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('Trace 1-59602603-23fc5b688855d396af79b496')
    }
  })

  it('merges several files, e.g. a segment and its subsegments saved apart', async () => {
    const result = await runCli([
      'show',
      '-f', fixture('xray/otel-independent-subsegment-remote-http.json'),
      '-f', fixture('drawn/lambda-snapstart-sync.trace.json'),
    ])
    expect(result.code).toBe(0)
    expect(result.stdout.match(/^Trace /gm)).toHaveLength(2)
  })

  it('colours only when asked: FORCE_COLOR on a pipe, never with NO_COLOR or --no-color', async () => {
    const forced = await runCli(['show', '-f', fixture(AWSDOCS)], {env: {FORCE_COLOR: '1'}})
    expect(forced.stdout).toContain('\u001b[')
    for (const env of [{FORCE_COLOR: '1', NO_COLOR: '1'}, {FORCE_COLOR: '1'}]) {
      const args = 'NO_COLOR' in env ? ['show', '-f', fixture(AWSDOCS)] : ['show', '-f', fixture(AWSDOCS), '--no-color']
      const result = await runCli(args, {env})
      expect(result.stdout).not.toContain('\u001b')
    }
  })

  it('falls back to ASCII when the locale is not UTF-8', async () => {
    const result = await runCli(['show', '-f', fixture(AWSDOCS)], {env: {LANG: 'C', LC_ALL: undefined}})
    expect(result.stdout).toContain('|- Lambda')
    expect(result.stdout).not.toContain('├─')
    const unicode = await runCli(['show', '-f', fixture(AWSDOCS)], {env: {LANG: 'en_US.UTF-8'}})
    expect(unicode.stdout).toContain('├─ Lambda')
  })

  it('prints exactly the documented JSON with --json', async () => {
    const result = await runCli(['show', '-f', fixture('drawn/lambda-async-retry.batch-get-traces.json'), '--json'])
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout) as {traces: Record<string, unknown>[]; unprocessedTraceIds: string[]}
    expect(Object.keys(json)).toEqual(['traces', 'unprocessedTraceIds', 'unreadableTraceIds'])
    expect(json.unprocessedTraceIds).toEqual([])
    const [trace] = json.traces
    expect(Object.keys(trace!)).toEqual(['id', 'startTime', 'duration', 'coldStart', 'criticalPath', 'unreadableDocuments', 'limitExceeded', 'roots'])
    expect(trace).toMatchObject({id: '1-6b050000-0a1b2c3d4e5f60718293a4b5', startTime: 1795500000, coldStart: true})
    const allowed = ['id', 'name', 'kind', 'origin', 'namespace', 'inferred', 'inProgress', 'startTime', 'endTime', 'duration', 'error', 'fault', 'throttle', 'http', 'aws', 'sql', 'annotations', 'metadata', 'cause', 'links', 'children']
    const required = ['id', 'name', 'kind', 'inferred', 'inProgress', 'startTime', 'endTime', 'duration', 'error', 'fault', 'throttle', 'children']
    const ids: string[] = []
    const visit = (node: Record<string, unknown>) => {
      ids.push(node.id as string)
      for (const key of Object.keys(node)) expect(allowed).toContain(key)
      for (const key of required) expect(node).toHaveProperty(key)
      const children = node.children as Record<string, unknown>[]
      const starts = children.map((c) => c.startTime as number)
      expect(starts).toEqual([...starts].sort((a, b) => a - b))
      children.forEach(visit)
    }
    ;(trace!.roots as Record<string, unknown>[]).forEach(visit)
    expect(ids).toHaveLength(15)
    expect(trace!.criticalPath).toContain('a0000000000000e1')
    const root = (trace!.roots as Record<string, unknown>[])[0]!
    // Function segments stay under the service segment, as the documents say.
    expect((root.children as {id: string}[]).map((c) => c.id)).toEqual(['a0000000000000b1', 'a0000000000000b2', 'a0000000000000c1', 'a0000000000000b3', 'a0000000000000c2'])
  })

  it('renders the rest of a trace with one broken document and warns on stderr', async () => {
    const path = writeBrokenTrace('broken.json')
    for (const json of [false, true]) {
      const result = await runCli(['show', '-f', path, ...(json ? ['--json'] : [])])
      expect(result.code).toBe(0)
      expect(result.stderr).toMatch(/^warning: .*broken\.json: Traces\[0\]\.Segments\[3\]: not valid JSON/m)
      if (json) expect(JSON.parse(result.stdout).traces[0].roots[0].name).toBe('Scorekeep')
      else expect(result.stdout).toContain('Scorekeep')
    }
  })

  it.each([
    [['show', '--file', 'does-not-exist.json'], 1, /^error: cannot read does-not-exist\.json: no such file\nTry: check the path \(relative to the current directory\), or pipe the trace in: xtrace show - < trace\.json\n$/],
    [['show', '--file', 'package.json'], 1, /^error: package\.json holds no X-Ray segment documents/],
    [['show', '--file', '.gitignore'], 1, /^error: \.gitignore is not valid JSON: .+\nTry: expected a BatchGetTraces response/],
    [['show', '--file', 'test/fixtures/xray/awsdocs-get-trace-summaries-scorekeep.json'], 1, /holds no X-Ray segment documents: a GetTraceSummaries response holds no segments; fetch its traces instead: xtrace show 1-/],
    [['show', '--file', 'test/fixtures/xray/awsdocs-put-trace-segments-unprocessed-response.json'], 1, /holds no X-Ray segment documents: a PutTraceSegments response holds no segments, only those X-Ray refused \(6226467e3f845502 InvalidTraceId\); skipped\n/],
    [['show', '--file', 'test'], 1, /^error: cannot read test: is a directory/],
    [['show', 'not-a-trace-id'], 2, /^error: 'not-a-trace-id' is not a trace id\. Accepted forms:\n {2}X-Ray trace id/],
    [['show'], 2, /^error: give at least one trace id, --function NAME, or --file PATH \(or - for stdin\)\nTry: xtrace show --function orders-api {3}\(its newest trace\)\nTry: xtrace show --file trace\.json\n$/],
    [['show', '--depth', '0', '-f', 'x'], 2, /^error: .*depth/],
    [['show', '--bogus'], 2, /^error: unknown flag --bogus\nTry: xtrace show --help\n$/],
    [['show', '--detials', '-f', 'x'], 2, /^error: unknown flag --detials \(did you mean --details\?\)\nTry: xtrace show --help\n$/],
    [['show', '--width', '10', '-f', 'x'], 2, /^error: --width: expected an integer greater than or equal to 40 but received: 10\nTry: xtrace show --help\n$/],
    [['show', '--depth'], 2, /^error: --depth needs a value\nTry: xtrace show --help\n$/],
    [['show', 'examples/checkout-streamed.json'], 2, /^error: examples\/checkout-streamed\.json is a file, not a trace id: saved traces are read with --file\nTry: xtrace show --file examples\/checkout-streamed\.json\n$/],
  ])('xtrace %j exits %i with a clear message', async (args, code, message) => {
    const result = await runCli(args as string[])
    expect(result.code).toBe(code)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(STACK_TRACE)
    expect(result.stdout).toBe('')
  })

  it('reports errors as JSON on stdout with --json', async () => {
    const result = await runCli(['show', 'nope', '--json'])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stdout)).toMatchObject({error: {code: 'BAD_TRACE_ID', message: expect.stringContaining("'nope' is not a trace id")}})
  })
})

describe('a reader that stops early', () => {
  it('show | head, text or --json: the output stops quietly, exit 0, no EPIPE stack trace, on either entry', async () => {
    const big = join(mkdtempSync(join(tmpdir(), 'xtrace-pipe-')), 'big.json')
    // Far more than a pipe holds (64 KiB), so the reader closes it while xtrace is still writing.
    writeFileSync(big, JSON.stringify(generateTrace(5000)))
    for (const json of [false, true]) {
      for (const env of [{}, {XTRACE_LEAN: '0'}]) {
        const what = JSON.stringify({json, env})
        const run = startCli(['show', '--file', big, ...(json ? ['--json'] : [])], {env})
        run.child.stdout.once('data', () => run.child.stdout.destroy())
        const result = await run.exited
        expect(result.stderr, what).toBe('')
        expect(result.code, what).toBe(0)
        expect(result.stdout, what).toMatch(json ? /^\{"traces":\[\{"id":"1-/ : /^Trace 1-/)
      }
    }
  })

  it('--version and a cached --help, which write to fd 1 without process.stdout: a reader already gone ends them quietly too', async () => {
    const env = {XDG_CACHE_HOME: join(scratch, 'help-cache-epipe')}
    expect((await runCli(['--help'], {env})).code).toBe(0)
    for (const args of [['--version'], ['--help']]) {
      const run = startCli(args, {env})
      // Closed before the child has even started Node: its one write meets a pipe with no reader.
      run.child.stdout.destroy()
      const result = await run.exited
      expect(result.stderr, args[0]).toBe('')
      expect(result.code, args[0]).toBe(0)
    }
  })
})

describe('a big saved trace (src/cli/capped-child.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xtrace-big-'))
  const big = join(dir, 'big.json')
  // Just over the size that hands the drawing to a capped child (~9 MB).
  writeFileSync(big, JSON.stringify(generateTrace(45_000)))
  const probe = join(dir, 'argv-probe.mjs')
  writeFileSync(probe, "import {appendFileSync} from 'node:fs'\nappendFileSync(process.env.ARGV_OUT, JSON.stringify(process.execArgv) + '\\n')\n")
  // Each line's V8 decides whether a child pays (Node 24's does); `on` makes one on every line, `off` none.
  const withChild = {XTRACE_CAPPED_CHILD: 'on'}
  const inProcess = {XTRACE_CAPPED_CHILD: 'off'}
  const processesOf = async (args: string[], env: Record<string, string>, nodeOptions = '') => {
    const out = join(dir, `argv-${Math.random().toString(36).slice(2)}.txt`)
    const result = await runCli(args, {env: {...env, NODE_OPTIONS: `--import ${probe} ${nodeOptions}`.trim(), ARGV_OUT: out}, timeoutMs: 60_000})
    expect(result.code, args.join(' ')).toBe(0)
    return readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[])
  }

  it('is drawn by a second Node with its young generation capped, on either entry', async () => {
    expect(statSync(big).size).toBeGreaterThanOrEqual(CAPPED_CHILD_MIN_BYTES)
    for (const env of [withChild, {...withChild, XTRACE_LEAN: '0'}]) {
      const processes = await processesOf(['show', '--file', big], env)
      expect(processes, JSON.stringify(env)).toHaveLength(2)
      expect(processes.filter((argv) => argv.includes(SEMI_SPACE_FLAG)), JSON.stringify(env)).toHaveLength(1)
    }
    const v8Major = Number(process.versions.v8.split('.')[0])
    expect(await processesOf(['show', '--file', big], {})).toHaveLength(v8Major >= 13 ? 2 : 1)
    // However the file is named, and whatever else the command line holds; decided before the command loads, so a
    // usage error is the child's to print.
    expect(await processesOf(['show', `--file=${big}`, '--json'], withChild)).toHaveLength(2)
    // A small file, help, a user's own cap, or `off`, keeps to one process.
    expect(await processesOf(['show', '--file', fixture(AWSDOCS)], withChild)).toHaveLength(1)
    expect(await processesOf(['show', '--file', big, '--help'], withChild)).toHaveLength(1)
    expect(await processesOf(['show', '--file', big], withChild, '--max-semi-space-size=32')).toHaveLength(1)
    expect(await processesOf(['show', '--file', big], inProcess)).toHaveLength(1)
    // Nor does a run under a debugger (port 0: any free one, on loopback).
    expect(await processesOf(['show', '--file', big], withChild, '--inspect=127.0.0.1:0')).toHaveLength(1)
  })

  it('prints exactly what one process prints: text, --json, and a failure with its exit code', async () => {
    for (const args of [
      ['show', '--file', big, '--width', '100'],
      ['show', '--file', big, '--json'],
      ['show', '--file', big, '--file', join(dir, 'missing.json')],
      ['show', '--file', big, '--width', 'wide'],
    ]) {
      const child = await runCli(args, {env: withChild, timeoutMs: 60_000})
      const one = await runCli(args, {env: inProcess, timeoutMs: 60_000})
      expect(child.code, args.join(' ')).toBe(one.code)
      expect(child.stderr, args.join(' ')).toBe(one.stderr)
      expect(child.stdout === one.stdout, args.join(' ')).toBe(true)
    }
  })

  it('read in parts (src/traces/split-read.ts), prints what the same text read whole from stdin prints', async () => {
    expect(statSync(big).size).toBeGreaterThanOrEqual(SPLIT_MIN_BYTES)
    const input = readFileSync(big, 'utf8')
    for (const flags of [['--width', '100'], ['--json']]) {
      const file = await runCli(['show', '--file', big, ...flags], {env: inProcess, timeoutMs: 60_000})
      const stdin = await runCli(['show', '-', ...flags], {env: inProcess, input, timeoutMs: 60_000})
      expect(file.code, flags.join(' ')).toBe(0)
      expect(file.stderr, flags.join(' ')).toBe(stdin.stderr)
      expect(file.stdout === stdin.stdout, flags.join(' ')).toBe(true)
    }
  })

  it.skipIf(!HAS_SCRIPT)('on a terminal the child draws to the terminal\'s width, and Ctrl-C there ends it as it ends one process', async () => {
    const onTerminal = (env: string, interrupt: boolean) =>
      new Promise<{code: number | null; stdout: string}>((resolve) => {
        const command = `stty cols 100 rows 40; XTRACE_CAPPED_CHILD=${env} ${process.execPath} ${BIN} show --file ${big} --no-color`
        const tty = spawn('script', ['-qec', command, '/dev/null'], {cwd: ROOT, env: cleanEnv({TERM: 'xterm'})})
        let stdout = ''
        let typed = false
        tty.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk
          // Ctrl-C typed at the terminal, once drawing has begun: its line discipline sends SIGINT to the whole foreground group.
          if (interrupt && !typed && stdout.includes('Trace ')) {
            typed = true
            tty.stdin.write('\u0003')
          }
        })
        tty.on('close', (code) => resolve({code, stdout}))
      })
    const drawn = await onTerminal('on', false)
    const pipe = await runCli(['show', '--file', big, '--no-color', '--width', '100'], {env: inProcess, timeoutMs: 60_000})
    expect(drawn.code).toBe(0)
    expect(drawn.stdout.replaceAll('\r\n', '\n')).toBe(pipe.stdout)
    const [child, one] = [await onTerminal('on', true), await onTerminal('off', true)]
    expect(child.code).toBe(one.code)
    expect(child.code).not.toBe(0)
    expect(child.stdout).not.toMatch(STACK_TRACE)
  })

  it('a reader that stops early, and Ctrl-C sent to xtrace alone, end it as they end one process', async () => {
    for (const env of [withChild, inProcess]) {
      const what = JSON.stringify(env)
      const piped = startCli(['show', '--file', big], {env, timeoutMs: 60_000})
      piped.child.stdout.once('data', () => piped.child.stdout.destroy())
      const closed = await piped.exited
      expect(closed.stderr, what).toBe('')
      expect(closed.code, what).toBe(0)

      const interrupted = startCli(['show', '--file', big], {env, timeoutMs: 60_000})
      interrupted.child.stdout.once('data', () => interrupted.child.kill('SIGINT'))
      const ended = await interrupted.exited
      expect(ended.stderr, what).not.toMatch(STACK_TRACE)
      expect({code: ended.code, signal: ended.signal}, what).toEqual({code: null, signal: 'SIGINT'})
    }
  })
})

describe('a non-blocking pipe that fills', () => {
  const hasPython = spawnSync('python3', ['-c', 'import fcntl, termios'], {stdio: 'ignore'}).status === 0
  if (!hasPython) console.warn('python3 with fcntl is not installed: the non-blocking pipe test is skipped')

  it.skipIf(!hasPython)('show --file: writes that meet EAGAIN go on through the stream, byte for byte, exit 0', async () => {
    const big = join(mkdtempSync(join(tmpdir(), 'xtrace-eagain-')), 'big.json')
    writeFileSync(big, JSON.stringify(generateTrace(3000)))
    const args = ['show', '--file', big, '--width', '120']
    const expected = await runCli(args)
    const spy = join(scratch, 'builtins-eagain.txt')
    const env = cleanEnv({NODE_OPTIONS: `-r ${join(ROOT, 'test/harness/builtins-spy.cjs')}`, XTRACE_BUILTINS_SPY: spy})
    // spawnSync holds the event loop, so vitest's own time-out cannot end a hang here: this one can.
    const run = spawnSync('python3', [join(ROOT, 'test/harness/nonblocking-pipe.py'), process.execPath, BIN, ...args], {cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000})
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(expected.stdout.length).toBeGreaterThan(1 << 17)
    expect(run.stdout).toBe(expected.stdout)
    // The stream took over: it is what loads node:net on a pipe.
    expect(readFileSync(spy, 'utf8').split('\n')).toContain('net')
  })
})

describe('on a terminal', () => {
  it.skipIf(!HAS_SCRIPT)('show --file draws to the terminal\'s width, as on a pipe given that width (the stream path, not fd 1)', () => {
    // `script` gives the CLI a pseudo-terminal 100 columns wide; the terminal turns each \n into \r\n.
    const command = `stty cols 100 rows 40; ${process.execPath} ${BIN} show --file ${fixture(AWSDOCS)} --no-color`
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], {cwd: ROOT, env: cleanEnv({TERM: 'xterm'}), encoding: 'utf8'})
    const pipe = spawnSync(process.execPath, [BIN, 'show', '--file', fixture(AWSDOCS), '--no-color', '--width', '100'], {cwd: ROOT, env: cleanEnv({TERM: 'xterm'}), encoding: 'utf8'})
    expect(tty.status).toBe(0)
    expect(pipe.stdout).toContain('Trace 1-')
    expect(tty.stdout.replaceAll('\r\n', '\n')).toBe(pipe.stdout)
  })

  it.skipIf(!HAS_SCRIPT)('--help is cached on a terminal (per width) and with stdout on /dev/null, both character devices', () => {
    const cache = join(scratch, 'help-cache-devices')
    const env = cleanEnv({XDG_CACHE_HOME: cache, TERM: 'xterm'})
    const onTerminal = () => spawnSync('script', ['-qec', `stty cols 90 rows 40; ${process.execPath} ${BIN} --help`, '/dev/null'], {cwd: ROOT, env, encoding: 'utf8'})
    const first = onTerminal()
    const second = onTerminal()
    expect(first.status).toBe(0)
    expect(second.stdout).toBe(first.stdout)
    expect(first.stdout).toContain('USAGE')
    for (let i = 0; i < 2; i++) expect(spawnSync(process.execPath, [BIN, '--help'], {cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe']}).status).toBe(0)
    const files = readdirSync(join(cache, 'xtrace/help')).sort()
    expect(files).toHaveLength(2)
    expect(files.some((file) => file.includes('--help-90-'))).toBe(true)
    expect(files.some((file) => file.includes('--help-pipe-'))).toBe(true)
  })
})

describe('startup', () => {
  it('--help, --version, every command\'s --help and show --file never load the AWS SDK', async () => {
    const commands = [['enable', '--help'], ['disable', '--help'], ['status', '--help'], ['restore', '--help'], ['restore', '--list'], ['doctor', '--help']]
    for (const args of [['--help'], ['--version'], ['show', '--help'], ['show', '-f', fixture(AWSDOCS)], ...commands]) {
      const spy = join(scratch, `modules-${args.join('_').replace(/[^a-z]/gi, '')}.txt`)
      writeFileSync(spy, '')
      const result = await runCli(args, {env: {NODE_OPTIONS: `--import ${MODULE_SPY}`, XTRACE_MODULE_SPY: spy, XDG_STATE_HOME: scratch, XTRACE_NO_HELP_CACHE: '1'}})
      expect(result.code).toBe(0)
      const modules = readFileSync(spy, 'utf8')
      // The spy saw modules load: oclif (but for --version, and show --file and restore --list, which the lean entry runs), our own code for show.
      const lean = args[0] === '--version' || (['show', 'restore'].includes(args[0]!) && args[1] !== '--help')
      if (lean) expect(modules).not.toContain('@oclif/core')
      else expect(modules).toContain('@oclif/core')
      if (args[0] === 'show' && args[1] !== '--help') expect(modules).toContain('/dist/lean/show.cjs')
      expect(modules).not.toContain('@aws-sdk')
      expect(modules).not.toContain('@smithy')
      expect(modules).not.toContain('/dist/lean/sdk-')
    }
  })

  it('--version, a cached --help and show --file (text or --json) to a pipe make no stream of stdout or stderr (warnings, failures), nor load node:tty; nor to /dev/null', async () => {
    const env = {XDG_CACHE_HOME: join(scratch, 'help-cache-builtins')}
    expect((await runCli(['--help'], {env})).code).toBe(0)
    for (const args of [['--version'], ['--help'], ['show', '-f', fixture(AWSDOCS)], ['show', '-f', fixture(AWSDOCS), '--json']]) {
      const spy = join(scratch, `builtins-${args.join('_').replace(/[^a-z]/gi, '')}.txt`)
      const result = await runCli(args, {env: {...env, NODE_OPTIONS: `-r ${join(ROOT, 'test/harness/builtins-spy.cjs')}`, XTRACE_BUILTINS_SPY: spy}})
      expect(result.code).toBe(0)
      expect(result.stdout.length).toBeGreaterThan(0)
      const builtins = readFileSync(spy, 'utf8').split('\n')
      // The spy saw the built-ins load (fs at least); none of the ones a stdout stream or node:tty brings.
      expect(builtins, args.join(' ')).toContain('fs')
      expect(builtins, args.join(' ')).not.toContain('net')
      expect(builtins, args.join(' ')).not.toContain('tty')
    }
    // Nor of stderr, for warnings or for a failure.
    const brokenPath = writeBrokenTrace('broken-builtins.json')
    for (const [args, code, stderr] of [
      [['show', '-f', brokenPath], 0, /^warning: .*not valid JSON/m],
      [['show', '-f', join(scratch, 'no-such-file.json')], 1, /^error: cannot read .*no-such-file\.json: no such file\nTry: /m],
    ] as const) {
      const spy = join(scratch, `builtins-stderr-${code}.txt`)
      const result = await runCli([...args], {env: {NODE_OPTIONS: `-r ${join(ROOT, 'test/harness/builtins-spy.cjs')}`, XTRACE_BUILTINS_SPY: spy}})
      expect(result.code).toBe(code)
      expect(result.stderr).toMatch(stderr)
      const builtins = readFileSync(spy, 'utf8').split('\n')
      expect(builtins, args.join(' ')).toContain('fs')
      expect(builtins, args.join(' ')).not.toContain('net')
      expect(builtins, args.join(' ')).not.toContain('tty')
    }
    // Nor to /dev/null (`> /dev/null`, hyperfine), a character device that is no terminal.
    const spy = join(scratch, 'builtins-devnull.txt')
    const devNull = spawnSync(process.execPath, [BIN, 'show', '-f', fixture(AWSDOCS)], {cwd: ROOT, env: cleanEnv({NODE_OPTIONS: `-r ${join(ROOT, 'test/harness/builtins-spy.cjs')}`, XTRACE_BUILTINS_SPY: spy}), stdio: ['ignore', 'ignore', 'pipe']})
    expect(devNull.status).toBe(0)
    expect(readFileSync(spy, 'utf8').split('\n')).toEqual(expect.arrayContaining(['fs']))
    expect(readFileSync(spy, 'utf8').split('\n')).not.toContain('tty')
  })

  it('caches rendered help: the second --help prints the same text without loading oclif, from a 0600 file', async () => {
    const cache = join(scratch, 'help-cache')
    for (const args of [['--help'], ['enable', '--help'], ['help', 'doctor']]) {
      const first = await runCli(args, {env: {XDG_CACHE_HOME: cache}})
      const spy = join(scratch, `cached-${args.join('_')}.txt`)
      writeFileSync(spy, '')
      const second = await runCli(args, {env: {XDG_CACHE_HOME: cache, NODE_OPTIONS: `--import ${MODULE_SPY}`, XTRACE_MODULE_SPY: spy}})
      expect(first.code).toBe(0)
      expect(second.code).toBe(0)
      expect(second.stdout).toBe(first.stdout)
      expect(second.stdout).toContain('USAGE')
      expect(readFileSync(spy, 'utf8')).not.toContain('@oclif/core')
    }
    const files = readdirSync(join(cache, 'xtrace/help'))
    expect(files).toHaveLength(3)
    for (const file of files) expect(statSync(join(cache, 'xtrace/help', file)).mode & 0o777).toBe(0o600)
    // Not a help request for one of our commands: oclif answers, nothing is cached.
    const unknown = await runCli(['nope', '--help'], {env: {XDG_CACHE_HOME: cache}})
    expect(readdirSync(join(cache, 'xtrace/help'))).toHaveLength(3)
    expect(unknown.stdout + unknown.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)/)
  })

  it('prints versions and help with real examples', async () => {
    const version = await runCli(['--version'])
    expect(version.stdout).toMatch(/^xtrace\/0\.\d+\.\d+ .*node-v\d+/)
    const help = await runCli(['show', '--help'])
    expect(help.stdout).toContain('EXAMPLES')
    expect(help.stdout).toContain('xtrace show 1-5759e988-bd862e3fe1be46a994272793')
    expect(help.stdout).toContain('EXIT CODES')
  })
})
