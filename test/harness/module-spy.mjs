// Loaded with `node --import`: records every module resolved in the process into the file named by
// XTRACE_MODULE_SPY, so tests can check that offline paths never load the AWS SDK. ES modules are seen
// by a resolve hook, which writes synchronously from the loader thread, so nothing is lost when the CLI
// exits; CommonJS ones (the entry, the lean bundle and what it requires) by wrapping require's resolver.
import {appendFileSync} from 'node:fs'
import Module, {register} from 'node:module'

const out = process.env.XTRACE_MODULE_SPY
if (out) {
  register(
    'data:text/javascript,' +
      encodeURIComponent(`
        import {appendFileSync} from 'node:fs'
        let file
        export function initialize(data) { file = data.file }
        export async function resolve(specifier, context, next) {
          const result = await next(specifier, context)
          appendFileSync(file, result.url + '\\n')
          return result
        }`),
    {data: {file: out}},
  )
  const resolveFilename = Module._resolveFilename
  Module._resolveFilename = function (...args) {
    const filename = resolveFilename.apply(this, args)
    appendFileSync(out, `${filename}\n`)
    return filename
  }
}
