import {createServer as createHttpServer, type Server as HttpServer} from 'node:http'
import {createServer, type Server, type Socket} from 'node:net'
import type {AddressInfo} from 'node:net'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {roleArn, STACK_TRACE, startLocalAccount} from '../harness/account.js'
import {runCli, startCli} from '../harness/cli.js'

/**
 * Endpoints that are not AWS, through the binary: one that accepts connections and never answers
 * (a stuck proxy, a firewall that swallows packets after the handshake) must not hang any command,
 * and one that answers with something else (a 404 with an empty body, an HTML page) must be named.
 */

let silent: Server
let silentUrl: string
const sockets = new Set<Socket>()
let html: HttpServer
let htmlUrl: string

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.resume()
  })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
  html = createHttpServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url?.includes('Traces')) {
        res.writeHead(404)
        res.end()
      } else {
        res.writeHead(502, {'content-type': 'text/html'})
        res.end('<html><body>Bad gateway</body></html>')
      }
    })
  })
  await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve))
  htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => silent.close(() => resolve()))
  await new Promise<void>((resolve) => html.close(() => resolve()))
})

// One second to answer and two attempts keep each run to a few seconds; the defaults are 5 s and 20 s.
const quick = {XTRACE_READ_TIMEOUT: '1', AWS_MAX_ATTEMPTS: '2'}

describe('an endpoint that accepts and never answers', () => {
  let operation: string
  let state: string
  beforeAll(async () => {
    // A real change on the local endpoint, so that restore has something to put back.
    const account = await startLocalAccount()
    state = account.state
    account.lambda.add('api', {Role: roleArn('traced-role')})
    const enabled = await runCli(['enable', 'api', '--json', '--endpoint-url', account.aws.url], {env: {XDG_STATE_HOME: state, XTRACE_POLL_SECONDS: '0.2'}})
    operation = (JSON.parse(enabled.stdout) as {operation: string}).operation
    await account.aws.stop()
  })

  it.concurrent.each([
    ['show', ['show', '1-5759e988-bd862e3fe1be46a994272793']],
    ['status', ['status']],
    ['enable', ['enable', 'api']],
    ['disable', ['disable', 'api']],
    ['restore', ['restore', '__OPERATION__', '--yes']],
    ['doctor', ['doctor', 'api']],
    ['traces', ['traces', 'api']],
    ['show --function', ['show', '--function', 'api']],
  ])('%s fails within the timeout, naming the endpoint, and exits 1', async (_name, args) => {
    const started = Date.now()
    const result = await runCli([...args.map((arg) => (arg === '__OPERATION__' ? operation : arg)), '--endpoint-url', silentUrl], {
      env: {...quick, XDG_STATE_HOME: state},
      timeoutMs: 30_000,
    })
    expect(result.signal).toBeNull()
    expect(result.code).toBe(1)
    expect(result.stdout + result.stderr).toMatch(new RegExp(`no answer from ${silentUrl.replaceAll('.', '\\.')} after \\d+(\\.\\d)? s \\(1 s to answer, 2 attempts\\)`))
    expect(result.stdout + result.stderr).toMatch(/(Try|fix): check the network, the region and any --endpoint-url \/ AWS_ENDPOINT_URL; if the endpoint is only slow, allow it more time with --cli-read-timeout SECONDS/)
    expect(result.stdout + result.stderr).not.toMatch(STACK_TRACE)
    // Several calls may each wait (doctor asks STS first and stops there), never forever.
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('tail keeps trying a silent endpoint, says so once, and ends on Ctrl-C', async () => {
    const run = startCli(['tail', '--interval', '1s', '--endpoint-url', silentUrl], {env: quick})
    while (!run.output().stderr.includes('retrying')) await new Promise((resolve) => setTimeout(resolve, 50))
    run.child.kill('SIGINT')
    const result = await run.exited
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(new RegExp(`note: no answer from ${silentUrl.replaceAll('.', '\\.')} after [\\d.]+ s \\(1 s to answer, 2 attempts\\); retrying, every \\d+ s at most, until it answers`))
    expect(result.stderr.match(/retrying/g)).toHaveLength(1)
    expect(result.stderr.trimEnd().split('\n').pop()).toBe('0 traces seen: 0 with errors, 0 with faults, 0 throttled, cold starts not looked at (--with-docs)')
  })

  it('--cli-read-timeout sets the wait, and the JSON error says the same', async () => {
    const result = await runCli(['show', '1-5759e988-bd862e3fe1be46a994272793', '--endpoint-url', silentUrl, '--cli-read-timeout', '1', '--json'], {env: {AWS_MAX_ATTEMPTS: '1'}})
    expect(result.code).toBe(1)
    const json = JSON.parse(result.stdout) as {error: {code: string; message: string; suggestions: string[]}}
    expect(json.error.code).toBe('TIMEOUT')
    expect(json.error.message).toMatch(/^no answer from http:\/\/127\.0\.0\.1:\d+ after 1(\.\d)? s \(1 s to answer\)$/)
  })
})

describe('an endpoint that answers with something that is not AWS', () => {
  it('a 404 with an empty body names the endpoint, the status and the likely cause', async () => {
    const result = await runCli(['show', '1-5759e988-bd862e3fe1be46a994272793', '--endpoint-url', htmlUrl], {env: {AWS_MAX_ATTEMPTS: '1'}})
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `error: ${htmlUrl} answered xray:BatchGetTraces with something that is not an AWS response (HTTP 404)\n` +
        `Try: check --endpoint-url / AWS_ENDPOINT_URL (now ${htmlUrl}): it may point at something other than AWS (a proxy, an emulator without this call)\n`,
    )
  })

  it('an HTML error page from a proxy is not taken for an AWS error', async () => {
    const result = await runCli(['doctor', 'api', '--endpoint-url', htmlUrl, '--json'], {env: {AWS_MAX_ATTEMPTS: '1'}})
    expect(result.code).toBe(1)
    const json = JSON.parse(result.stdout) as {checks: {id: string; status: string; message: string}[]}
    expect(json.checks[0]).toMatchObject({id: 'account.credentials', status: 'fail', message: `${htmlUrl} answered sts:GetCallerIdentity with something that is not an AWS response (HTTP 502)`})
  })
})
