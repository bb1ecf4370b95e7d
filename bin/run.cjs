#!/usr/bin/env node
// CommonJS on purpose: on Node 20 an ES module entry starts the ESM loader (~10 ms before any of our code
// runs). A command the lean entry runs loads its one CommonJS bundle (dist/lean/<id>.cjs, built by
// scripts/bundle-lean.mjs) and never starts it, nor does a cached --help; everything else goes through oclif,
// as ES modules.
const args = process.argv.slice(2)

// `xtrace --version` answers without loading oclif (~90 ms of start-up); the text matches oclif's own.
if (args.length === 1 && args[0] === '--version') {
  const {version} = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, '../package.json'), 'utf8'))
  watchedStreams().writeStdout(`xtrace/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  void main()
}

async function main() {
  // Node 22.1+ caches compiled modules on disk: most of a CLI's start-up is module loading.
  require('node:module').enableCompileCache?.()
  // A big saved trace may be drawn by a second Node with a capped young generation (src/cli/capped-child.ts): decided
  // before any command loads, as this process then only waits for that one. It prints all of it, --json and errors
  // included; this process passes on how it ended, and has nothing of its own to write.
  if (args[0] === 'show' && !asksForHelp(args)) {
    const code = await require('../dist/lean/capped-child.cjs').runShowInCappedChild(args.slice(1))
    if (code !== undefined) process.exit(code)
  }
  const lean = leanEntry(args)
  // The lean entry gives stdout its EPIPE handling itself, when it makes the stream (src/cli/standard-streams.ts).
  if (lean && (await lean.run(args))) {
    await lean.exitWhenWritten()
    return
  }
  // Help is cached once rendered (bin/help-cache.js, bundled as CommonJS): later --help calls skip loading oclif.
  const help = require('../dist/lean/help-cache.cjs')
  const root = new URL('../', require('node:url').pathToFileURL(__filename))
  const request = help.helpRequest(args)
  const file = request ? help.helpCacheFile(request, root) : undefined
  const cached = file ? help.readHelp(file) : undefined
  const streams = watchedStreams()
  if (cached !== undefined) {
    streams.writeStdout(cached)
    return
  }
  const store = file && help.isOwnHelp(args, root) ? help.captureHelp(file) : undefined
  require('../dist/lean/lazy-http2.cjs').deferHttp2ForSdk()
  const {execute} = await import('@oclif/core')
  await execute({dir: __dirname})
  store?.()
  // Ending by process.exit() rather than by draining the event loop: when Node ends by draining, its
  // teardown closes the signal handles first, which gives SIGINT back its default action, and a
  // Ctrl-C landing in that window, after the report, killed the process by signal (exit 130 instead
  // of the run's own code). process.exit() leaves the handlers in place to the end.
  const {exitWhenWritten} = await import('../dist/cli/exit.js')
  await exitWhenWritten()
}

/**
 * Standard output as src/cli/standard-streams.ts keeps it: from here on stdout gets its EPIPE rule when it
 * is made, and --version and a cached --help write to fd 1 without making it (~4 ms on a pipe).
 */
function watchedStreams() {
  const streams = require('../dist/lean/standard-streams.cjs')
  streams.watchStandardStreams()
  return streams
}

/**
 * The lean entry's bundle for the command named (src/cli/lean.ts: LEAN_COMMANDS), if it has one; undefined
 * when oclif runs the command. Looked up by file, so that the list of lean commands is kept in one place.
 */
function leanEntry(words) {
  const id = words[0]
  if (id === undefined || !/^[a-z]+$/.test(id)) return undefined
  // Help is oclif's (or the help cache's) in any case: not worth loading a bundle to find that out.
  if (asksForHelp(words)) return undefined
  const bundle = require('node:path').join(__dirname, '../dist/lean', `${id}.cjs`)
  if (!require('node:fs').existsSync(bundle)) return undefined
  // Compiled with the code V8 kept from an earlier run, the SDK's too (src/cli/code-cache.ts).
  require('../dist/lean/code-cache.cjs').useCodeCache()
  // node:http2 needs no deferring here: the SDK bundles leave out the HTTP/2 handler, and a bundle that requires a client
  // from node_modules defers it first (scripts/bundle-lean.mjs).
  return require(bundle)
}

/** Whether the command line asks for help (`--help` or `-h` before any `--`). */
function asksForHelp(words) {
  const end = words.indexOf('--')
  return words.slice(0, end === -1 ? undefined : end).some((word) => word === '--help' || word === '-h')
}
