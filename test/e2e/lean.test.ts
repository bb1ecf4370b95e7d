import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateTrace} from '../../bench/generate.js'
import {fixture, ROOT, type RunningCli, runCli, startCli, until} from '../harness/cli.js'
import {readFixture} from '../harness/fixtures.js'
import {type LocalAccount, roleArn, startLocalAccount} from '../harness/account.js'
import type {LocalAws} from '../harness/local-aws.js'
import {MODULE_SPY, sdkBundles} from '../harness/modules.js'
import {generateTraffic} from '../harness/traffic.js'

// show, traces, status, tail, stats, map, enable, disable, restore and doctor run through the lean entry (src/cli/lean.ts, one bundle per command)
// when their command line allows, through oclif otherwise, and XTRACE_LEAN=0 forces oclif: both must
// print the same bytes and exit the same way.

const scratch = mkdtempSync(join(tmpdir(), 'xtrace-lean-'))
let aws: LocalAws
const NOW = Math.floor(Date.now() / 1000)
// Absolute windows: the two runs of a case start a moment apart, and a relative window would differ.
const START = new Date((NOW - 4 * 3600) * 1000).toISOString()
const END = new Date(NOW * 1000).toISOString()
const traffic = generateTraffic({count: 60, seed: 5, start: NOW - 3 * 3600, end: NOW - 60})
const TRACE = '1-59602603-23fc5b688855d396af79b496'
const COLD_START = join(ROOT, 'examples/lambda-cold-start.json')
const CHECKOUT = join(ROOT, 'examples/checkout-streamed.json')

beforeAll(async () => {
  const account = await startLocalAccount()
  aws = account.aws
  account.lambda.add('api', {Role: roleArn('traced-role'), TracingConfig: {Mode: 'Active'}, MemorySize: 1024})
  account.lambda.add('jobs', {Role: roleArn('bare-role'), TracingConfig: {Mode: 'Active'}, Runtime: 'python3.13'})
  account.lambda.add('web', {Role: roleArn('traced-role')})
  account.lambda.publish('web', 'prod')
  for (const documents of traffic.documents.values()) aws.addDocuments(documents)
  const response = JSON.parse(readFixture('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json')) as {Traces: {Segments: {Document: string}[]}[]}
  aws.addDocuments(response.Traces.flatMap((trace) => trace.Segments.map((segment) => segment.Document)))
  writeFileSync(join(scratch, 'broken.json'), '{"Traces": [')
  // Far more than a pipe holds: the lean entry writes it to fd 1 itself (standard-streams.ts), oclif through the stream.
  writeFileSync(join(scratch, 'big.json'), JSON.stringify(generateTrace(3000)))
})
afterAll(() => aws.stop())

interface Case {
  args: string[]
  env?: Record<string, string>
  input?: string
}

