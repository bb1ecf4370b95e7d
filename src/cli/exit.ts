import {madeStandardStreams} from './standard-streams.js'

/**
 * Ends the process once stdout and stderr are written. process.exit() on its own drops whatever a pipe
 * has not taken yet: a reader slower than xtrace (a test harness, `| jq` on a busy machine) got a JSON
 * report cut off in the middle.
 */
export async function exitWhenWritten(code?: number): Promise<never> {
  const written = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (stream.writableLength === 0 || stream.destroyed) resolve()
      else stream.write('', () => resolve())
    })
  await Promise.all(madeStandardStreams().map(written))
  // process.exit(undefined) would clear process.exitCode (Node counts the argument, not its value).
  if (code === undefined) process.exit()
  process.exit(code)
}
