// V8 code caches for what a lean run loads (its bundle, the AWS SDK), made at the end of a run.
//
// Node's own compile cache (Node 22.1+) keeps what V8 compiled before a module ran: a file's top level.
// Most of a lean run's compiling is of functions compiled lazily as they are first called (the SDK's
// middleware, its endpoint rules and signing, the renderer), and a cache made from the script once the
// run is over holds those too. Node 20 has no compile cache at all. Measured (A/B, 21 runs, `show ID`
// against the local endpoint): Node 24 ~100 → ~88 ms, Node 20 ~98 → ~77 ms.
//
// One file per module in $XDG_CACHE_HOME/xtrace/code/<node version>-<arch>/ (0700, files 0600), named by
// the module's path, size and status-change time (ctime): an upgrade or a reinstall rewrites the files, and
// with them their names (the old ones are removed when the new are written). Not the modification time:
// tar, `cp -p`, Docker layers and reproducible builds set that to whatever they are told, while nothing but
// the kernel sets ctime, to the moment of any change. It matters because V8 checks only the source's
// length, not its text: a cache made from other code of the same length is taken, and runs that other
// code. V8 checks the rest (its version, its flags) and rejects a cache that does not fit: the module is
// then compiled from source and its cache made again. Caches are written only by a run that exits 0 and finds the directory an
// earlier run made (a home that lasts), through a temporary file renamed into place, so that a concurrent
// run reads a whole cache or none. A code cache is code: none is read from a directory that is not the
// user's own or that others can write to. XTRACE_NO_CODE_CACHE=1 turns it off.
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import Module from 'node:module'
import {basename, dirname, join} from 'node:path'
import {Script} from 'node:vm'

import {xtraceDirectory} from '../util/xdg.js'

interface Pending {
  file: string
  script: Script
}

/** Node's internals this relies on, as node:module has them since Node 0.x (not in its type definitions). */
interface LoadedModule {
  exports: unknown
  require(id: string): unknown
  _compile(content: string, filename: string, format?: string): unknown
}
interface ModuleInternals {
  prototype: LoadedModule
  wrap(content: string): string
  wrapper: string[]
  _resolveFilename(request: string, parent: LoadedModule, isMain: boolean, options?: unknown): string
  _extensions: unknown
  _cache: unknown
}

let installed = false

/**
 * Name of the cache file for a module: a hash of its path, then its size and status-change time (to the
 * microsecond). The hash comes first so that the caches of earlier builds of the same file can be found and removed.
 */
