// Rendered help, cached. `xtrace --help` and `xtrace <command> --help` cost ~120 ms of loading oclif
// to print text that only changes with the installed version, the terminal width and colour. The first
// call per (version, width, colour) renders through oclif and keeps the text in the user's cache
// directory (0600); later calls print it without loading oclif. XTRACE_NO_HELP_CACHE=1 turns it off.
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {standardOutput} from '../dist/cli/standard-streams.js'
import {xtraceDirectory} from '../dist/util/xdg.js'

const HELP_FLAGS = new Set(['--help', '-h'])
const WORD = /^[a-z][a-z-]*$/

/** The help request in argv (its cache name), or undefined when argv is not only a help request. */
export function helpRequest(args) {
  const shape =
    (args.length === 1 && (HELP_FLAGS.has(args[0]) || args[0] === 'help')) ||
    (args.length === 2 && WORD.test(args[0]) && HELP_FLAGS.has(args[1])) ||
    (args.length === 2 && args[0] === 'help' && WORD.test(args[1]))
  return shape ? args.join('_').replace(/[^a-z_-]/gi, '') : undefined
}

/**
 * Whether the help is the CLI's or one of its own commands' (the manifest's), and so worth keeping:
 * asked only before rendering, as only such texts are ever cached.
 */
export function isOwnHelp(args, root) {
  const command = args.find((arg) => WORD.test(arg) && arg !== 'help')
  if (!command) return true
  try {
    const {commands} = JSON.parse(readFileSync(new URL('oclif.manifest.json', root), 'utf8'))
    return command in commands
  } catch {
    return false
  }
}

function cacheDirectory(env) {
  return join(xtraceDirectory('cache', env), 'help')
}

/**
 * Everything the rendered text depends on; the manifest's size and status-change time stand for the build. Not its
 * modification time: npm packs every file with the same one (1985-10-26), and tar, `cp -p` and reproducible builds
 * keep whatever they are given, so a reinstall of the same version with other help texts of the same length kept the
 * old key and printed the old text. Nothing but the kernel sets ctime, at any write of the file (every install writes
 * the manifest, every build makes it anew): src/cli/code-cache.ts names its caches the same way, for the same reason.
 */
export function helpCacheFile(request, root, env = process.env, stdout = standardOutput) {
  if (env.XTRACE_NO_HELP_CACHE) return undefined
  try {
    const {version} = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
    const manifest = statSync(new URL('oclif.manifest.json', root))
    const width = stdout.isTTY ? stdout.columns : 'pipe'
    const colour = [stdout.isTTY, env.NO_COLOR, env.FORCE_COLOR, env.TERM, env.COLUMNS, env.OCLIF_COLUMNS].join(',')
    const key = [version, Math.round(manifest.ctimeMs * 1000), manifest.size, request, width, colour].join('|')
    let hash = 0
    for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0
    return join(cacheDirectory(env), `${version}-${request}-${width}-${(hash >>> 0).toString(16)}.txt`)
  } catch {
    return undefined
  }
}

export function readHelp(file) {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** Tees stdout while oclif renders; returns a function that stores the text if all went well. */
export function captureHelp(file) {
  const chunks = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (chunk, ...rest) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return write(chunk, ...rest)
  }
  return () => {
    process.stdout.write = write
    if (process.exitCode && process.exitCode !== 0) return
    const text = chunks.join('')
    if (!text) return
    try {
      mkdirSync(join(file, '..'), {recursive: true, mode: 0o700})
      writeFileSync(file, text, {mode: 0o600})
    } catch {
      // a cache, not a requirement
    }
  }
}
