import {Command, Flags} from '@oclif/core'

import {Interrupts} from './interrupts.js'
import {debugRequested, printToStderr, warnAll, writeJson} from './io.js'
import {reportCommandError} from './report-error.js'
import type {CommandRun} from './run/command-run.js'

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

  /** What a body shared with the lean entry (cli/run/) gets from this command; `parse` is the command's own. */
  protected bodyRun<Flags>(parse: CommandRun<Flags>['parse']): CommandRun<Flags> {
    return {argv: this.argv, json: this.jsonEnabled(), bin: this.config.bin, interrupts: this.interrupts, parse}
  }

  protected override logJson(json: unknown): void {
    writeJson(json)
  }

  protected printToStderr(message: string): void {
    printToStderr(message)
  }

  protected warnAll(warnings: string[], limit = 20): void {
    warnAll(warnings, limit)
  }

  /** Ctrl-C and SIGTERM for commands that change AWS (interrupts.ts): one mechanism for all of them. */
  protected readonly interrupts = new Interrupts()

  protected override async finally(error: Error | undefined): Promise<unknown> {
    this.interrupts.reportWritten()
    return super.finally(error)
  }

  protected get debugEnabled(): boolean {
    return debugRequested(this.argv)
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}; code?: string}): Promise<unknown> {
    // this.exit() throws an ExitError: let it through untouched.
    if (error.code === 'EEXIT' || error.oclif?.exit === 0) throw error
    reportCommandError(error, {
      json: this.jsonEnabled(),
      debug: this.debugEnabled,
      flagNames: Object.keys((this.constructor as typeof XtraceCommand).flags ?? {}),
      helpCommand: `${this.config.bin} ${this.id ?? ''} --help`.replace(/\s+--help$/, ' --help'),
    })
    return undefined
  }
}

