#!/usr/bin/env node
// CommonJS on purpose: on Node 20 an ES module entry starts the ESM loader (~10 ms before any of our code
// runs). A command the lean entry runs loads its one CommonJS bundle (dist/lean/<id>.cjs, built by
// scripts/bundle-lean.mjs) and never starts it, nor does a cached --help; everything else goes through oclif,
// as ES modules.
const args = process.argv.slice(2)

// `xtrace --version` answers without loading oclif (~90 ms of start-up); the text matches oclif's own.
if (args.length === 1 && args[0] === '--version') {
  const {version} = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, '../package.json'), 'utf8'))
  writeOut(`xtrace/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  void main()
}

async function main() {
  // Node 22.1+ caches compiled modules on disk: most of a CLI's start-up is module loading.
  require('node:module').enableCompileCache?.()
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
  if (cached !== undefined) {
    writeOut(cached)
    return
  }
  stopQuietlyOnClosedPipe()
  const store = file && help.isOwnHelp(args, root) ? help.captureHelp(file) : undefined
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
 * A reader that stops early (`xtrace show … | head`) closes the pipe, and the rest of the output has
 * nowhere to go. Node ignores SIGPIPE, so each later write would fail with EPIPE and the first one end the
 * process on an unhandled 'error' with a stack trace. Instead the output stops quietly and the command
 * finishes as it would (a change in flight is still seen through and journaled; stderr still works).
 */
function stopQuietlyOnClosedPipe() {
  process.stdout.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error
  })
}

/**
 * Text written to fd 1 directly, for the answers that need nothing else (--version, a cached --help):
 * making process.stdout a stream costs ~4 ms on a pipe, a sixth of Node's own start. A closed pipe
 * (EPIPE) ends the output quietly, as above; a pipe that is full (EAGAIN, when the reader set it
 * non-blocking) hands the rest to process.stdout, which waits for it to drain.
 */
function writeOut(text) {
  const bytes = require('node:buffer').Buffer.from(text, 'utf8')
  const fs = require('node:fs')
  let written = 0
  try {
    while (written < bytes.length) written += fs.writeSync(1, bytes, written)
  } catch (error) {
    if (error.code === 'EPIPE') return
    if (error.code !== 'EAGAIN') throw error
    stopQuietlyOnClosedPipe()
    process.stdout.write(bytes.subarray(written))
  }
}

/**
 * The lean entry's bundle for the command named (src/cli/lean.ts: LEAN_COMMANDS), if it has one; undefined
 * when oclif runs the command. Looked up by file, so that the list of lean commands is kept in one place.
 */
function leanEntry(words) {
  const id = words[0]
  if (id === undefined || !/^[a-z]+$/.test(id)) return undefined
  // Help is oclif's (or the help cache's) in any case: not worth loading a bundle to find that out.
  const end = words.indexOf('--')
  if (words.slice(0, end === -1 ? undefined : end).some((word) => word === '--help' || word === '-h')) return undefined
  const bundle = require('node:path').join(__dirname, '../dist/lean', `${id}.cjs`)
  return require('node:fs').existsSync(bundle) ? require(bundle) : undefined
}
