import type {ChalkInstance} from 'chalk'

import type {Operation} from '../tracing/journal.js'
import {restorableEntries} from '../tracing/journal.js'
import {renderTable} from './table.js'

/** `xtrace restore --list`: the journal's operations, newest first. Pure. */

export interface OperationsJson {
  operations: {id: string; createdAt: string; command: string; mode: string | null; functions: number; changed: number; restores: string | null; restoredBy: string | null}[]
}

export function toOperationsJson(operations: readonly Operation[]): OperationsJson {
  const restoredBy = new Map<string, string>()
  // Oldest first, so the latest restore of an operation wins.
  for (const operation of [...operations].reverse()) if (operation.restores) restoredBy.set(operation.restores, operation.id)
  return {
    operations: operations.map((operation) => ({
      id: operation.id,
      createdAt: operation.createdAt,
      command: operation.command,
      mode: operation.mode ?? null,
      functions: operation.entries.length,
      changed: restorableEntries(operation).length,
      restores: operation.restores ?? null,
      restoredBy: restoredBy.get(operation.id) ?? null,
    })),
  }
}

export function renderOperations(operations: readonly Operation[], style: {chalk: ChalkInstance; directory: string}): string {
  if (operations.length === 0) return `No operations on record (journal: ${style.directory}).`
  const rows = toOperationsJson(operations).operations
  const table = renderTable(rows, [
    {header: 'OPERATION', value: (row) => row.id},
    {header: 'WHEN', value: (row) => row.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')},
    {header: 'COMMAND', value: (row) => (row.restores ? `restore ${row.restores}` : row.command)},
    {header: 'MODE', value: (row) => row.mode ?? '-'},
    {header: 'CHANGED', value: (row) => String(row.changed), align: 'right'},
    {header: 'RESTORED BY', value: (row) => row.restoredBy ?? '-', style: (text, row) => (row.restoredBy ? style.chalk.dim(text) : text)},
  ], {header: style.chalk.bold})
  return `${table}\n\nJournal: ${style.directory}`
}