export function cacheFileName(filename: string, size: number, ctimeMs: number): string {
  // FNV-1a twice, from different offsets: 64 bits of name for a few hundred paths, without loading node:crypto.
  let a = 0x811c9dc5
  let b = 0x050c5d1f
  for (let i = 0; i < filename.length; i++) {
    const c = filename.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x01000193)
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}-${size}-${Math.round(ctimeMs * 1000)}`
}

/** The directory this Node's caches live in, or undefined when caching is off. */
export function codeCacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.XTRACE_NO_CODE_CACHE) return undefined
  try {
    return join(xtraceDirectory('cache', env), 'code', `${process.version}-${process.arch}`)
  } catch {
    return undefined
  }
}

/**
 * From now on, CommonJS modules are compiled with a code cache when one is kept for them, and those that
 * had none (or had one V8 rejected) get one written as the process exits. Called once, before the lean
 * bundle is required.
 */
export function useCodeCache(env: NodeJS.ProcessEnv = process.env): void {
  const directory = codeCacheDirectory(env)
  // Under a debugger Node's own loader stays, so that --inspect-brk stops where it should.
  const debugging = process.execArgv.some((flag) => flag.startsWith('--inspect')) || (env.NODE_OPTIONS ?? '').includes('--inspect')
  if (installed || debugging || directory === undefined || !isPrivate(directory)) return
  installed = true
  const internals = Module as unknown as ModuleInternals
  const original = internals.prototype._compile
  // Stack traces keep their columns: the wrapper's text is on the first line, before the module's own.
  const columnOffset = -internals.wrapper[0]!.length
  const pending: Pending[] = []

  internals.prototype._compile = function (this: LoadedModule, content: string, filename: string, format?: string) {
    // Node's own way for ES modules, for a script starting with #! (the wrapper would put it mid-line), and
    // for one that may call import(): a vm.Script needs a loader for that, and Node 20-24 call the one that
    // would do (vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER) experimental, with a warning on stderr.
    if ((format !== undefined && format !== 'commonjs') || content.startsWith('#!') || content.includes('import(')) return original.call(this, content, filename, format)
    let file: string
    try {
      const stats = statSync(filename)
      file = join(directory, cacheFileName(filename, stats.size, stats.ctimeMs))
    } catch {
      return original.call(this, content, filename, format)
    }
    let cachedData: Buffer | undefined
    try {
      cachedData = readFileSync(file)
    } catch {
      cachedData = undefined
    }
    let script: Script
    try {
      script = new Script(internals.wrap(content), {
        filename,
        columnOffset,
        ...(cachedData ? {cachedData} : {}),
      })
    } catch {
      // Not a script (Node 22+ may retry such a .js file as an ES module): Node's loader says what it is.
      return original.call(this, content, filename, format)
    }
    if (cachedData === undefined || script.cachedDataRejected) pending.push({file, script})
    const wrapper = script.runInThisContext({displayErrors: true}) as (...args: unknown[]) => unknown
    return wrapper.call(this.exports, this.exports, requireFor(this, internals), this, filename, dirname(filename))
  }

  process.once('exit', (code) => {
    // Only a run that did its job compiled the code later runs need (a usage error compiles next to nothing).
    if (pending.length === 0 || code !== 0) return
    let present: string[]
    try {
      if (!existsSync(directory)) {
        // The first run here only makes the directory: where each run starts afresh (a CI job, a container), writing
        // caches nobody will read would cost every run ~10-30 ms. The next run that finds it writes them.
        mkdirSync(directory, {recursive: true, mode: 0o700})
        return
      }
      present = readdirSync(directory)
    } catch {
      // A cache, not a requirement: a read-only disk, or a file in the way, only means compiling again next time.
      return
    }
    for (const {file, script} of pending) {
      const temporary = `${file}.${process.pid}.tmp`
      try {
        writeFileSync(temporary, script.createCachedData(), {mode: 0o600})
        renameSync(temporary, file)
      } catch {
        // A full disk, or (on Windows) a cache another run holds open: no half-written file is left behind.
        removeQuietly(temporary)
        continue
      }
      // The same module's caches from earlier builds (an upgrade, a reinstall) will never fit again.
      const name = basename(file)
      const path = name.slice(0, name.indexOf('-') + 1)
      for (const other of present) if (other.startsWith(path) && other !== name && !other.endsWith('.tmp')) removeQuietly(join(directory, other))
    }
  })
}

/** Removes a file if it can: this runs as the process exits, where a throw would end it with a stack trace. */
function removeQuietly(file: string): void {
  try {
    rmSync(file, {force: true})
  } catch {
    // left for the next run that writes here
  }
}

/**
 * Whether caches may be read from the directory: a code cache is code, so only from one that is the user's
 * own and that nobody else can write to (or that does not exist yet: it is then made 0700).
 */
function isPrivate(directory: string): boolean {
  try {
    const stats = statSync(directory)
    if (!stats.isDirectory()) return false
    return process.getuid === undefined || (stats.uid === process.getuid() && (stats.mode & 0o022) === 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
  }
}

/** The `require` a module's code is given, as Node's own loader makes it. */
function requireFor(module: LoadedModule, internals: ModuleInternals): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require
  const resolve = ((request: string, options?: unknown) => internals._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve
  resolve.paths = (request: string) => (Module as unknown as {_resolveLookupPaths(request: string, parent: LoadedModule): string[] | null})._resolveLookupPaths(request, module)
  require.resolve = resolve
  require.main = process.mainModule
  require.extensions = internals._extensions as NodeJS.Require['extensions']
  require.cache = internals._cache as NodeJS.Require['cache']
  return require
}
