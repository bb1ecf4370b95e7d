import {readFileSync} from 'node:fs'

import {debugRequested, jsonRequested, writeJson} from './io.js'
import {Interrupts} from './interrupts.js'
import {leanParse} from './lean-parse.js'
import type {LeanSpec} from './lean-spec.js'
import type {CommandRun} from './run/command-run.js'
import {watchStandardStreams} from './standard-streams.js'

export {exitWhenWritten} from './exit.js'

/**
 * The lean entry: runs a command without loading oclif (~100 ms of start-up), when its command line is
 * one the lean parser reads exactly as oclif would (lean-parse.ts). Anything else — help, a parse
 * error, a flag it does not model — goes to oclif, untouched: `runLean` then returns false having
 * printed nothing. XTRACE_LEAN=0 turns it off (the tests compare both paths byte for byte).
 */

/** A command body of cli/run/, typed loosely here: the lean parser's flags are the command's own (lean-spec.ts). */
export type Body = (command: CommandRun<never>) => Promise<unknown>

/**
 * The commands the lean entry runs. Each gets its own bundle, dist/lean/<id>.cjs (scripts/bundle-lean.mjs),
 * holding this module and the body exported as `run<Id>` from cli/run/<id>.ts; bin/run.cjs requires the
 * bundle when there is one for the command named. write-lean-spec.ts writes their flags.
 */
export const LEAN_COMMANDS = ['show', 'traces', 'status', 'tail', 'stats', 'map', 'enable', 'disable', 'restore', 'doctor'] as const

/** Thrown by the lean `parse` when oclif has to parse instead. */
class NeedsOclif extends Error {}

export function leanSpecs(): Record<string, LeanSpec> | undefined {
  try {
    return JSON.parse(readFileSync(new URL('../lean-spec.json', import.meta.url), 'utf8')) as Record<string, LeanSpec>
  } catch {
    return undefined
  }
}

/** Runs `args` (the command's id first) with `body`; false, having printed nothing, when oclif has to run it. */
export async function runLean(args: readonly string[], body: Body, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const [id, ...argv] = args
  if (env.XTRACE_LEAN === '0' || id === undefined) return false
  // oclif answers --help anywhere before `--`; the lean parser gives up at `--` anyway.
  if (argv.includes('--help')) return false
  const spec = leanSpecs()?.[id]
  if (!spec) return false
  // Before anything writes: output to a pipe or a file then needs no stream (standard-streams.ts).
  watchStandardStreams()
  const json = jsonRequested(argv, env)
  const interrupts = new Interrupts()
  try {
    const result = await body({
      argv,
      json,
      bin: spec.bin,
      interrupts,
      parse: async (words) => {
        const lean = leanParse(words, spec)
        if (!lean) throw new NeedsOclif()
        return lean as never
      },
    })
    // In oclif's order (base-command.ts): the body's output, then a signal only ends the process, then the JSON.
    interrupts.reportWritten()
    if (result && json) writeJson(result)
  } catch (error) {
    if (error instanceof NeedsOclif) {
      interrupts.release()
      return false
    }
    // Loaded on failure only: it brings the AWS error texts.
    const {reportCommandError} = await import('./report-error.js')
    reportCommandError(error as Error, {json, debug: debugRequested(argv, env), flagNames: spec.flags.map((flag) => flag.name), helpCommand: `${spec.bin} ${id} --help`})
    interrupts.reportWritten()
  }
  return true
}
