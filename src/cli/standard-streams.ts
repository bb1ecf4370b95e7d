import {fstatSync, writeSync} from 'node:fs'

/**
 * Standard output without a stream where none is needed. Node makes process.stdout (and stderr) on first
 * use; on a pipe that loads node:net and the stream machinery, and node:tty is loaded to ask whether fd 1
 * is a terminal: ~3 ms together, an eighth of what `show --file` of a small trace costs in all. The lean
 * entry writes to a pipe or a file with writeSync instead, which also keeps a slow reader's backlog in
 * the pipe rather than in memory. A terminal gets the stream, and so does everything once the stream
 * exists (whoever made it): writes then keep their order.
 */

type Name = 'stdout' | 'stderr'

let watching = false
const made = new Set<Name>()
/** Streams whose reader went away: what is left to write there is dropped. */
const closed = new Set<Name>()

/**
 * From now on, notes when process.stdout or process.stderr is made, and gives stdout, when made, the
 * answer to a reader that went away. A reader that stops early (`xtrace show … | head`) closes the pipe,
 * and the rest of the output has nowhere to go; Node ignores SIGPIPE, so each later write would fail with
 * EPIPE and the first one end the process on an unhandled 'error' with a stack trace. Instead the output
 * stops quietly and the command finishes as it would (a change in flight is still seen through and
 * journaled; stderr still works). Called by the lean entry and by bin/run.cjs before anything writes.
 */
export function watchStandardStreams(): void {
  if (watching) return
  watching = true
  for (const name of ['stdout', 'stderr'] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name)
    if (!descriptor?.get || !descriptor.configurable) {
      made.add(name)
      continue
    }
    const get = descriptor.get
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: descriptor.enumerable ?? false,
      get() {
        const stream = get.call(process) as NodeJS.WriteStream
        if (!made.has(name)) {
          made.add(name)
          if (name === 'stdout') stream.on('error', stopQuietlyOnClosedPipe)
        }
        return stream
      },
    })
  }
}

/**
 * Whether a write to stdout failed because its reader went away: EPIPE, or ECONNRESET when stdout is a socket
 * (a Node parent's `spawn` pipes are socketpairs) and the reader closed it with output still unread, which Linux
 * reports to a writer blocked at that moment.
 */
export function readerWentAway(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ECONNRESET'
}

function stopQuietlyOnClosedPipe(error: NodeJS.ErrnoException): void {
  if (!readerWentAway(error)) throw error
}

/** The standard streams that exist, which are the ones that may still hold output: all of them unless watched. */
export function madeStandardStreams(): NodeJS.WriteStream[] {
  if (!watching) return [process.stdout, process.stderr]
  return [...made].map((name) => process[name])
}

/** Linux's character devices of major 1 are memory devices (/dev/null, /dev/zero…), never a terminal. */
const LINUX_MEMORY_DEVICES = 1

/**
 * Whether `fd` is a terminal; node:tty is loaded only for a character device that may be one: output
 * sent to /dev/null (`> /dev/null`, and what hyperfine does by default) is decided without it.
 */
export function isTerminal(fd: number): boolean {
  try {
    const stat = fstatSync(fd)
    if (!stat.isCharacterDevice()) return false
    if (process.platform === 'linux' && ((stat.rdev >>> 8) & 0xfff) === LINUX_MEMORY_DEVICES) return false
  } catch {
    return false
  }
  // getBuiltinModule rather than an import: no cost until here, and no import.meta, which the CommonJS
  // bundles of bin/help-cache.js and the lean entry do not all have.
  return process.getBuiltinModule('node:tty').isatty(fd)
}

/**
 * What output decisions need of stdout (is it a terminal, how wide), without making the stream for a pipe.
 * What fd 1 is does not change during a run: it is asked once.
 */
export const standardOutput: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'> = {
  get isTTY() {
    return toTerminal('stdout')
  },
  get columns() {
    return process.stdout.columns
  },
}

const FD: Readonly<Record<Name, number>> = {stdout: 1, stderr: 2}
const terminal: Partial<Record<Name, boolean>> = {}

/** Whether a stream goes to a terminal: asked once a run, as what fds 1 and 2 are does not change during one. */
function toTerminal(name: Name): boolean {
  return (terminal[name] ??= isTerminal(FD[name]))
}

function streaming(name: Name): boolean {
  return !watching || made.has(name) || toTerminal(name)
}

/**
 * Writes `text` to a standard stream: through the stream if there is one (or a terminal), else straight to its fd.
 * A reader that went away ends what is written there, quietly; a non-blocking pipe that is full hands the rest, and
 * every later write, to the stream, which waits for it to drain.
 */
function writeTo(name: Name, text: string): void {
  if (closed.has(name)) return
  if (streaming(name)) {
    process[name].write(text)
    return
  }
  const bytes = Buffer.from(text, 'utf8')
  let written = 0
  try {
    while (written < bytes.length) written += writeSync(FD[name], bytes, written)
  } catch (error) {
    if (readerWentAway(error as NodeJS.ErrnoException)) {
      closed.add(name)
      return
    }
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
    process[name].write(bytes.subarray(written))
  }
}

/** Writes `text` to stdout (see writeTo). */
export function writeStdout(text: string): void {
  writeTo('stdout', text)
}

/**
 * Writes `text` to stderr (see writeTo). Making process.stderr on a pipe costs ~1 ms (and node:net, where nothing
 * else loads it): spent by every run that printed a warning or a note, for one line.
 */
export function writeStderr(text: string): void {
  writeTo('stderr', text)
}

/** The reader went away (`| head`): nothing more is worth drawing. */
export function stdoutClosed(): boolean {
  return closed.has('stdout') || (made.has('stdout') || !watching ? process.stdout.destroyed : false)
}
