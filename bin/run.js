#!/usr/bin/env node
const args = process.argv.slice(2)
// `xtrace --version` answers without loading oclif (~90 ms of start-up); the text matches oclif's own.
if (args.length === 1 && args[0] === '--version') {
  const {readFileSync} = await import('node:fs')
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`xtrace/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else if (await runsLean(args)) {
  const {exitWhenWritten} = await import('../dist/cli/exit.js')
  await exitWhenWritten()
} else {
  // Help is cached once rendered (bin/help-cache.js): later --help calls skip loading oclif.
  const help = await import('./help-cache.js')
  const root = new URL('../', import.meta.url)
  const request = help.helpRequest(args)
  const file = request ? help.helpCacheFile(request, root) : undefined
  const cached = file ? help.readHelp(file) : undefined
  if (cached !== undefined) {
    process.stdout.write(cached)
  } else {
    const store = file && help.isOwnHelp(args, root) ? help.captureHelp(file) : undefined
    await cacheCompiledModules()
    const {execute} = await import('@oclif/core')
    await execute({dir: import.meta.url})
    store?.()
    // Ending by process.exit() rather than by draining the event loop: when Node ends by draining, its
    // teardown closes the signal handles first, which gives SIGINT back its default action, and a
    // Ctrl-C landing in that window, after the report, killed the process by signal (exit 130 instead
    // of the run's own code). process.exit() leaves the handlers in place to the end.
    const {exitWhenWritten} = await import('../dist/cli/exit.js')
    await exitWhenWritten()
  }
}

/**
 * Commands the lean entry can run without oclif (LEAN_COMMANDS in src/cli/lean.ts, checked here by name so
 * that other commands do not pay for importing it); false when oclif has to.
 */
async function runsLean(args) {
  if (args[0] !== 'show') return false
  await cacheCompiledModules()
  const {runLean} = await import('../dist/cli/lean.js')
  return runLean(args)
}

/** Node 22.1+ caches compiled modules on disk: most of a CLI's start-up is module loading. */
async function cacheCompiledModules() {
  const {enableCompileCache} = await import('node:module')
  enableCompileCache?.()
}
