import {safeJsonChunks} from '../text/json.js'
import {standardOutput, stdoutClosed, writeStderr, writeStdout} from './standard-streams.js'

/**
 * What a command's body writes besides its main output, the same whichever entry started it: oclif's
 * (base-command.ts) or the lean one (lean.ts).
 */

/** A line on stdout, as oclif's `this.log` writes it; never in --json mode, where stdout carries only JSON (callers check). */
export function printToStdout(message: string): void {
  process.stdout.write(`${message}\n`)
}

/** Writes to stderr, also in --json mode (where stdout carries only JSON). */
export function printToStderr(message: string): void {
  writeStderr(`${message}\n`)
}

export function warnAll(warnings: string[], limit = 20): void {
  for (const warning of warnings.slice(0, limit)) printToStderr(`warning: ${warning}`)
  if (warnings.length > limit) printToStderr(`warning: … and ${warnings.length - limit} more`)
}

/**
 * Plain, sanitised JSON on stdout: no colours, no raw control or bidi characters. Indented for a
 * person on a terminal, compact for a program on a pipe (indenting a deep trace grows quadratically).
 */
export function writeJson(json: unknown): void {
  // Written as it is made: the text of a 100,000-node trace is never held whole.
  for (const chunk of safeJsonChunks(json, standardOutput.isTTY ? 2 : 0)) {
    // The reader went away (`| head`): nothing more is made for nobody.
    if (stdoutClosed()) return
    writeStdout(chunk)
  }
  writeStdout('\n')
}

/**
 * oclif's rule for `--json` (Command.jsonEnabled), for the lean entry, which has no oclif Command:
 * `--json` before any `--`, or XTRACE_CONTENT_TYPE=json.
 */
export function jsonRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.XTRACE_CONTENT_TYPE?.toLowerCase() === 'json') return true
  const json = argv.indexOf('--json')
  const passThrough = argv.indexOf('--')
  return json !== -1 && (passThrough === -1 || json < passThrough)
}

export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--debug') || Boolean(env.XTRACE_DEBUG)
}
