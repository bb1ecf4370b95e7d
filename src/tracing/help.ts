/** Help text shared by the commands that change tracing. */
export const CHANGE_EXIT_CODES =
  'EXIT CODES\n  0    every selected function ends in the requested mode\n  1    a function failed or was skipped, a name was not found, or an AWS call failed\n  2    usage error (including a bulk change without a terminal and without --yes)\n  130  interrupted (Ctrl-C): what changed is reported, and `xtrace restore` undoes it'
