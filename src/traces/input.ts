import {readFileSync} from 'node:fs'

import {InputError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {mergeParsedInputs, parseSplitTraceInput, parseTraceInput} from './parse.js'
import {type SplitInput, splitDocuments} from './split-read.js'
import type {ParsedInput} from './types.js'

/** Reads `--file` paths and `-` (stdin) and parses each; one unreadable input stops the command. */

async function readStdin(stdin: NodeJS.ReadStream): Promise<string> {
  if (stdin.isTTY) {
    throw new InputError('`-` reads traces from standard input, but standard input is a terminal', [
      'pipe a file in: xtrace show - < trace.json',
    ])
  }
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks).toString('utf8')
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case 'ENOENT':
      return 'no such file'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'is a directory'
    default:
      return (error as Error).message ?? String(error)
  }
}

function cannotRead(path: string, error: unknown): InputError {
  return new InputError(`cannot read ${sanitize(path)}: ${sanitize(describeFsError(error))}`, ['check the path (relative to the current directory), or pipe the trace in: xtrace show - < trace.json'])
}

export async function readTraceInputs(paths: string[], stdin: () => NodeJS.ReadStream): Promise<ParsedInput> {
  const parsed: ParsedInput[] = []
  let stdinUsed = false
  for (const path of paths) {
    if (path === '-') {
      if (stdinUsed) continue
      stdinUsed = true
      parsed.push(parseTraceInput(await readStdin(stdin()), 'stdin'))
      continue
    }
    let split: SplitInput | undefined
    try {
      // A big file is read in parts, each document as soon as it is whole (split-read.ts).
      split = splitDocuments(path)
    } catch (error) {
      throw cannotRead(path, error)
    }
    // Where the split reading cannot promise what reading it whole gives, the file is read whole after all.
    const read = split && parseSplitTraceInput(split.skeleton, split.documents, path)
    if (read) {
      parsed.push(read)
      continue
    }
    let text: string
    try {
      // Synchronous: there is nothing else to do meanwhile, and node:fs/promises costs ~3 ms to load.
      // Read as bytes, then decoded: Node 20's readFileSync(path, 'utf8') takes ~230 ms on a 20 MB trace
      // where this takes ~130 ms (Node 24: the same); the text is identical, invalid bytes included.
      text = readFileSync(path).toString('utf8')
    } catch (error) {
      throw cannotRead(path, error)
    }
    parsed.push(parseTraceInput(text, path))
  }
  return mergeParsedInputs(parsed)
}
