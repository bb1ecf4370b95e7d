import {describeForDebug, redactSecrets} from '../aws/errors.js'
import {ExitCode, XtraceError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {printToStderr, writeJson} from './io.js'
import {describeParseError} from './usage-errors.js'

export interface ErrorContext {
  json: boolean
  debug: boolean
  /** The command's flag names, for "did you mean" on an unknown flag. */
  flagNames: readonly string[]
  /** e.g. `xtrace show --help`: where a usage error points. */
  helpCommand: string
}

/**
 * The one way every xtrace command reports a failure — `error: <what happened>` and `Try: <next step>`
 * on stderr, the documented exit code, never a stack trace (unless --debug, and never a secret) —
 * whether oclif ran the command or the lean entry did.
 */
export function reportCommandError(error: Error & {oclif?: {exit?: number}}, context: ErrorContext): void {
  const known = error instanceof XtraceError
  const isParseError = !known && error.oclif?.exit === ExitCode.usage
  const exit = known ? error.exit : isParseError ? ExitCode.usage : ExitCode.failed
  const message = known ? error.message : isParseError ? describeParseError(error.message, context.flagNames) : `unexpected error: ${error.message}`
  const suggestions = known ? error.suggestions : isParseError ? [context.helpCommand] : ['run again with --debug for details, and report it if it persists']

  const lines = redactSecrets(message).split('\n')
  printToStderr(`error: ${lines[0]}`)
  for (const line of lines.slice(1)) printToStderr(line)
  for (const suggestion of suggestions) printToStderr(`Try: ${sanitize(suggestion)}`)
  if (context.debug) printToStderr(`debug: ${describeForDebug(error)}`)
  if (context.json && !(known && error.jsonWritten)) {
    writeJson({error: {code: known ? error.code : isParseError ? 'USAGE' : 'UNEXPECTED', message, suggestions}})
  }
  // Not process.exit(): that would end the process before a pipe has taken all of the output.
  process.exitCode = exit
}
