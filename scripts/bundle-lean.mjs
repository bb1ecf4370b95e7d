// Build step (after tsc and write-lean-spec): bundles the lean entry of each command it runs
// (LEAN_COMMANDS in src/cli/lean.ts) into one CommonJS file, dist/lean/<id>.cjs: the lean entry, the
// command's body (cli/run/<id>.ts, exporting run<Id>) and what they import, chalk included. Loading one
// file instead of ~25 ES modules is most of what is left of start-up once oclif is out of the way; one
// bundle per command keeps `show --file` from compiling the code of `status`. oclif stays outside, and so
// does yaml (read only for a stack's YAML template): they are loaded only on the paths that need them, from
// node_modules, as before. The AWS SDK a command calls is bundled too, but in a file of its own that the
// command's bundle requires when it first imports the SDK (SDK_BUNDLES below); a client a command seldom
// calls (STS and Organizations, for --accounts) is left to node_modules.
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {build} from 'esbuild'

const root = new URL('../', import.meta.url)
const {LEAN_COMMANDS} = await import(new URL('dist/cli/lean.js', root).href)

// chalk's supports-color loads node:tty to ask isatty() as it loads: ~2 ms, spent for nothing on a pipe.
// It gets cli/tty-for-chalk.js, which loads node:tty only for a character device (only those can be terminals).
const lazyTtyForChalk = {
  name: 'lazy-tty-for-chalk',
  setup(build) {
    build.onResolve({filter: /^(node:)?tty$/}, (args) =>
      /supports-color/.test(args.importer) ? {path: new URL('dist/cli/tty-for-chalk.js', root).pathname} : undefined,
    )
  },
}

/**
 * Node built-ins the SDK loads as its bundle loads, though a run seldom or never calls them, given to it as stand-ins
 * that load the module at its first use (measured on Node 20: node:fs/promises ~1.9 ms, it loads readline and the file
 * watchers with it; node:zlib ~1.5 ms). The SDK reads its config files with fs/promises' readFile, on the way to every
 * command's first request: the stand-in reads them with node:fs, loaded already, which gives the same text and the same
 * errors. zlib's crc32 is read as the SDK loads (to choose a CRC-32 of its own or Node's): it is there on every Node
 * xtrace supports (20.15+), so the stand-in's crc32 loads zlib when first called. Every other name is a getter that loads
 * the module; the names are those of the Node that builds, so one only a newer Node has is missing (the SDK uses none: it runs on 20).
 */
const LAZY_BUILTINS = {
  'fs/promises': {
    readFile: `(path, options) => new Promise((resolve, reject) => require('node:fs').readFile(path, options, (error, data) => (error ? reject(error) : resolve(data))))`,
  },
  zlib: {crc32: `(...args) => require('node:zlib').crc32(...args)`},
}
async function lazyBuiltinSource(name) {
  const {default: real} = await import(`node:${name}`)
  const own = LAZY_BUILTINS[name]
  const lines = [`let real`, `const load = () => (real ??= require(${JSON.stringify(`node:${name}`)}))`, `const lazy = {}`]
  for (const key of Object.keys(real).sort()) {
    if (key in own) lines.push(`lazy[${JSON.stringify(key)}] = ${own[key]}`)
    else lines.push(`Object.defineProperty(lazy, ${JSON.stringify(key)}, {enumerable: true, get: () => load()[${JSON.stringify(key)}]})`)
  }
  return [...lines, `module.exports = lazy`].join('\n')
}
const lazyBuiltinsForSdk = {
  name: 'lazy-builtins-for-sdk',
  setup(build) {
    const names = Object.keys(LAZY_BUILTINS).map((name) => name.replace('/', '\\/'))
    build.onResolve({filter: new RegExp(`^(node:)?(${names.join('|')})$`)}, (args) =>
      /node_modules\/@(aws-sdk|smithy|aws-crypto)\//.test(args.importer) ? {path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin'} : undefined,
    )
    build.onLoad({filter: /.*/, namespace: 'lazy-builtin'}, async (args) => ({contents: await lazyBuiltinSource(args.path), loader: 'js'}))
  },
}

