// Loaded with `node --import`: at exit, writes the process's peak resident set size (KiB) to the
// file named by XTRACE_RSS_OUT. Used by bench/run.ts to measure peak memory of one CLI run.
import {writeFileSync} from 'node:fs'

const out = process.env.XTRACE_RSS_OUT
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)))
