import {displayWidth, padEnd, padStart, truncate, truncateMiddle} from './format.js'
import {sanitize} from '../text/sanitize.js'

/**
 * Plain text tables: a header, aligned columns separated by two spaces, nothing else — easy to read
 * on a terminal and to cut with awk on a pipe. On a terminal (`width` set) the columns marked
 * `shrink` give up space, widest first, so lines fit; on a pipe nothing is cut.
 * Cells are sanitised here; `style` (colour) is applied after layout so it never counts as width.
 */

export interface Column<Row> {
  header: string
  value: (row: Row) => string
  align?: 'left' | 'right'
  /** May be cut to fit the width (names, roles, reasons). */
  shrink?: boolean
  /** Never cut below this many columns. */
  min?: number
  /** Where a cut value loses its text: the end (default), or the middle (URLs keep host and path's end). */
  cut?: 'end' | 'middle'
  /** May be left out when the table does not fit even cut down; higher goes first. */
  drop?: number
  style?: (text: string, row: Row) => string
}

export function renderTable<Row>(rows: readonly Row[], allColumns: Column<Row>[], options: {width?: number; header?: (text: string) => string} = {}): string {
  const columns = fittingColumns(rows, allColumns, options.width)
  const cells = rows.map((row) => columns.map((column) => sanitize(column.value(row))))
  const widths = naturalWidths(columns, cells)
  if (options.width !== undefined) fitWidths(widths, columns, options.width)

  const layout = (texts: string[], styled: (text: string, index: number) => string) =>
    texts
      .map((text, index) => {
        const column = columns[index]!
        const cut = column.cut === 'middle' ? truncateMiddle(text, widths[index]!) : truncate(text, widths[index]!)
        const padded = index === texts.length - 1 && column.align !== 'right' ? cut : column.align === 'right' ? padStart(cut, widths[index]!) : padEnd(cut, widths[index]!)
        return styled(padded, index)
      })
      .join('  ')
      .trimEnd()

  const header = layout(columns.map((column) => column.header), (text) => (options.header ? options.header(text) : text))
  const lines = cells.map((texts, rowIndex) => layout(texts, (text, index) => columns[index]!.style?.(text, rows[rowIndex]!) ?? text))
  return [header, ...lines].join('\n')
}

function naturalWidths<Row>(columns: Column<Row>[], cells: string[][]): number[] {
  return columns.map((column, index) => Math.max(displayWidth(column.header), ...cells.map((line) => displayWidth(line[index]!))))
}

/** The columns that fit `width` once cut to their minimum: droppable ones leave, highest `drop` first. */
function fittingColumns<Row>(rows: readonly Row[], columns: Column<Row>[], width: number | undefined): Column<Row>[] {
  if (width === undefined || !columns.some((column) => column.drop !== undefined)) return columns
  let kept = [...columns]
  for (;;) {
    const cells = rows.map((row) => kept.map((column) => sanitize(column.value(row))))
    const least = naturalWidths(kept, cells).map((w, i) => (kept[i]!.shrink ? Math.min(w, kept[i]!.min ?? 8) : w))
    const needed = least.reduce((sum, w) => sum + w, 0) + 2 * (kept.length - 1)
    const candidates = kept.filter((column) => column.drop !== undefined)
    if (needed <= width || candidates.length === 0) return kept
    const first = candidates.reduce((a, b) => (b.drop! > a.drop! ? b : a))
    kept = kept.filter((column) => column !== first)
  }
}

function fitWidths<Row>(widths: number[], columns: Column<Row>[], width: number): void {
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1)
  let excess = total() - width
  while (excess > 0) {
    let widest = -1
    for (let i = 0; i < columns.length; i++) {
      if (!columns[i]!.shrink || widths[i]! <= (columns[i]!.min ?? 8)) continue
      if (widest === -1 || widths[i]! > widths[widest]!) widest = i
    }
    if (widest === -1) return
    const floor = columns[widest]!.min ?? 8
    const step = Math.min(excess, widths[widest]! - floor, Math.max(1, Math.ceil(excess / 4)))
    widths[widest] = widths[widest]! - step
    excess -= step
  }
}
