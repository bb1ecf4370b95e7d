import {readFileSync} from 'node:fs'

import {InputError, UsageError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {namesFromText, parseFunctionRef} from '../tracing/refs.js'
import type {Selection} from '../tracing/select.js'

/** `--tag key=value` → {key, value}; the value may contain '='. */
export function parseTagFilters(tags: readonly string[]): {key: string; value: string}[] {
  return tags.map((tag) => {
    const at = tag.indexOf('=')
    if (at <= 0) throw new UsageError(`--tag ${sanitize(tag)}: expected KEY=VALUE`, ['e.g. --tag team=payments'])
    return {key: tag.slice(0, at), value: tag.slice(at + 1)}
  })
}

/** The selection a command line asks for: names and ARNs (`-` reads them from stdin) and the selector flags. */
export function selectionFromArgs(args: readonly string[], flags: {all?: boolean; match?: string[]; tag?: string[]}): Selection {
  const words: string[] = []
  for (const arg of args) {
    if (arg !== '-') {
      words.push(arg)
      continue
    }
    try {
      words.push(...namesFromText(readFileSync(0, 'utf8')))
    } catch (error) {
      throw new InputError(`cannot read function names from stdin: ${sanitize((error as Error).message)}`, ['pipe the names in, one a line: xtrace enable - < functions.txt'])
    }
  }
  return {refs: words.map((word) => parseFunctionRef(word)), all: flags.all ?? false, match: flags.match ?? [], tags: parseTagFilters(flags.tag ?? [])}
}
