/** Help text shared by the commands that change tracing (lines kept short: oclif wraps at 80 on a pipe). */
export const CHANGE_EXIT_CODES = [
  'EXIT CODES',
  '  0    every selected function ends in the requested mode',
  '  1    a function failed or was skipped, an account or region could not be reached, or a name or an AWS call failed',
  '  2    usage error (also: a bulk change without a terminal and without --yes)',
  '  130  Ctrl-C: what changed is reported; xtrace restore undoes it',
].join('\n')