const common = {bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning', plugins: [lazyTtyForChalk], absWorkingDir: new URL('.', root).pathname}

// The AWS SDK of the lean commands, one file per set of clients, dist/lean/<name>.cjs: of the clients named, the names
// xtrace's modules import, what those need (@smithy/core, the credential providers, ...), and the rest of the SDK our
// own code imports (@aws-sdk/core/protocols for json-body.ts), one copy of each. Bundled from the SDK's ES builds, so
// that what none of it uses is left out (the clients' other commands, the CBOR and XML protocols, the HTTP/2 handler),
// and from one file rather than ~25 resolved one by one in node_modules. Measured against the SDK's CommonJS files from
// node_modules (A/B, paired): show ID -19 ms (Node 20) and -25 ms (Node 24), status -64 / -73 ms (docs/DEVELOPMENT.md).
// A client not named here for a command still works, loaded from node_modules (with its own copy of the SDK's core);
// the module-spy test (test/e2e/lean.test.ts) fails when a lean command's run loads any.
//
// `later`: clients whose code runs at the first import of them rather than when the bundle loads. status calls IAM,
// tagging and CloudFormation only once Lambda has listed the functions, while it waits on Lambda's quota for their
// configurations; run at start, their modules (~12 ms) came before its first request.
const SDK_BUNDLES = {
  'sdk-xray': {clients: ['xray'], later: [], commands: ['show', 'traces', 'tail', 'stats', 'map']},
  'sdk-status': {clients: ['lambda', 'iam', 'resource-groups-tagging-api', 'cloudformation'], later: ['iam', 'resource-groups-tagging-api', 'cloudformation'], commands: ['status', 'enable', 'disable', 'restore']},
  // doctor reads every part of an account: STS (who the credentials are), X-Ray (where segments go, sampling, traffic) as well.
  'sdk-doctor': {clients: ['lambda', 'iam', 'xray', 'sts', 'resource-groups-tagging-api', 'cloudformation'], later: ['resource-groups-tagging-api', 'cloudformation'], commands: ['doctor']},
}
const sdkBundleOf = (id) => Object.keys(SDK_BUNDLES).find((name) => SDK_BUNDLES[name].commands.includes(id))
const isSdk = /^@(aws-sdk|smithy)\//
const clientOf = (specifier) => /^@aws-sdk\/client-([a-z0-9-]+)$/.exec(specifier)?.[1]

/**
 * The names a module imports from `specifier`, as tsc writes its imports (`import {A, B as b} from '…'`, and
 * `const {A, B: b} = await import('…')`), or '*' when the module names the specifier in any other way (a namespace, a
 * comment): the SDK bundle then exports the whole module, bigger but never short of a name.
 */
function importedNames(source, specifier) {
  const quoted = `['"]${specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]`
  const names = new Set()
  const mentions = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*${quoted}|const\\s*\\{([^}]*)\\}\\s*=\\s*await\\s+import\\(\\s*${quoted}\\s*\\)|${quoted}`, 'g')
  for (const [, statically, dynamically] of source.matchAll(mentions)) {
    const list = statically ?? dynamically
    if (list === undefined) return '*'
    for (const item of list.split(',')) {
      const name = item.trim().split(/\s+as\s+|\s*:\s*/)[0]
      if (!/^[A-Za-z_$][\w$]*$/.test(name ?? '')) {
        if (item.trim() !== '') return '*'
      } else names.add(name)
    }
  }
  return names
}

/**
 * In a command's bundle, an import of the SDK becomes a require of its SDK bundle (or of node_modules, for a
 * client that bundle does not hold). `used` collects, by specifier, the names each SDK bundle has to export.
 */
const sdkFromBundle = (id, used) => ({
  name: 'sdk-from-bundle',
  setup(build) {
    const bundle = sdkBundleOf(id)
    build.onResolve({filter: isSdk}, (args) => {
      const client = clientOf(args.path)
      if (bundle === undefined || (client !== undefined && !SDK_BUNDLES[bundle].clients.includes(client))) {
        // From node_modules, whose HTTP handler requires node:http2 as it loads: node:http2 is deferred first
        // (src/cli/lazy-http2.ts), here rather than at every lean start, where it cost ~2 ms for nothing.
        return args.namespace === 'sdk-node-modules' ? {path: args.path, external: true} : {path: args.path, namespace: 'sdk-node-modules'}
      }
      const names = importedNames(readFileSync(args.importer, 'utf8'), args.path)
      const sofar = used[bundle].get(args.path) ?? new Set()
      used[bundle].set(args.path, names === '*' || sofar === '*' ? '*' : new Set([...sofar, ...names]))
      return {path: args.path, namespace: 'sdk-bundle', pluginData: {bundle}}
    })
    build.onLoad({filter: /.*/, namespace: 'sdk-bundle'}, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`./${args.pluginData.bundle}.cjs`)}).modules[${JSON.stringify(args.path)}]`,
      loader: 'js',
    }))
    build.onResolve({filter: /^\.\/sdk-[a-z]+\.cjs$/}, (args) => (args.namespace === 'sdk-bundle' ? {path: args.path, external: true} : undefined))
    build.onLoad({filter: /.*/, namespace: 'sdk-node-modules'}, (args) => ({
      contents: `require('./lazy-http2.cjs').deferHttp2ForSdk()\nmodule.exports = require(${JSON.stringify(args.path)})`,
      loader: 'js',
    }))
    build.onResolve({filter: /^\.\/lazy-http2\.cjs$/}, (args) => (args.namespace === 'sdk-node-modules' ? {path: args.path, external: true} : undefined))
  },
})

