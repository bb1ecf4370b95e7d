/**
 * A drawing that is over before V8's optimising compiler (TurboFan) can pay for itself is drawn with TurboFan off.
 *
 * A drawing's functions (the tree's lines, labels, widths) run hot within the first few hundred nodes, and V8
 * then hands them to TurboFan on a background thread: ~30 ms of compiling for the line builder alone on these
 * machines. A drawing of a few thousand nodes is done before that code is ready; the compile thread took its
 * share of the two cores meanwhile, and the process waits for the compile to finish before it can exit.
 * Measured (`show --file`, A/B, 21–31 runs each):
 *
 * | nodes | Node 20 (V8 11.3) | Node 24 (V8 13.6) |
 * | ---: | ---: | ---: |
 * | 300 | ±0 (TurboFan has not started) | |
 * | 600 | −15 ms | |
 * | 1,000 | 66 → 49 ms | 54 → 55 ms |
 * | 3,000 | −20 ms | −1.5 ms |
 * | 10,000 | ±0 | −20 ms |
 * | 30,000 | +120 ms | ±0 |
 *
 * Node 24 has Maglev, a quicker optimising tier that stays on, which is why TurboFan pays later there. Since a line
 * costs less to make (2026-12-07: its guide measured once a parent, no wrapper a row), TurboFan has less to win on
 * Node 24 and the window is about even there (6,000 nodes −1 ms, 18,000 −7 ms; 21 and 15 runs); Node 20 still gains
 * (1,400 nodes −32 ms, 3,000 −26 ms).
 *
 * V8 keys its code caches (src/cli/code-cache.ts) to its flags, and whether switching a flag back restores that
 * key depends on the V8: on Node 20's and Node 24's it does, on Node 22's (12.4) it does not, and every cache
 * made after the drawing was then rejected by the next run. So this is done only on the V8s listed, where it
 * was measured to pay and to leave the caches alone (test/e2e/code-cache.test.ts checks it on the lines CI
 * runs). The drawing loads none of our modules: everything it needs is loaded before.
 */

/** Per V8 major version: the drawings (in nodes) that are drawn without TurboFan. */
export const WITHOUT_TURBOFAN: Readonly<Record<number, {min: number; max: number}>> = {
  11: {min: 400, max: 5_000},
  13: {min: 5_000, max: 20_000},
}

/** Node and V8 options that decide TurboFan themselves: a user who gave one keeps what they asked for. */
const TIERING_OPTION = /^--(?:no-?)?(?:opt|turbofan)$|^--max-opt\b|^--jitless$/

/** Whether this process draws `nodes` nodes with TurboFan off. */
export function drawsWithoutTurbofan(nodes: number, env: NodeJS.ProcessEnv = process.env, v8 = process.versions.v8): boolean {
  const window = WITHOUT_TURBOFAN[Number(v8.split('.')[0])]
  if (window === undefined || nodes < window.min || nodes > window.max) return false
  const options = [...process.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)]
  return !options.some((option) => TIERING_OPTION.test(option.replaceAll('_', '-')))
}

/** Runs `draw` (synchronous: the flag is back before anything else runs) with TurboFan off where that pays. */
export function drawQuickly<T>(nodes: number, draw: () => T): T {
  if (!drawsWithoutTurbofan(nodes)) return draw()
  // node:v8 only here: it loads Node's stream modules (~1.5 ms), which a lean run does without otherwise.
  const {setFlagsFromString} = process.getBuiltinModule('node:v8')
  setFlagsFromString('--no-turbofan')
  try {
    return draw()
  } finally {
    setFlagsFromString('--turbofan')
  }
}
