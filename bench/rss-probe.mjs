// Loaded with `node --import`: at exit, appends the process's peak resident set size (KiB) to the file named by
// XTRACE_RSS_OUT, a line a process. Used by bench/run.ts to measure peak memory of one CLI run. A run that hands
// a big input to a capped child (src/cli/capped-child.ts) is two processes, each writing its line: the bench adds
// them, as the two are alive at once (an upper bound of their peak together).
import {appendFileSync} from 'node:fs'

const out = process.env.XTRACE_RSS_OUT
if (out) process.on('exit', () => appendFileSync(out, `${process.resourceUsage().maxRSS}\n`))
