import {statSync} from 'node:fs'

/**
 * Big saved traces are drawn by a second Node process whose young generation is capped, on the Node lines where
 * that pays. bin/run.cjs decides before it loads any command (this module is bundled alone, dist/lean/capped-child.cjs):
 * decided after the command line was parsed, the parent had loaded the whole of `show` for nothing (~30 ms of Node 24's
 * 100,000-node drawing, A/B 11 runs).
 *
 * Node 24's V8 (13.6) grows the young generation to far larger semi-spaces than Node 20's (11.3) and 22's (12.4)
 * did: drawing a 100,000-node trace (20 MB of JSON) held ~300 MB on Node 24 where ~70 MB is live, against ~180 MB on
 * Node 20 and ~230 MB on Node 22. `--max-semi-space-size` is read when V8 sets up its heap, and only then
 * (`v8.setFlagsFromString` at run time changes nothing), so the flag needs a process of its own. Measured on the
 * 100,000-node trace with a cap of 16 MB: Node 24 ~195 MB at the same speed; Node 20 and 22 no smaller, and ~30 ms
 * slower for the second start-up, so they draw in one process.
 */

/** Saved input at least this big (bytes, all files together) is drawn by the capped child. */
export const CAPPED_CHILD_MIN_BYTES = 8 * 1024 * 1024

/**
 * The cap, in MB a semi-space. Everything a drawing parses survives its first scavenges, and every page a bigger young
 * generation takes is a page first touched: on Node 24, 100,000 nodes in one process with the flag took 1.15–1.28 s at 4
 * MB (~157 MB, ~40,000 page faults), 1.18–1.38 s at 8, 1.28–1.42 s at 16 (~188 MB, ~47,500 faults), slower again at 1,
 * 2 and 32; 200,000 nodes 2.3 s and −18 MB at 4 against 16. Through the child, 4 against 16: −84 ms (A/B, 11 runs).
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=4'

/** The first V8 whose default young generation outgrows the cap (Node 24's). */
const FIRST_V8_WITH_BIG_YOUNG_GENERATION = 13

/**
 * `off`: draw in this process (the child itself gets it; a user may set it too); `on`: use a child whatever the
 * V8 (the tests use it on every Node line); unset: a child where the V8 needs it.
 */
const SWITCH = 'XTRACE_CAPPED_CHILD'

/**
 * The words of a `show` command line (after `show`) that may name its saved input: every word, and the value of each
 * `--flag=value`. Taken before the command line is parsed, so the flags' definitions stay with the command; a word
 * that names a file but is not input only sends to the child a drawing this process would have drawn the same.
 */
export function wordsNamingFiles(words: readonly string[]): string[] {
  return words.map((word) => (word.startsWith('--') && word.includes('=') ? word.slice(word.indexOf('=') + 1) : word))
}

/**
 * Runs `xtrace show <words>` in a capped child when its saved input is big enough (wantsCappedChild), settling with
 * the child's exit code; with undefined when this process should run the command itself.
 */
export async function runShowInCappedChild(words: readonly string[]): Promise<number | undefined> {
  return wantsCappedChild(wordsNamingFiles(words)) ? runInCappedChild() : undefined
}

/** Whether these files are big enough to be drawn by a capped child, and this process is not already one. */
export function wantsCappedChild(files: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const setting = env[SWITCH]
  if (setting === 'off') return false
  if (setting !== 'on' && Number(process.versions.v8.split('.')[0]) < FIRST_V8_WITH_BIG_YOUNG_GENERATION) return false
  const nodeArgs = [...process.execArgv, env.NODE_OPTIONS ?? '']
  // Already capped (or set otherwise) by the user: their choice stands.
  if (nodeArgs.some((arg) => arg.includes('semi-space-size'))) return false
  // Under a debugger the run stays in the process being debugged (a child would also ask for the same port).
  if (nodeArgs.some((arg) => arg.includes('--inspect'))) return false
  let bytes = 0
  for (const file of files) {
    if (file === '-' || file === '') continue
    try {
      const stats = statSync(file, {throwIfNoEntry: false})
      if (stats?.isFile()) bytes += stats.size
    } catch {
      // Unreadable: the run itself says so.
    }
  }
  return bytes >= CAPPED_CHILD_MIN_BYTES
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/**
 * Runs this same command line again in a capped child, sharing stdin, stdout and stderr, and settles with its
 * exit code; with undefined when no child could be started (then this process draws, uncapped, as before).
 * Signals sent to this process go to the child; Ctrl-C at a terminal reaches both, and this one waits for the
 * child instead of ending first. A child ended by a signal ends this process by the same signal.
 */
export async function runInCappedChild(execPath = process.execPath): Promise<number | undefined> {
  // Loaded here: every other run of the command does without them.
  const [{spawn}, {constants}] = await Promise.all([import('node:child_process'), import('node:os')])
  return new Promise((resolve, reject) => {
    const child = spawn(execPath, [...process.execArgv, SEMI_SPACE_FLAG, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: {...process.env, [SWITCH]: 'off'},
    })
    const forward = (signal: NodeJS.Signals) => {
      // At a terminal the child has it already (same process group); sent to this process alone, it has not.
      child.kill(signal)
    }
    const stopForwarding = () => {
      for (const signal of FORWARDED) process.off(signal, forward)
    }
    for (const signal of FORWARDED) process.on(signal, forward)
    child.on('error', (error) => {
      stopForwarding()
      // Not started (no process left, say; Node then gives the child no pid): nothing was printed, so this
      // process can still draw.
      if (child.pid === undefined) resolve(undefined)
      else reject(error)
    })
    child.on('exit', (code, signal) => {
      stopForwarding()
      if (signal) {
        process.kill(process.pid, signal)
        // Reached only if something else here handles that signal: then the shell's code for it.
        resolve(128 + (constants.signals[signal] ?? 0))
        return
      }
      resolve(code ?? 1)
    })
  })
}

