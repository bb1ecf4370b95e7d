/**
 * Searching and following traces (issue 11), against the local endpoint on 127.0.0.1 holding generated
 * Lambda traffic: listing 10,000 traces (wall time, peak memory), `traces FN` next to the AWS CLI's
 * `get-trace-summaries` with the same filter on the same endpoint, and `tail` following 20,000 traces
 * stored while it runs (peak memory: the dedupe set must not grow with them).
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {LocalAws} from '../test/harness/local-aws.js'
import {generateTraffic} from '../test/harness/traffic.js'

export interface TailResult {
  traces: number
  printed: number
  wallMs: number
  peakRssMb: number
  /** The same run with V8's old space held to 64 MB: it completes, so the working set is bounded. */
  capped?: {printed: number; peakRssMb: number}
}

export async function withTraffic<T>(count: number, body: (url: string, aws: LocalAws) => Promise<T>, functions?: string[]): Promise<T> {
  const aws = new LocalAws()
  aws.summariesPerPage = 100
  await aws.start()
  const now = Date.now() / 1000
  const traffic = generateTraffic({count, seed: 1, start: now - 5 * 3600, end: now - 60, ...(functions ? {functions} : {})})
  for (const documents of traffic.documents.values()) aws.addDocuments(documents)
  try {
    return await body(aws.url, aws)
  } finally {
    await aws.stop()
  }
}

/** `xtrace tail --json` while 20,000 traces are stored behind it, 1,000 a second. */
export async function benchTail(bin: string, env: NodeJS.ProcessEnv, probe: string, total = 20_000): Promise<TailResult> {
  const aws = new LocalAws()
  aws.summariesPerPage = 100
  await aws.start()
  const scratch = mkdtempSync(join(tmpdir(), 'xtrace-tail-'))
  const rss = join(scratch, 'rss.txt')
  const started = Date.now()
  const child = spawn(process.execPath, [bin, 'tail', '--json', '--interval', '1s', '--overlap', '5s', '--since', '0s', '--endpoint-url', aws.url], {
    env: {...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} -r ${probe}`.trim(), XTRACE_RSS_OUT: rss},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let printed = 0
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk.split('\n').length - 1))
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  const traffic = generateTraffic({count: total, seed: 2, start: Date.now() / 1000 - 30, end: Date.now() / 1000})
  const traces = [...traffic.documents.values()]
  for (let i = 0; i < traces.length; i += 1000) {
    for (const documents of traces.slice(i, i + 1000)) aws.addDocuments(documents)
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  const deadline = Date.now() + 60_000
  while (printed < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
  const wallMs = Date.now() - started
  child.kill('SIGINT')
  await exited
  await aws.stop()
  const peak = peakRssMb(rss)
  rmSync(scratch, {recursive: true, force: true})
  return {traces: total, printed, wallMs, peakRssMb: peak}
}

/** The peak RSS bench/rss-probe.cjs wrote, in MB: the processes' peaks added (a run's capped child is a second one). */
export function peakRssMb(file: string): number {
  const peaks = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map(Number)
  return Math.round(peaks.reduce((sum, kb) => sum + kb, 0) / 1024)
}
