/**
 * Errors that xtrace reports to the user. Each carries an exit code and, where there is one,
 * the next thing to try. They are plain Errors (not oclif's CLIError) so that the pure core can
 * throw them without loading oclif; the base command turns them into one-line messages.
 */

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** Not an xtrace command (the shell's code for a command it cannot find). */
  notFound: 127,
  interrupted: 130,
} as const

export class XtraceError extends Error {
  readonly code: string
  readonly exit: number
  readonly suggestions: string[]
  /** The command already wrote its JSON document (closed with this error): none is printed for it. */
  readonly jsonWritten: boolean

  constructor(message: string, options: {code: string; exit?: number; suggestions?: string[]; cause?: unknown; jsonWritten?: boolean}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.code = options.code
    this.exit = options.exit ?? ExitCode.failed
    this.suggestions = options.suggestions ?? []
    this.jsonWritten = options.jsonWritten ?? false
  }
}

/** The command line itself is wrong: exit 2. */
export class UsageError extends XtraceError {
  constructor(message: string, suggestions: string[] = [], code = 'USAGE') {
    super(message, {code, exit: ExitCode.usage, suggestions})
  }
}

/** A file or stdin could not be read or understood: exit 1. */
export class InputError extends XtraceError {
  constructor(message: string, suggestions: string[] = [], code = 'BAD_INPUT') {
    super(message, {code, exit: ExitCode.failed, suggestions})
  }
}

/** An AWS call failed in a way the user can act on: exit 1. */
export class AwsCallError extends XtraceError {
  constructor(message: string, options: {code: string; suggestions?: string[]; cause?: unknown}) {
    super(message, {...options, exit: ExitCode.failed})
  }
}
