import {ExitCode, UsageError, XtraceError} from '../errors.js'

type Confirm = (typeof import('@inquirer/confirm'))['default']

/**
 * Consent for changes. On a terminal: a y/N question on stderr (stdout stays for results).
 * Without one and without --yes: refuse, as gh does, rather than guess.
 */
export async function confirmChange(question: string, options: {yes: boolean; what: string}): Promise<boolean> {
  if (options.yes) return true
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError(`--yes required when not running interactively (${options.what})`, [
      'check the plan with --dry-run, then run again with --yes',
    ], 'CONFIRMATION_REQUIRED')
  }
  // Its ES build's default export; a lean bundle (CommonJS) gets its CommonJS build, whose whole exports object is the default.
  const {default: loaded} = (await import('@inquirer/confirm')) as {default: Confirm | {default: Confirm}}
  const confirm = typeof loaded === 'function' ? loaded : loaded.default
  try {
    return await confirm({message: question, default: false}, {output: process.stderr})
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError') {
      throw new XtraceError('interrupted: nothing was changed', {code: 'INTERRUPTED', exit: ExitCode.interrupted, suggestions: ['run the command again when you are ready']})
    }
    throw error
  }
}
