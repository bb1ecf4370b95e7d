import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {mkdtempSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

/** Runs the built CLI as a user would: `node bin/run.cjs …` in a subprocess. */

export const ROOT = resolve(import.meta.dirname, '../..')
export const BIN = join(ROOT, 'bin/run.cjs')

/** Whether util-linux `script` is here to give the CLI a pseudo-terminal, as a person at a shell would. */
export const HAS_SCRIPT = (() => {
  try {
    return statSync('/usr/bin/script').isFile()
  } catch {
    return false
  }
})()

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  input?: string
  cwd?: string
  timeoutMs?: number
  /** The entry to run instead of this checkout's bin/run.cjs (a copy of it, say). */
  bin?: string
  /** Options for Node itself, before the entry (V8 flags that NODE_OPTIONS does not take, say). */
  nodeArgs?: string[]
}

let madeHome: string | undefined
/** The HOME of this process's runs, made when first asked for: a module that only imports from here makes none. */
const testHome = () => (madeHome ??= mkdtempSync(join(tmpdir(), 'xtrace-home-')))

/**
 * A Node stack frame in output, what no error report of the CLI may contain: a named frame (`at fn (file:1:2)`) or an
 * anonymous one (`at /path/file.js:1:2`, `at node:internal/…:1:2`, `at file:///…:1:2`).
 */
export const STACK_TRACE = /\n\s+at (?:.+\(.+:\d+:\d+\)|(?:\/|file:\/\/|node:)\S*:\d+:\d+)/

/** An environment with dummy credentials and nothing from the developer's own AWS setup. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const home = testHome()
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'AKIAXTRACETESTKEY000',
    AWS_SECRET_ACCESS_KEY: 'xtrace/test/secret/key/0123456789abcdefABCD',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams
  /** What it printed so far. */
  output(): {stdout: string; stderr: string}
  /** Called with all of stdout each time more arrives (e.g. to send a signal at a given point). */
  onStdout(listener: (stdout: string) => void): void
  exited: Promise<CliResult>
}

/** Starts the CLI and hands back the process while it runs: for signals sent in the middle of a run. */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.bin ?? BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const listeners: ((stdout: string) => void)[] = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    for (const listener of listeners) listener(stdout)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<CliResult>((resolvePromise, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({code, signal, stdout, stderr})
    })
  })
  child.stdin.end(options.input ?? '')
  return {child, output: () => ({stdout, stderr}), onStdout: (listener) => listeners.push(listener), exited}
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).exited
}

export function fixture(path: string): string {
  return join(ROOT, 'test/fixtures', path)
}

/** Waits until the condition holds (checked as output arrives and every 50 ms), or fails after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
