/**
 * Bulk enable, measured (issue 4): 1,000 functions on the local endpoint, updates settling in about
 * 1 s, 10% of all calls throttled. Compared with what a plain loop — one update, then one wait, per
 * function, with the same SDK waiter — takes on the same endpoint: the loop is timed on a sample and
 * scaled up, as running it over 1,000 functions would take the better part of an hour.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {LocalAws} from '../test/harness/local-aws.js'
import {installIam} from '../test/harness/local-iam.js'
import {installLambda} from '../test/harness/local-lambda.js'

export interface BulkResult {
  functions: number
  settleMs: number
  throttledShare: number
  concurrency: string
  wallMs: number
  calls: Record<string, number>
  throttledCalls: number
  summary: {changed: number; unchanged: number; skipped: number; failed: number}
  rerun: {wallMs: number; updateCalls: number; summary: {changed: number; unchanged: number; skipped: number; failed: number}}
  loop: {sample: number; perFunctionMs: number; estimatedMs: number}
  speedup: number
}

function runCli(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ms: number; stdout: string; code: number | null; stderr: string}> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, [bin, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ms: Number(process.hrtime.bigint() - started) / 1e6, stdout, code, stderr}))
  })
}

function countCalls(aws: LocalAws, since: number): {calls: Record<string, number>; throttled: number} {
  const calls: Record<string, number> = {}
  let throttled = 0
  for (const request of aws.requests.slice(since)) {
    calls[request.operation] = (calls[request.operation] ?? 0) + 1
    if (request.fault === 'throttle') throttled++
  }
  return {calls, throttled}
}

export async function benchBulk(bin: string, env: NodeJS.ProcessEnv, options: {functions?: number; loopSample?: number} = {}): Promise<BulkResult> {
  const total = options.functions ?? 1000
  const sample = options.loopSample ?? 20
  const settleMs = 1000
  const aws = new LocalAws()
  const iam = installIam(aws)
  const lambda = installLambda(aws, {settleMs, canWriteXRay: (role) => iam.canWriteXRay(role)})
  iam.addRole('app-role', {attached: ['arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess']})
  const role = 'arn:aws:iam::123456789012:role/app-role'
  for (let i = 0; i < total; i++) lambda.add(`fn-${String(i).padStart(4, '0')}`, {Role: role})
  for (let i = 0; i < sample; i++) lambda.add(`loop-${String(i).padStart(3, '0')}`, {Role: role})
  await aws.start()
  aws.inject({kind: 'throttle', probability: 0.1})
  const state = mkdtempSync(join(tmpdir(), 'xtrace-bench-state-'))
  const cliEnv = {...env, XDG_STATE_HOME: state}
  try {
    // The plain loop, with the SDK in this process: update, then wait, one function after another.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    const {LambdaClient, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2} = await import('@aws-sdk/client-lambda')
    const client = new LambdaClient({region: 'us-east-1', endpoint: aws.url, credentials: {accessKeyId: 'a', secretAccessKey: 'b'}, maxAttempts: 5})
    const loopStarted = process.hrtime.bigint()
    for (let i = 0; i < sample; i++) {
      const name = `loop-${String(i).padStart(3, '0')}`
      await client.send(new UpdateFunctionConfigurationCommand({FunctionName: name, TracingConfig: {Mode: 'Active'}}))
      await waitUntilFunctionUpdatedV2({client, maxWaitTime: 300, minDelay: 1, maxDelay: 5}, {FunctionName: name})
    }
    const perFunctionMs = Number(process.hrtime.bigint() - loopStarted) / 1e6 / sample
    client.destroy()

    const before = aws.requests.length
    const first = await runCli(bin, ['enable', '--match', 'fn-*', '--yes', '--json', '--endpoint-url', aws.url], cliEnv)
    if (first.code !== 0) throw new Error(`bulk enable exited ${first.code}: ${first.stderr.slice(0, 500)}`)
    const {calls, throttled} = countCalls(aws, before)
    const summary = (JSON.parse(first.stdout) as {summary: BulkResult['summary']}).summary

    const beforeRerun = aws.requests.length
    const second = await runCli(bin, ['enable', '--match', 'fn-*', '--yes', '--json', '--endpoint-url', aws.url], cliEnv)
    const rerunCalls = countCalls(aws, beforeRerun).calls
    const rerunSummary = (JSON.parse(second.stdout) as {summary: BulkResult['summary']}).summary

    const estimatedMs = perFunctionMs * total
    return {
      functions: total,
      settleMs,
      throttledShare: 0.1,
      concurrency: 'default (25)',
      wallMs: Math.round(first.ms),
      calls,
      throttledCalls: throttled,
      summary,
      rerun: {wallMs: Math.round(second.ms), updateCalls: rerunCalls.UpdateFunctionConfiguration ?? 0, summary: rerunSummary},
      loop: {sample, perFunctionMs: Math.round(perFunctionMs), estimatedMs: Math.round(estimatedMs)},
      speedup: Math.round((estimatedMs / first.ms) * 10) / 10,
    }
  } finally {
    await aws.stop()
    rmSync(state, {recursive: true, force: true})
  }
}
