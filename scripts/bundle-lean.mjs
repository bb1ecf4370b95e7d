// Build step (after tsc and write-lean-spec): bundles the lean entry of each command it runs
// (LEAN_COMMANDS in src/cli/lean.ts) into one CommonJS file, dist/lean/<id>.cjs: the lean entry, the
// command's body (cli/run/<id>.ts, exporting run<Id>) and what they import, chalk included. Loading one
// file instead of ~25 ES modules is most of what is left of start-up once oclif is out of the way; one
// bundle per command keeps `show --file` from compiling the code of `status`. The AWS SDK and oclif
// stay outside, and so does yaml (read only for a stack's YAML template): they are loaded only on the
// paths that need them, from node_modules, as before (with require, their CommonJS builds).
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

const common = {bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning', plugins: [lazyTtyForChalk]}

await Promise.all([
  // The help cache's reader too: a cached --help then starts no ESM loader either.
  build({...common, entryPoints: [new URL('bin/help-cache.js', root).pathname], outfile: new URL('dist/lean/help-cache.cjs', root).pathname}),
  // How bin/run.cjs writes --version and a cached --help, and gives stdout its EPIPE rule (src/cli/standard-streams.ts).
  build({...common, entryPoints: [new URL('dist/cli/standard-streams.js', root).pathname], outfile: new URL('dist/lean/standard-streams.cjs', root).pathname}),
  // The code caches a lean run compiles its bundle and the SDK with (src/cli/code-cache.ts), set up before either loads.
  build({...common, entryPoints: [new URL('dist/cli/code-cache.js', root).pathname], outfile: new URL('dist/lean/code-cache.cjs', root).pathname}),
  // node:http2 deferred for the AWS SDK (src/cli/lazy-http2.ts), set up before any command can load the SDK.
  build({...common, entryPoints: [new URL('dist/cli/lazy-http2.js', root).pathname], outfile: new URL('dist/lean/lazy-http2.cjs', root).pathname}),
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
      outfile: new URL(`dist/lean/${id}.cjs`, root).pathname,
      external: ['@aws-sdk/*', '@smithy/*', '@oclif/*', 'yaml'],
      // import.meta means nothing in CommonJS: the bundle's own URL stands in (lean.ts finds lean-spec.json next to it).
      banner: {js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;"},
      define: {'import.meta.url': 'importMetaUrl'},
      // Their import() becomes require(): the SDK's CommonJS build loads ~45 ms sooner than its ES build (show ID,
      // traces), and a lean run still never starts the ESM loader. Nothing compares SDK classes by identity
      // (errors are told apart by name), so the oclif path's ES copy and this one behave alike.
      supported: {'dynamic-import': false},
    }),
  ),
])
