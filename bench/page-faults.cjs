// What a page fault costs on this machine, and how many a bare `node -e ''` takes: the first memory a process touches
// costs a fault a 4 KiB page, which is ~1 µs on most hardware but ~20 µs in some virtual machines (measured on the
// machines these benchmarks run on), where it is most of Node's own start-up. A ratio to `node -e ''` then says as much
// about the pages a run touches as about the work it does, which is why the same code gives other ratios elsewhere.
// Prints one line of JSON: {"usPerFault": …, "faults": …, "nodeFloorFaults": …}.
const {Buffer} = require('node:buffer')
const {execFileSync} = require('node:child_process')

const PAGE = 4096
const PAGES = 16_384
// Never touched yet: allocUnsafeSlow is a plain malloc, which the kernel backs with pages as they are first written.
const memory = Buffer.allocUnsafeSlow(PAGE * PAGES)
const before = process.resourceUsage().minorPageFault
const start = process.hrtime.bigint()
for (let page = 0; page < PAGES; page++) memory[page * PAGE] = 1
const ns = Number(process.hrtime.bigint() - start)
const faults = process.resourceUsage().minorPageFault - before

const floorScript = "process.on('exit', () => require('node:fs').writeSync(1, String(process.resourceUsage().minorPageFault)))"
const env = {...process.env}
delete env.NODE_EXTRA_CA_CERTS
const nodeFloorFaults = Number(execFileSync(process.execPath, ['-e', floorScript], {env, encoding: 'utf8'}))
process.stdout.write(`${JSON.stringify({usPerFault: Math.round(ns / 1000 / Math.max(1, faults) * 10) / 10, faults, nodeFloorFaults})}\n`)
