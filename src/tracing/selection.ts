import {readFileSync} from 'node:fs'

import type {RegionalClients} from '../aws/regions.js'
import {InputError, UsageError} from '../errors.js'
import {parseTagFilters} from '../flags.js'
import {sanitize} from '../render/sanitize.js'
import {type FunctionRef, namesFromText, parseFunctionRef} from './refs.js'
import {everythingIfEmpty, type FunctionState, type Selection, selectFunctions} from './select.js'

/**
 * The functions a change command works on, or a clear refusal before anything changes: nothing
 * selected, or named functions that do not exist.
 */
export async function selectFunctionsOrFail(
  regional: RegionalClients,
  regions: readonly string[],
  selection: Selection,
  options: {defaultAll?: boolean; warn?: (message: string) => void; command?: string} = {},
): Promise<FunctionState[]> {
  const effective = everythingIfEmpty(selection)
  if (effective !== selection && !options.defaultAll) {
    throw new UsageError('name the functions, or select them with --all, --match GLOB or --tag KEY=VALUE', [
      'xtrace status   (lists the functions and their modes)',
      `xtrace ${options.command ?? 'enable'} --all --dry-run   (shows what the command would change for every function)`,
    ])
  }
  const selected = await selectFunctions(await regional.selected(regions), effective, (region) => regional.forRegion(region))
  for (const warning of selected.warnings) options.warn?.(warning)
  if (selected.notFound.length > 0) throw notFoundError(selected.notFound)
  return selected.functions
}

/** A refusal before anything changes: named functions that do not exist. */
export function notFoundError(notFound: {ref: FunctionRef; regions: string[]}[]): InputError {
  const list = notFound.map(({ref, regions}) => `${sanitize(ref.input)} (not in ${regions.join(', ')})`).join(', ')
  return new InputError(`no such function: ${list}; nothing was changed`, [
    'check the names with: xtrace status, or pass --region for functions in another region',
  ], 'FUNCTION_NOT_FOUND')
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
