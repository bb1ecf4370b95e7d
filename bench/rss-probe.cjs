// Loaded with `node -r`: at exit, appends the process's peak resident set size (KiB) to the file named by
// XTRACE_RSS_OUT, a line a process. Used by bench/run.ts to measure peak memory of one CLI run. A run that hands
// a big input to a capped child (src/cli/capped-child.ts) is two processes, each writing its line: the bench adds
// them, as the two are alive at once (an upper bound of their peak together).
// CommonJS, not an ES module loaded with --import: on Node 24 a preload that imports node:fs as an ES module added
// ~40 MB to the peak of a 100,000-node drawing with its young generation capped (198 against 157 MB; an empty ES
// module or this file, none), so the probe measured itself.
const out = process.env.XTRACE_RSS_OUT
if (out) process.on('exit', () => require('node:fs').appendFileSync(out, `${process.resourceUsage().maxRSS}\n`))
