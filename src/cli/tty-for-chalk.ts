import {isTerminal} from './standard-streams.js'

/**
 * node:tty as chalk's supports-color sees it in the lean bundles (scripts/bundle-lean.mjs): it asks
 * isatty(1) and isatty(2) as it loads, and node:tty costs ~2 ms to load (it brings node:net). Our chalk
 * is built with an explicit level (output.ts), so the answer matters little; it is still the true one.
 */
export default {isatty: isTerminal}
