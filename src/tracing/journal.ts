import {randomBytes} from 'node:crypto'
import {closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {InputError} from '../errors.js'
import {xtraceDirectory} from '../util/xdg.js'
import type {TracingMode} from './refs.js'
import type {FunctionState} from './select.js'

/**
 * The journal of tracing changes: before xtrace changes anything it writes down each function's ARN,
 * region, previous mode and new mode, then each outcome as it happens. `xtrace restore` reads it to
 * put the previous modes back. One JSON Lines file per operation, in the user's state directory
 * ($XDG_STATE_HOME/xtrace, by default ~/.local/state/xtrace; %LOCALAPPDATA%\xtrace on Windows),
 * readable by the user only. Lines are written synchronously, so a Ctrl-C or a crash loses nothing
 * already sent to AWS.
 */

export type Outcome = 'changed' | 'failed' | 'skipped' | 'unknown'

export interface JournalEntry {
  function: string
  arn: string
  /** The account (from the ARN; written since many-account runs). */
  account?: string
  region: string
  /** The role assumed to reach the account (--accounts / --org); absent: the caller's own credentials. */
  via?: string
  previousMode: TracingMode
  mode: TracingMode
  /** The last outcome written; none means the process stopped before it knew. */
  outcome?: Outcome
}

export interface Operation {
  id: string
  command: string
  mode?: TracingMode
  createdAt: string
  /** For a restore: the operation it undid. */
  restores?: string
  /** The roles were assumed with an external id (which is not kept: restore asks for it again). */
  externalId?: boolean
  entries: JournalEntry[]
  /** Policies attached to roles (--attach-policy): restore leaves them, and says so. */
  attachments: {role: string; policy: string}[]
}

type Line =
  | {type: 'operation'; id: string; command: string; mode?: TracingMode; createdAt: string; restores?: string; externalId?: boolean}
  | ({type: 'planned'} & Omit<JournalEntry, 'outcome'>)
  | {type: 'outcome'; arn: string; outcome: Outcome; at: string}
  | {type: 'attached'; role: string; policy: string; at: string}

/** What the journal records of a function about to change. */
export function plannedChange(fn: FunctionState, mode: TracingMode, via?: string): Omit<JournalEntry, 'outcome'> {
  return {function: fn.name, arn: fn.arn, account: fn.account, region: fn.region, ...(via ? {via} : {}), previousMode: fn.mode, mode}
}

export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return xtraceDirectory('state', env)
}

function operationsDirectory(env?: NodeJS.ProcessEnv): string {
  return join(stateDirectory(env), 'operations')
}

function newOperationId(now: Date): string {
  // Sortable by time, unique across parallel runs.
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  return `${stamp}-${randomBytes(3).toString('hex')}`
}

export class JournalWriter {
  readonly id: string
  readonly path: string
  private fd: number | undefined

  private constructor(id: string, path: string, fd: number) {
    this.id = id
    this.path = path
    this.fd = fd
  }

  /** Creates the operation's file (mode 0600, directory 0700) and writes every planned change. */
  static create(
    header: {command: string; mode?: TracingMode; restores?: string; externalId?: boolean},
    planned: Omit<JournalEntry, 'outcome'>[],
    env?: NodeJS.ProcessEnv,
  ): JournalWriter {
    const dir = operationsDirectory(env)
    const now = new Date()
    const id = newOperationId(now)
    const path = join(dir, `${id}.jsonl`)
    let fd: number
    try {
      mkdirSync(dir, {recursive: true, mode: 0o700})
      fd = openSync(path, 'wx', 0o600)
    } catch (error) {
      throw new InputError(`cannot write the change journal in ${dir}: ${(error as Error).message}`, [
        'make the directory writable, or point XDG_STATE_HOME at one that is',
      ], 'JOURNAL')
    }
    const writer = new JournalWriter(id, path, fd)
    writer.write({type: 'operation', id, createdAt: now.toISOString(), ...header})
    for (const entry of planned) writer.write({type: 'planned', ...entry})
    fsyncSync(fd)
    return writer
  }

  recordOutcome(arn: string, outcome: Outcome): void {
    this.write({type: 'outcome', arn, outcome, at: new Date().toISOString()})
  }

  recordAttachment(role: string, policy: string): void {
    this.write({type: 'attached', role, policy, at: new Date().toISOString()})
  }

  close(): void {
    if (this.fd === undefined) return
    closeSync(this.fd)
    this.fd = undefined
  }

  private write(line: Line): void {
    if (this.fd === undefined) return
    writeSync(this.fd, `${JSON.stringify(line)}\n`)
  }
}

export function parseOperation(text: string): Operation | undefined {
  let operation: Operation | undefined
  const byArn = new Map<string, JournalEntry>()
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue
    let line: Line
    try {
      line = JSON.parse(raw) as Line
    } catch {
      continue // a line cut short by a crash
    }
    if (line.type === 'operation') {
      operation = {
        id: line.id,
        command: line.command,
        createdAt: line.createdAt,
        ...(line.mode ? {mode: line.mode} : {}),
        ...(line.restores ? {restores: line.restores} : {}),
        ...(line.externalId ? {externalId: true} : {}),
        entries: [],
        attachments: [],
      }
    } else if (line.type === 'planned' && operation) {
      const entry: JournalEntry = {
        function: line.function,
        arn: line.arn,
        account: line.account ?? line.arn.split(':')[4] ?? '',
        region: line.region,
        ...(line.via ? {via: line.via} : {}),
        previousMode: line.previousMode,
        mode: line.mode,
      }
      byArn.set(entry.arn, entry)
      operation.entries.push(entry)
    } else if (line.type === 'attached' && operation) {
      operation.attachments.push({role: line.role, policy: line.policy})
    } else if (line.type === 'outcome') {
      const entry = byArn.get(line.arn)
      if (entry) entry.outcome = line.outcome
    }
  }
  return operation
}

/** Every operation on record, newest first. */
export function listOperations(env?: NodeJS.ProcessEnv): Operation[] {
  const dir = operationsDirectory(env)
  let files: string[]
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.jsonl'))
  } catch {
    return []
  }
  const operations: Operation[] = []
  for (const file of files.sort().reverse()) {
    try {
      const operation = parseOperation(readFileSync(join(dir, file), 'utf8'))
      if (operation) operations.push(operation)
    } catch {
      // unreadable file: skip it rather than block every restore
    }
  }
  return operations
}

/** Entries whose change may have happened: changed, unknown, or cut off before an outcome. */
export function restorableEntries(operation: Operation): JournalEntry[] {
  return operation.entries.filter((entry) => entry.outcome === undefined || entry.outcome === 'changed' || entry.outcome === 'unknown')
}
