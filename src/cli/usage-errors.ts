import {closest} from '../text/closest.js'

/**
 * oclif's own parse errors, told the way xtrace tells every error: one line, no "See more help"
 * footer, no tab escapes, a flag first. `Parsing --width \n\tExpected an integer…` becomes
 * `--width: expected an integer…`; an unknown flag names the closest real one.
 */
export function describeParseError(message: string, flagNames: readonly string[]): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^See more help with/i.test(line))
  const text = lines.join(' ')
  const unknown = /^Nonexistent flags?: (.+)$/.exec(text)
  if (unknown) {
    const flags = unknown[1]!.split(/,\s*/)
    const names = flagNames.map((name) => `--${name}`)
    const guesses = flags.map((flag) => closest(flag.replace(/=.*$/, ''), names)).filter((guess): guess is string => guess !== undefined)
    return `unknown flag${flags.length === 1 ? '' : 's'} ${flags.join(', ')}${guesses.length > 0 ? ` (did you mean ${[...new Set(guesses)].join(', ')}?)` : ''}`
  }
  const parsing = /^Parsing (--[\w-]+)\s*(.*)$/.exec(text)
  if (parsing) return `${parsing[1]}: ${lowerFirst(parsing[2]!)}`
  const needsValue = /^Flag (--[\w-]+) expects a value$/.exec(text)
  if (needsValue) return `${needsValue[1]} needs a value`
  const unexpected = /^Unexpected arguments?: (.+)$/.exec(text)
  if (unexpected) return `unexpected argument${unexpected[1]!.includes(',') ? 's' : ''}: ${unexpected[1]}`
  return lowerFirst(text)
}

function lowerFirst(text: string): string {
  // "Expected …" reads as a sentence start; keep words like "X-Ray" or "--flag" as they are.
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text
}