const used = Object.fromEntries(Object.keys(SDK_BUNDLES).map((name) => [name, new Map()]))
await Promise.all([
  // The help cache's reader too: a cached --help then starts no ESM loader either.
  build({...common, entryPoints: [new URL('bin/help-cache.js', root).pathname], outfile: new URL('dist/lean/help-cache.cjs', root).pathname}),
  // How bin/run.cjs writes --version and a cached --help, and gives stdout its EPIPE rule (src/cli/standard-streams.ts).
  build({...common, entryPoints: [new URL('dist/cli/standard-streams.js', root).pathname], outfile: new URL('dist/lean/standard-streams.cjs', root).pathname}),
  // The code caches a lean run compiles its bundle and the SDK with (src/cli/code-cache.ts), set up before either loads.
  build({...common, entryPoints: [new URL('dist/cli/code-cache.js', root).pathname], outfile: new URL('dist/lean/code-cache.cjs', root).pathname}),
  // node:http2 deferred for the AWS SDK (src/cli/lazy-http2.ts): set up by bin/run.cjs before oclif loads, and by a lean
  // bundle before it requires a client from node_modules (sdkFromBundle).
  build({...common, entryPoints: [new URL('dist/cli/lazy-http2.js', root).pathname], outfile: new URL('dist/lean/lazy-http2.cjs', root).pathname}),
  // Whether `show` hands its saved input to a capped child, and that child (src/cli/capped-child.ts): decided by
  // bin/run.cjs before any command's bundle loads.
  build({...common, entryPoints: [new URL('dist/cli/capped-child.js', root).pathname], outfile: new URL('dist/lean/capped-child.cjs', root).pathname}),
  ...LEAN_COMMANDS.map((id) =>
    build({
      stdin: {
        contents: [
          `import {runLean} from './lean.js'`,
          `import {run${id[0].toUpperCase()}${id.slice(1)} as body} from './run/${id}.js'`,
          `export {exitWhenWritten} from './lean.js'`,
          `export const run = (args) => runLean(args, body)`,
        ].join('\n'),
        resolveDir: new URL('dist/cli/', root).pathname,
        sourcefile: `lean-${id}.js`,
        loader: 'js',
      },
      ...common,
      plugins: [...common.plugins, sdkFromBundle(id, used)],
      outfile: new URL(`dist/lean/${id}.cjs`, root).pathname,
      // @inquirer/confirm too: only a change that asks at a terminal loads it (cli/prompt.ts), ~100 KB a bundle otherwise.
      external: ['@oclif/*', 'yaml', '@inquirer/*'],
      // import.meta means nothing in CommonJS: the bundle's own URL stands in (lean.ts finds lean-spec.json next to it).
      banner: {js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;"},
      define: {'import.meta.url': 'importMetaUrl'},
      // Their import() becomes require(): of the SDK bundle, or of a client's CommonJS build from node_modules (~45 ms
      // sooner than its ES build), and a lean run never starts the ESM loader. Nothing compares SDK classes by identity
      // (errors are told apart by name), so the oclif path's copy of the SDK and this one behave alike.
      supported: {'dynamic-import': false},
    }),
  ),
])

/** What an SDK bundle exports, by specifier (sorted): the names the commands' bundles import from it, sorted, or '*' for all of it. */
const exportsOf = (specifiers) =>
  Object.fromEntries([...specifiers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([specifier, names]) => [specifier, names === '*' ? '*' : [...names].sort()]))

/** A module whose `modules` holds, by specifier, what `listed` ([specifier, names] of exportsOf) names; `more` adds members. */
function modulesSource(listed, more = []) {
  const imports = listed.map(([specifier, names], i) =>
    names === '*' ? `import * as m${i} from ${JSON.stringify(specifier)}` : `import {${names.map((name) => `${name} as m${i}_${name}`).join(', ')}} from ${JSON.stringify(specifier)}`,
  )
  const modules = listed.map(([specifier, names], i) => `${JSON.stringify(specifier)}: ${names === '*' ? `m${i}` : `{${names.map((name) => `${name}: m${i}_${name}`).join(', ')}}`}`)
  return [...imports, `export const modules = {${[...modules, ...more].join(', ')}}`].join('\n')
}

const LATER = 'sdk-later'

/**
 * An SDK bundle's entry (`entry`) and the module of its later clients (`later`, empty when it has none): `modules`, by
 * specifier, each with what `exports` (exportsOf) names, a later client's behind a getter that requires `later`.
 */
function sdkEntry(exports, laterClients) {
  const isLater = ([specifier]) => laterClients.includes(clientOf(specifier))
  const listed = Object.entries(exports)
  const later = listed.filter(isLater)
  if (later.length === 0) return {entry: modulesSource(listed), later: undefined}
  const getters = later.map(([specifier]) => `get ${JSON.stringify(specifier)}() { return laterModules()[${JSON.stringify(specifier)}] }`)
  const entry = `import {laterModules} from ${JSON.stringify(LATER)}\n${modulesSource(listed.filter((item) => !isLater(item)), getters)}`
  return {entry, later: modulesSource(later)}
}

/** Modules given as text, by name (`text-module:<name>`, or just the name for `bare`), resolved from dist/ (where node_modules is). */
const textModules = (texts, bare = []) => ({
  name: 'text-modules',
  setup(build) {
    build.onResolve({filter: /^text-module:/}, (args) => ({path: args.path.slice('text-module:'.length), namespace: 'text-module'}))
    for (const name of bare) build.onResolve({filter: new RegExp(`^${name}$`)}, () => ({path: name, namespace: 'text-module'}))
    build.onLoad({filter: /.*/, namespace: 'text-module'}, (args) => ({contents: texts[args.path], loader: 'js', resolveDir: new URL('dist/', root).pathname}))
  },
})

/**
 * dist/lean/<name>.cjs, in two passes. The first, to ES modules split into chunks, tree-shakes the SDK (from its ES
 * builds: what the clients do not use is left out, which their CommonJS builds do not allow) and keeps what only the
 * later clients use in chunks of their own. The second joins the chunks into one CommonJS file, in which a chunk that
 * is required (the later clients', and the credential providers' that the SDK loads with import()) runs at its first
 * require, not as the file loads. (A single pass cannot do both: esbuild includes all of a module that is required.)
 */
async function buildSdkBundle(name, exports) {
  const {entry, later} = sdkEntry(exports, SDK_BUNDLES[name].later)
  // Inside dist/, a path of its own: the second pass names each chunk by its path, and a temporary folder's random
  // name would make every build's bundle differ.
  const chunks = new URL(`dist/lean/.chunks-${name}/`, root).pathname
  rmSync(chunks, {recursive: true, force: true})
  try {
    const {metafile} = await build({
      ...common,
      entryPoints: {main: 'text-module:entry', ...(later ? {later: 'text-module:later'} : {})},
      plugins: [...common.plugins, lazyBuiltinsForSdk, textModules({entry, later})],
      format: 'esm',
      splitting: true,
      outdir: chunks,
      outExtension: {'.js': '.mjs'},
      external: [LATER],
      mainFields: ['module', 'main'],
      // Fewer bytes to read and to hold as a string: ~30% of the SDK's text is indentation and comments.
      minifyWhitespace: true,
      metafile: true,
    })
    await build({
      ...common,
      entryPoints: [join(chunks, 'main.mjs')],
      plugins: [textModules({[LATER]: `export const laterModules = () => require(${JSON.stringify(join(chunks, 'later.mjs'))}).modules`}, [LATER])],
      minifyWhitespace: true,
      outfile: new URL(`dist/lean/${name}.cjs`, root).pathname,
      // Their import() becomes require(), as in the commands' bundles: the credential providers are loaded when the
      // credential chain reaches them, and a bundle that calls import() would not get a code cache (src/cli/code-cache.ts).
      supported: {'dynamic-import': false},
    })
    return metafile
  } finally {
    rmSync(chunks, {recursive: true, force: true})
  }
}

// Each SDK bundle exports, by specifier, what of the SDK its commands' bundles import from it.
const sdkBundles = await Promise.all(
  Object.entries(used).map(async ([name, specifiers]) => {
    const exports = exportsOf(specifiers)
    return [name, {exports, metafile: await buildSdkBundle(name, exports)}]
  }),
)
// What each SDK bundle holds, for the tests (and for whoever wonders why a bundle is the size it is).
const packageOf = (path) => /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(path)?.[1]
/** Bytes of the bundle each package's code takes, largest first (a package whose code was all shaken out is not listed). */
function bytesByPackage(metafile) {
  const bytes = {}
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, {bytesInOutput}] of Object.entries(output.inputs)) {
      const name = packageOf(path)
      if (name !== undefined && bytesInOutput > 0) bytes[name] = (bytes[name] ?? 0) + bytesInOutput
    }
  }
  return Object.fromEntries(Object.entries(bytes).sort(([, a], [, b]) => b - a))
}
writeFileSync(
  new URL('dist/lean/sdk-bundles.json', root),
  `${JSON.stringify(
    Object.fromEntries(
      sdkBundles.map(([name, {exports, metafile}]) => [name, {...SDK_BUNDLES[name], exports, packages: bytesByPackage(metafile)}]),
    ),
    null,
    2,
  )}\n`,
)
