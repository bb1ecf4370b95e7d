#!/usr/bin/env node
// `xtrace --version` answers without loading oclif (~90 ms of start-up); the text matches oclif's own.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  const {readFileSync} = await import('node:fs')
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`xtrace/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // Node 22.1+ caches compiled modules on disk: most of a CLI's start-up is module loading.
  const {enableCompileCache} = await import('node:module')
  enableCompileCache?.()
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
