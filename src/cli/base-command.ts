import {Command, Flags} from '@oclif/core'

import {describeForDebug, redactSecrets} from '../aws/errors.js'
import {ExitCode, XtraceError} from '../errors.js'
import {Interrupts} from './interrupts.js'
import {describeParseError} from './usage-errors.js'
import {sanitize} from '../text/sanitize.js'
import {safeJsonStringify} from '../text/json.js'

/**
 * What every xtrace command shares: `--json` (the value `run()` returns), `--debug`, and one
 * way of reporting errors — `error: <what happened>` and `Try: <next step>` on stderr, the
 * documented exit code, never a stack trace (unless --debug, and never a secret).
 */
export abstract class XtraceCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    // Replaces oclif's own --json flag (same name and behaviour), to say what it prints.
    json: Flags.boolean({description: 'print the result as JSON on stdout (schema in the README); errors too', helpGroup: 'GLOBAL'}),
    debug: Flags.boolean({description: 'show details of failures (never credentials)', helpGroup: 'GLOBAL'}),
  }

  /**
   * Plain, sanitised JSON on stdout: no colours, no raw control or bidi characters. Indented for a
   * person on a terminal, compact for a program on a pipe (indenting a deep trace grows quadratically).
   */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${safeJsonStringify(json, process.stdout.isTTY ? 2 : 0)}\n`)
  }

  /** Writes to stderr, also in --json mode (where stdout carries only JSON). */
  protected printToStderr(message: string): void {
    process.stderr.write(`${message}\n`)
  }

  protected warnAll(warnings: string[], limit = 20): void {
    for (const warning of warnings.slice(0, limit)) this.printToStderr(`warning: ${warning}`)
    if (warnings.length > limit) this.printToStderr(`warning: … and ${warnings.length - limit} more`)
  }

  /** Ctrl-C and SIGTERM for commands that change AWS (interrupts.ts): one mechanism for all of them. */
  protected readonly interrupts = new Interrupts()

  protected override async finally(error: Error | undefined): Promise<unknown> {
    this.interrupts.reportWritten()
    return super.finally(error)
  }

  protected get debugEnabled(): boolean {
    return this.argv.includes('--debug') || Boolean(process.env.XTRACE_DEBUG)
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}; code?: string}): Promise<unknown> {
    // this.exit() throws an ExitError: let it through untouched.
    if (error.code === 'EEXIT' || error.oclif?.exit === 0) throw error
    const known = error instanceof XtraceError
    const isParseError = !known && error.oclif?.exit === ExitCode.usage
    const exit = known ? error.exit : isParseError ? ExitCode.usage : ExitCode.failed
    const flagNames = Object.keys((this.constructor as typeof XtraceCommand).flags ?? {})
    const message = known ? error.message : isParseError ? describeParseError(error.message, flagNames) : `unexpected error: ${error.message}`
    const suggestions = known
      ? error.suggestions
      : isParseError
        ? [`${this.config.bin} ${this.id ?? ''} --help`.replace(/\s+--help$/, ' --help')]
        : ['run again with --debug for details, and report it if it persists']

    const lines = redactSecrets(message).split('\n')
    this.printToStderr(`error: ${lines[0]}`)
    for (const line of lines.slice(1)) this.printToStderr(line)
    for (const suggestion of suggestions) this.printToStderr(`Try: ${sanitize(suggestion)}`)
    if (this.debugEnabled) this.printToStderr(`debug: ${describeForDebug(error)}`)
    if (this.jsonEnabled() && !(known && error.jsonWritten)) {
      this.logJson({error: {code: known ? error.code : isParseError ? 'USAGE' : 'UNEXPECTED', message, suggestions}})
    }
    // Not this.exit(): oclif would end the process at once, before a pipe has taken all of the output.
    process.exitCode = exit
    return undefined
  }
}