const showCases = (): Case[] => [
  {args: ['--file', COLD_START]},
  {args: ['-f', CHECKOUT, '--json']},
  {args: ['--file', join(scratch, 'big.json'), '--width', '140']},
  {args: ['--file', join(scratch, 'big.json'), '--json']},
  {args: ['-f', CHECKOUT], env: {XTRACE_CONTENT_TYPE: 'json'}},
  {args: ['--file', CHECKOUT, '--details', '--width', '100', '--ascii']},
  {args: ['--file', COLD_START, '--color', '--columns', 'both', '--depth', '2']},
  {args: ['--file', CHECKOUT, '--collapse', '--expand', 'DynamoDB']},
  {args: ['-', '--width', '90'], input: readFileSync(COLD_START, 'utf8')},
  {args: ['--file', join(scratch, 'missing.json')]},
  {args: ['--file', join(scratch, 'broken.json'), '--json']},
  {args: ['--file', join(scratch, 'broken.json'), '--debug']},
  {args: []},
  {args: ['not-a-trace-id']},
  {args: ['--file', COLD_START, '--columns', 'sideways']},
  {args: ['--slowest']},
  // Lines only oclif reads (it reports them): the lean entry must step aside without a word.
  {args: ['--file', COLD_START, '--width', '10']},
  {args: ['--file', COLD_START, '--widht', '100']},
  {args: ['--file']},
  {args: ['-f' + COLD_START]},
  {args: ['--file', COLD_START, '--', '--json']},
  // Fetched from the local endpoint.
  {args: [TRACE, '--width', '120'], env: {AWS_ENDPOINT_URL: aws.url}},
  {args: [TRACE, '--json'], env: {AWS_ENDPOINT_URL: aws.url}},
  {args: ['1-59602603-00000000000000000000beef'], env: {AWS_ENDPOINT_URL: aws.url}},
  {args: [TRACE], env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9', XTRACE_CONNECT_TIMEOUT: '2'}},
]


const within = ['--start', START, '--end', END]
const traceCases = (): Case[] => [
  {args: ['orders-api', ...within]},
  {args: [...within, '--json', '--limit', '5']},
  {args: ['billing-api', ...within, '--ids', '--sort', '-duration']},
  {args: [...within, '--faults', '--errors', '--limit', '0']},
  {args: ['orders-api', ...within, '--cold', '--limit', '3', '--json']},
  {args: ['--annotation', 'tier=gold', '--print-filter']},
  {args: ['--print-filter']},
  {args: [...within, '--json'], env: {XTRACE_CONTENT_TYPE: 'json'}},
  {args: ['--since', 'banana']},
  {args: [...within, '--status', 'abc']},
  {args: [...within, '--filter', 'annotation.tier = ']},
  {args: [...within], env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9', XTRACE_CONNECT_TIMEOUT: '2'}},
  // Lines only oclif reads.
  {args: ['--cold', '--warm', ...within]},
  {args: ['--sort', 'sideways', ...within]},
  {args: ['--limit', '-1']},
  {args: ['--ids', '--json']},
]

const statusCases = (): Case[] => [
  {args: []},
  {args: ['--json']},
  {args: ['web', '--no-aliases', '--no-iac']},
  {args: ['--match', 'j*', '--no-roles', '--json']},
  {args: ['-'], input: 'api\nweb\n'},
  {args: ['missing-function']},
  {args: ['--accounts', 'not-an-account']},
  {args: ['--exclude', '111122223333']},
  {args: ['--lambda-rate', '5', '--json']},
  {args: [], env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9', XTRACE_CONNECT_TIMEOUT: '2'}},
  // Lines only oclif reads.
  {args: ['--ou', 'ou-abcd-12345678']},
  {args: ['--lambda-rate', '0']},
  {args: ['--no-such-flag']},
]

const statsCases = (): Case[] => [
  {args: [...within]},
  {args: ['orders-api', ...within, '--json', '--docs', '20']},
  {args: ['orders-api', 'billing-api', ...within, '--by', 'function', '--docs', '0', '--ascii']},
  {args: [...within, '--by', 'annotation:tier', '--docs', '10', '--seed', '3', '--json']},
  {args: [...within, '--max-traces', '5', '--docs', '0']},
  {args: ['--start', START, '--end', START]},
  {args: ['missing-function', ...within]},
  {args: [...within, '--by', 'colour']},
  {args: [...within], env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9', XTRACE_CONNECT_TIMEOUT: '2'}},
  // Lines only oclif reads.
  {args: [...within, '--docs', '9999']},
  {args: ['--no-such-flag']},
]

const mapCases = (): Case[] => [
  {args: [...within]},
  {args: [...within, '--json']},
  {args: ['orders-api', ...within, '--depth', '1', '--ascii']},
  {args: [...within, '--problems']},
  {args: ['missing-function', ...within]},
  {args: ['--start', START, '--end', START]},
  {args: [...within], env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9', XTRACE_CONNECT_TIMEOUT: '2'}},
  // Lines only oclif reads.
  {args: [...within, '--depth', '0']},
  {args: ['--faults']},
]

const doctorCases = (): Case[] => [
  {args: []},
  {args: ['web', '--json']},
  {args: ['jobs', '--verbose', '--ascii', '--no-aliases']},
  {args: ['jobs', '--fix', '--dry-run']},
  {args: ['--match', 'j*', '--strict', '--since', '1h', '--json']},
  {args: ['missing-function']},
  {args: ['web', '--since', 'banana']},
  {args: ['web', '--fix']},
  {args: ['web'], env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9', XTRACE_CONNECT_TIMEOUT: '2'}},
  // Lines only oclif reads.
  {args: ['--concurrency', '0', '--fix']},
  {args: ['--no-such-flag']},
]

/** enable, disable and restore change their account and journal: each case is a run of steps, on an account of its own for each entry. */
const changeCases = (): Case[][] => [
  [{args: ['enable', 'web', '--dry-run']}],
  [{args: ['enable', '--all', '--dry-run', '--json']}],
  [{args: ['enable', 'web', '--yes']}, {args: ['restore', '--list']}, {args: ['restore', '--list', '--json']}, {args: ['restore', '--yes', '--json']}],
  [{args: ['enable', 'bare', '--yes', '--json']}],
  [{args: ['enable', 'bare', '--dry-run']}],
  [{args: ['enable', 'bare', '--attach-policy', '--yes']}, {args: ['restore', '--yes']}],
  [{args: ['disable', '--match', 'a*', '--yes', '--json']}, {args: ['restore']}],
  [{args: ['enable', '-', '--yes', '--no-wait'], input: 'web\nbare\n'}],
  [{args: ['disable', 'missing-function']}],
  [{args: ['doctor', 'bare', '--fix', '--yes']}, {args: ['restore', '--list']}],
  [{args: ['enable', '--all']}],
  [{args: ['restore']}],
  [{args: ['restore', '20200101T000000Z-abcdef', '--json']}],
  [{args: ['enable', 'web'], env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:9', XTRACE_CONNECT_TIMEOUT: '2'}}],
  // Lines only oclif reads.
  [{args: ['enable', 'web', '--concurrency', '0']}],
  [{args: ['disable', '--no-such-flag']}],
  [{args: ['restore', 'one', 'two']}],
]

/** What two runs of the same change tell apart: the journal's directory, its operation ids and the times it records. */
function changeRunOut(text: string, account: LocalAccount): string {
  return text.replaceAll(account.state, '<state>').replace(/\d{8}T\d{6}Z-[0-9a-f]{6}/g, '<operation>').replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?Z?/g, '<time>')
}

async function changesSameAsOclif(cases: Case[][]): Promise<void> {
  for (const steps of cases) {
    const [leanAccount, oclifAccount] = await Promise.all([startLocalAccount(), startLocalAccount()])
    try {
      for (const account of [leanAccount, oclifAccount]) {
        account.lambda.add('api', {Role: roleArn('traced-role'), TracingConfig: {Mode: 'Active'}})
        account.lambda.add('web', {Role: roleArn('traced-role')})
        account.lambda.publish('web', 'prod')
        account.lambda.add('bare', {Role: roleArn('bare-role')})
      }
      for (const {args, env = {}, input} of steps) {
        const run = (account: LocalAccount, extra: Record<string, string>) =>
          runCli(args, {env: {AWS_ENDPOINT_URL: account.aws.url, XDG_STATE_HOME: account.state, TZ: 'UTC', ...env, ...extra}, ...(input === undefined ? {} : {input})})
        const [lean, oclif] = await Promise.all([run(leanAccount, {}), run(oclifAccount, {XTRACE_LEAN: '0'})])
        const what = `${steps.map((step) => step.args.join(' ')).join(' ; ')}: ${args.join(' ')}`
        expect(changeRunOut(lean.stdout, leanAccount), what).toBe(changeRunOut(oclif.stdout, oclifAccount))
        expect(changeRunOut(entryFramesOut(lean.stderr), leanAccount), what).toBe(changeRunOut(entryFramesOut(oclif.stderr), oclifAccount))
        expect(lean.code, what).toBe(oclif.code)
      }
    } finally {
      await Promise.all([leanAccount.aws.stop(), oclifAccount.aws.stop()])
    }
  }
}

/**
 * --debug's stack trace ends in the frames of whichever entry ran the command, and the lean entry's frames
 * point into its bundle: the functions called must be the same, their files and lines may differ.
 */
function entryFramesOut(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^\s+at .*(@oclif\/core|bin\/run\.cjs|runLean)/.test(line))
    .map((line) => line.replace(/^(\s+at (?:async )?[\w.$<>]+) \(.*\)$/, '$1'))
    .join('\n')
}

async function sameAsOclif(command: string, cases: Case[]): Promise<void> {
  for (const {args, env = {}, input} of cases) {
    const options = (extra: Record<string, string>) => ({env: {AWS_ENDPOINT_URL: aws.url, TZ: 'UTC', ...env, ...extra}, ...(input === undefined ? {} : {input})})
    const [lean, oclif] = await Promise.all([runCli([command, ...args], options({})), runCli([command, ...args], options({XTRACE_LEAN: '0'}))])
    const what = `${command} ${args.join(' ')}`
    expect(lean.stdout, what).toBe(oclif.stdout)
    expect(entryFramesOut(lean.stderr), what).toBe(entryFramesOut(oclif.stderr))
    expect(lean.code, what).toBe(oclif.code)
  }
}


describe('the lean entry', () => {
  it('show: prints the same bytes and exits the same way as oclif, on every input', async () => {
    await sameAsOclif('show', showCases())
  })

  it('traces: the same listing, notes and errors as oclif', async () => {
    await sameAsOclif('traces', traceCases())
  })

  it('status: the same table, JSON and errors as oclif', async () => {
    await sameAsOclif('status', statusCases())
  })

  it('stats: the same figures, JSON, notes and errors as oclif', async () => {
    await sameAsOclif('stats', statsCases())
    // Not two empty outputs: figures came back through the lean entry.
    expect((await runCli(['stats', ...within, '--docs', '0'], {env: {AWS_ENDPOINT_URL: aws.url}})).stdout).toMatch(/^Traffic\n[\s\S]+ traces {6}\d/)
  })

  it('map: the same drawing, JSON, notes and errors as oclif', async () => {
    await sameAsOclif('map', mapCases())
    expect((await runCli(['map', ...within], {env: {AWS_ENDPOINT_URL: aws.url}})).stdout).toMatch(/^SERVICE +REQUESTS[\s\S]+Lambda service/)
  })

  it('doctor: the same checks, plans, JSON and errors as oclif', async () => {
    await sameAsOclif('doctor', doctorCases())
  }, 120_000)

  it('enable, disable, restore: the same plans, changes, journal, JSON and errors as oclif', async () => {
    await changesSameAsOclif(changeCases())
  }, 120_000)

  it('tail: the same lines and the same summary at Ctrl-C as oclif', async () => {
    const all = traffic.manifest
    const runs: [string[], number][] = [
      [['orders-worker', '--json'], all.filter((t) => t.function === 'orders-worker').length],
      [['orders-api'], all.filter((t) => t.function === 'orders-api').length],
      [['orders-api', '--faults', '--with-docs', '--json'], all.filter((t) => t.function === 'orders-api' && t.fault).length],
      [['billing-api', '--tree', '--ascii'], all.filter((t) => t.function === 'billing-api').length],
    ]
    for (const [args, expected] of runs) {
      // The backlog reaches over all the stored traffic: both runs print it all, then wait for more.
      const start = (extra: Record<string, string>): RunningCli =>
        startCli(['tail', '--interval', '1s', '--since', '4h', ...args], {env: {AWS_ENDPOINT_URL: aws.url, TZ: 'UTC', ...extra}, timeoutMs: 60_000})
      const [lean, oclif] = [start({}), start({XTRACE_LEAN: '0'})]
      // A line a trace (JSON, or TSV under its header line), or a drawn tree each.
      const printed = (run: RunningCli) => {
        const {stdout} = run.output()
        if (args.includes('--tree')) return stdout.match(/^Trace 1-/gm)?.length ?? 0
        return stdout.split('\n').filter(Boolean).length - (args.includes('--json') ? 0 : 1)
      }
      await until(() => printed(lean) === expected && printed(oclif) === expected, `both to print the ${expected} traces of their backlog`).catch((error: Error) => {
        throw new Error(`${error.message}: printed ${printed(lean)} and ${printed(oclif)}; ${lean.output().stderr}`)
      })
      lean.child.kill('SIGINT')
      oclif.child.kill('SIGINT')
      const [a, b] = await Promise.all([lean.exited, oclif.exited])
      const what = `tail ${args.join(' ')}`
      expect(a.stdout.length, what).toBeGreaterThan(0)
      expect(a.stdout, what).toBe(b.stdout)
      expect(a.stderr, what).toBe(b.stderr)
      expect(a.code, what).toBe(b.code)
    }
  })

  it('runs show --file without oclif or the AWS SDK, and show ID, traces, status, stats, map, tail without oclif', async () => {
    const loaded = async (args: string[], env: Record<string, string> = {}) => {
      const spy = join(scratch, `modules-${args.join('_').replace(/[^a-z]/gi, '')}-${Object.keys(env).length}.txt`)
      writeFileSync(spy, '')
      const result = await runCli(args, {env: {AWS_ENDPOINT_URL: aws.url, ...env, NODE_OPTIONS: `--import ${MODULE_SPY}`, XTRACE_MODULE_SPY: spy}})
      expect(result.code, result.stderr).toBe(0)
      return readFileSync(spy, 'utf8')
    }
    const offline = await loaded(['show', '--file', fixture('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json')])
    // The command's CommonJS bundle (and the code cache's, and the capped child's decision, bin/run.cjs's before the command
    // loads), and none of dist/'s ES modules (they would start the ESM loader: ~10 ms on Node 20), nor its SDK bundle, nor
    // lazy-http2's, which only a require of the SDK from node_modules needs.
    expect(offline).toContain('/dist/lean/show.cjs')
    expect(offline).not.toMatch(/\/dist\/(?!lean\/(show|code-cache|capped-child)\.cjs)/)
    expect(offline).not.toContain('@oclif/core')
    expect(offline).not.toContain('@aws-sdk')
    // A fetch loads the command's SDK bundle, and nothing of the SDK from node_modules (which would bring a second copy of its core).
    for (const [args, sdk] of [
      [['show', TRACE], 'sdk-xray'],
      [['traces', 'orders-api', ...within], 'sdk-xray'],
      [['status', '--no-iac'], 'sdk-status'],
      [['stats', 'orders-api', ...within, '--docs', '5'], 'sdk-xray'],
      [['map', ...within], 'sdk-xray'],
      [['enable', 'web', '--dry-run'], 'sdk-status'],
      [['doctor', 'web', '--no-aliases'], 'sdk-doctor'],
    ] as const) {
      const modules = await loaded([...args])
      expect(modules, args.join(' ')).toContain(`/dist/lean/${args[0]}.cjs`)
      expect(modules, args.join(' ')).toContain(`/dist/lean/${sdk}.cjs`)
      expect(modules, args.join(' ')).not.toContain('@oclif/core')
      expect(modules, args.join(' ')).not.toMatch(/node_modules\/@(aws-sdk|smithy)\//)
    }
    // tail runs until Ctrl-C: stopped once it has polled.
    const spy = join(scratch, 'modules-tail.txt')
    writeFileSync(spy, '')
    const tail = startCli(['tail', 'orders-api', '--interval', '1s', '--since', '0s'], {env: {AWS_ENDPOINT_URL: aws.url, NODE_OPTIONS: `--import ${MODULE_SPY}`, XTRACE_MODULE_SPY: spy}})
    await until(() => tail.output().stderr.includes('Ctrl-C to stop'), 'tail to start')
    tail.child.kill('SIGINT')
    expect((await tail.exited).code).toBe(0)
    expect(readFileSync(spy, 'utf8')).toContain('/dist/lean/tail.cjs')
    expect(readFileSync(spy, 'utf8')).not.toContain('@oclif/core')
    expect(readFileSync(spy, 'utf8')).toContain('/dist/lean/sdk-xray.cjs')
    // Forced onto oclif's path, the same commands do load oclif, and the SDK from node_modules: the checks above can fail.
    expect(await loaded(['show', '--file', COLD_START], {XTRACE_LEAN: '0'})).toContain('@oclif/core')
    expect(await loaded(['show', TRACE], {XTRACE_LEAN: '0'})).toMatch(/node_modules\/@aws-sdk\/client-xray\//)
  })

  it('bundles, for its commands, the SDK clients they call and every name they import from the SDK (scripts/bundle-lean.mjs)', () => {
    const bundles = sdkBundles()
    const clientsIn = (name: string) => Object.keys(bundles[name]!.packages).filter((p) => p.startsWith('@aws-sdk/client-')).sort()
    expect(clientsIn('sdk-xray')).toEqual(['@aws-sdk/client-xray'])
    expect(clientsIn('sdk-status')).toEqual(['@aws-sdk/client-cloudformation', '@aws-sdk/client-iam', '@aws-sdk/client-lambda', '@aws-sdk/client-resource-groups-tagging-api'])
    expect(clientsIn('sdk-doctor')).toEqual(['@aws-sdk/client-cloudformation', '@aws-sdk/client-iam', '@aws-sdk/client-lambda', '@aws-sdk/client-resource-groups-tagging-api', '@aws-sdk/client-sts', '@aws-sdk/client-xray'])
    const require = createRequire(import.meta.url)
    for (const [name, bundle] of Object.entries(bundles)) {
      const {modules} = require(join(ROOT, 'dist/lean', `${name}.cjs`)) as {modules: Record<string, Record<string, unknown>>}
      expect(Object.keys(modules).sort(), name).toEqual(Object.keys(bundle.exports).sort())
      // A later client's code runs at the first import of it: a getter, where the others are values.
      for (const specifier of Object.keys(bundle.exports)) {
        const later = bundle.later.some((client) => specifier === `@aws-sdk/client-${client}`)
        expect(typeof Object.getOwnPropertyDescriptor(modules, specifier)!.get, `${name}: ${specifier}`).toBe(later ? 'function' : 'undefined')
      }
      for (const [specifier, names] of Object.entries(bundle.exports)) {
        // A name the commands import but the bundle shook out would be undefined when called, on a path the tests may not take.
        const missing = names === '*' ? [] : names.filter((imported) => modules[specifier]![imported] === undefined)
        expect(missing, `${name}: ${specifier}`).toEqual([])
      }
      // A bundle that calls import() gets no code cache (src/cli/code-cache.ts); one that requires node:http2 would need it
      // deferred at every lean start (src/cli/lazy-http2.ts), as only a client from node_modules has it now.
      const text = readFileSync(join(ROOT, 'dist/lean', `${name}.cjs`), 'utf8')
      expect(text, name).not.toContain('import(')
      expect(text, name).not.toMatch(/require\(["'](node:)?http2["']\)/)
    }
  })

  it("keeps node:http2 unloaded, on either path, while the SDK's clients speak HTTP/1.1 (src/cli/lazy-http2.ts), and on the lean path what the run never uses", async () => {
    const builtins = async (args: string[], env: Record<string, string> = {}) => {
      const spy = join(scratch, `builtins-${args.join('_').replace(/[^a-z]/gi, '')}-${Object.keys(env).length}.txt`)
      const result = await runCli(args, {env: {AWS_ENDPOINT_URL: aws.url, ...env, NODE_OPTIONS: `-r ${join(ROOT, 'test/harness/builtins-spy.cjs')}`, XTRACE_BUILTINS_SPY: spy}})
      expect(result.code, result.stderr).toBe(0)
      return readFileSync(spy, 'utf8').split('\n')
    }
    for (const [args, env] of [
      [['show', TRACE], {}],
      [['show', TRACE], {XTRACE_LEAN: '0'}],
      [['traces', 'orders-api', ...within], {}],
      [['status', '--no-iac'], {}],
      [['enable', 'web', '--dry-run'], {}],
    ] as const) {
      const loaded = await builtins([...args], env)
      const what = `${args.join(' ')} ${JSON.stringify(env)}`
      // The spy saw the SDK's own built-ins load...
      expect(loaded, what).toContain('https')
      expect(loaded, what).toContain('crypto')
      // ...and not node:http2, nor node:assert, which it brings.
      expect(loaded, what).not.toContain('http2')
      expect(loaded, what).not.toContain('assert')
      if (!('XTRACE_LEAN' in env)) {
        // Every client's answers read off Node's stream (src/aws/collect-body.ts): the SDK's collector would load web streams.
        expect(loaded, what).not.toContain('internal/webstreams/readablestream')
        // What the SDK bundles load only when first used (scripts/bundle-lean.mjs: LAZY_BUILTINS), and the pacing's
        // clock (src/aws/pacing.ts) that does not read the global performance.
        for (const unused of ['zlib', 'fs/promises', 'perf_hooks']) expect(loaded, what).not.toContain(unused)
      }
    }
  })
})
