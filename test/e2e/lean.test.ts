import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {fixture, ROOT, runCli} from '../harness/cli.js'
import {readFixture} from '../harness/fixtures.js'
import {LocalAws} from '../harness/local-aws.js'

// `xtrace show` runs through the lean entry (src/cli/lean.ts) when its command line allows, through
// oclif otherwise, and XTRACE_LEAN=0 forces oclif: both must print the same bytes, exit the same way.

const scratch = mkdtempSync(join(tmpdir(), 'xtrace-lean-'))
const aws = new LocalAws()
const TRACE = '1-59602603-23fc5b688855d396af79b496'
const COLD_START = join(ROOT, 'examples/lambda-cold-start.json')
const CHECKOUT = join(ROOT, 'examples/checkout-streamed.json')
const SPY = join(ROOT, 'test/harness/module-spy.mjs')

beforeAll(async () => {
  await aws.start()
  const response = JSON.parse(readFixture('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json')) as {Traces: {Segments: {Document: string}[]}[]}
  aws.addDocuments(response.Traces.flatMap((trace) => trace.Segments.map((segment) => segment.Document)))
  writeFileSync(join(scratch, 'broken.json'), '{"Traces": [')
})
afterAll(() => aws.stop())

interface Case {
  args: string[]
  env?: Record<string, string>
  input?: string
}

const cases = (): Case[] => [
  {args: ['--file', COLD_START]},
  {args: ['-f', CHECKOUT, '--json']},
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

/** --debug's stack trace ends in the frames of whichever entry ran the command: those alone may differ. */
function entryFramesOut(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^\s+at .*(@oclif\/core|bin\/run\.js|dist\/cli\/lean\.js)/.test(line))
    .join('\n')
}

describe('the lean entry of xtrace show', () => {
  it('prints the same bytes and exits the same way as oclif, on every input', async () => {
    for (const {args, env = {}, input} of cases()) {
      const [lean, oclif] = await Promise.all([
        runCli(['show', ...args], {env, ...(input === undefined ? {} : {input})}),
        runCli(['show', ...args], {env: {...env, XTRACE_LEAN: '0'}, ...(input === undefined ? {} : {input})}),
      ])
      const what = `show ${args.join(' ')}`
      expect(lean.stdout, what).toBe(oclif.stdout)
      expect(entryFramesOut(lean.stderr), what).toBe(entryFramesOut(oclif.stderr))
      expect(lean.code, what).toBe(oclif.code)
    }
  })

  it('runs show --file without oclif or the AWS SDK, and show ID without oclif', async () => {
    const loaded = async (args: string[], env: Record<string, string> = {}) => {
      const spy = join(scratch, `modules-${args.length}-${Object.keys(env).length}.txt`)
      writeFileSync(spy, '')
      const result = await runCli(['show', ...args], {env: {...env, NODE_OPTIONS: `--import ${SPY}`, XTRACE_MODULE_SPY: spy}})
      expect(result.code).toBe(0)
      return readFileSync(spy, 'utf8')
    }
    const offline = await loaded(['--file', fixture('xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json')])
    expect(offline).toContain('/dist/cli/run/show.js')
    expect(offline).not.toContain('@oclif/core')
    expect(offline).not.toContain('@aws-sdk')
    const fetched = await loaded([TRACE], {AWS_ENDPOINT_URL: aws.url})
    expect(fetched).toContain('@aws-sdk/client-xray')
    expect(fetched).not.toContain('@oclif/core')
    // Forced onto oclif's path, the same command does load it: the check above can fail.
    expect(await loaded(['--file', COLD_START], {XTRACE_LEAN: '0'})).toContain('@oclif/core')
  })
})
