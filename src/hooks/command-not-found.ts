import type {Hook} from '@oclif/core'

import {ExitCode} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {shellWord} from '../text/shell.js'
import {closest} from '../text/closest.js'

/**
 * `xtrace shwo …`: say so in xtrace's one format, with the closest command, on a terminal and on a
 * pipe alike. It never runs the guess: `enabel --all` must not quietly become `enable --all`.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const visible = options.config.commands.filter((command) => !command.hidden).map((command) => command.id)
  // xtrace has no topics: with the space separator oclif joins every word into the id ("shwo:1-…").
  const [word = '', ...more] = options.id.split(':')
  const typed = sanitize(word)
  const guess = closest(word, visible)
  const bin = options.config.bin
  const rest = [...more, ...(options.argv ?? [])].map(shellWord)
  const lines = [`error: ${typed} is not an ${bin} command${guess ? `. Did you mean ${guess}?` : ''}`]
  if (guess) lines.push(`Try: ${[bin, guess, ...rest].join(' ')}`)
  lines.push(`Try: ${bin} --help   (lists every command)`)
  process.stderr.write(`${lines.join('\n')}\n`)
  this.exit(ExitCode.notFound)
}

export default hook
