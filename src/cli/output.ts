import {Chalk, type ChalkInstance, supportsColor} from 'chalk'

import {isTerminal, standardOutput} from './standard-streams.js'

/**
 * Facts about where output goes, decided in one place: colour, UTF-8 and width.
 * chalk 5 ignores NO_COLOR, so the one chalk instance is built here with an explicit level.
 */

export interface TerminalFacts {
  isTTY: boolean
  columns?: number
  env: NodeJS.ProcessEnv
}

export function currentTerminal(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'> = standardOutput): TerminalFacts {
  const facts: TerminalFacts = {isTTY: stream.isTTY === true, env: process.env}
  if (stream.isTTY && stream.columns) facts.columns = stream.columns
  return facts
}

/** Colour level: off for NO_COLOR (any non-empty value), pipes and dumb terminals; FORCE_COLOR wins over a pipe. */
export function colorLevel(terminal: TerminalFacts): 0 | 1 | 2 | 3 {
  const {env} = terminal
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  const force = env.FORCE_COLOR
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0
    const level = Number.parseInt(force, 10)
    return level >= 1 && level <= 3 ? (level as 1 | 2 | 3) : 1
  }
  if (!terminal.isTTY || env.TERM === 'dumb') return 0
  return supportsColor ? supportsColor.level || 1 : 1
}

/**
 * The one chalk instance. `colour` is the command line's word: true (`--color`) colours even a pipe,
 * false (`--no-color`) never, undefined leaves it to the terminal and the environment.
 */
export function makeChalk(terminal: TerminalFacts, colour?: boolean): ChalkInstance {
  if (colour === false) return new Chalk({level: 0})
  const level = colorLevel(terminal)
  return new Chalk({level: colour === true ? (level === 0 ? (supportsColor ? supportsColor.level || 1 : 1) : level) : level})
}

/** Whether box-drawing characters are safe: the locale says UTF-8, or says nothing (the common case today). */
export function supportsUnicode(terminal: TerminalFacts): boolean {
  const {env} = terminal
  if (env.TERM === 'linux') return false
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG
  if (!locale) return true
  return /utf-?8/i.test(locale)
}

/** Columns to lay out in: the flag, else the terminal, else $COLUMNS, else 120. */
export function outputWidth(terminal: TerminalFacts, requested?: number): number {
  if (requested !== undefined) return requested
  if (terminal.columns) return terminal.columns
  const fromEnv = Number.parseInt(terminal.env.COLUMNS ?? '', 10)
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 120
}

/**
 * One self-rewriting status line on stderr, only on a terminal (a pipe or a CI log gets nothing, and the run does
 * not make process.stderr for it). Redraws at most ten times a second however often it is told.
 */
export class ProgressLine {
  private last = 0
  private shown = false
  private readonly enabled: boolean

  constructor(enabled = true) {
    this.enabled = enabled && isTerminal(2)
  }

  private get stream(): NodeJS.WriteStream {
    return process.stderr
  }

  update(text: string): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.last < 100) return
    this.last = now
    const width = (this.stream.columns ?? 80) - 1
    this.stream.write(`\r\u001B[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`)
    this.shown = true
  }

  clear(): void {
    if (!this.shown) return
    this.stream.write('\r\u001B[2K')
    this.shown = false
  }
}
