import {InputError} from '../errors.js'
import {listSome} from '../text/list.js'
import {sanitize} from '../text/sanitize.js'
import {isRecord} from '../util/record.js'
import {extractTraceId} from './ids.js'
import type {ParsedInput, SegmentDocument, SourcedDocument, WalkedDocument} from './types.js'

/**
 * Reads every shape X-Ray data is commonly saved in and returns the segment documents found:
 *
 * - a `BatchGetTraces` response `{Traces: [{Id, Segments: [{Id, Document}]}], UnprocessedTraceIds}`,
 *   with `Document` as a JSON string (the API) or an object;
 * - one `Trace` `{Id, Segments}`; `sam traces --output json` lines (a Trace whose Segments are documents);
 * - an array of documents (objects or JSON strings), or a single document;
 * - a `PutTraceSegments` request `{TraceSegmentDocuments: ["…"]}` (its response, which names only the segments
 *   X-Ray refused, is refused with that said);
 * - a list of trace ids, one a line (`xtrace traces --ids`, or its tab-separated output): fetched by show;
 * - X-Ray daemon datagrams: the header `{"format": "json", "version": 1}`, a newline, a document —
 *   as text (one or many) or as a JSON array of datagram strings;
 * - JSON lines of any of the above.
 *
 * A broken document inside an otherwise readable input becomes a warning; an input in which nothing
 * can be read is an InputError naming the source.
 */

export const ACCEPTED_INPUT_FORMS =
  'a BatchGetTraces response, a Trace {Id, Segments}, segment documents (one or an array), ' +
  'a PutTraceSegments request, X-Ray daemon datagrams, or `sam traces --output json` lines'

type Json = unknown

function isDaemonHeader(value: Json): boolean {
  return isRecord(value) && 'format' in value && 'version' in value && !('id' in value)
}

function looksLikeDocument(value: Record<string, unknown>): boolean {
  return (
    'id' in value ||
    'trace_id' in value ||
    'start_time' in value ||
    'parent_id' in value ||
    ('name' in value && ('subsegments' in value || 'end_time' in value || 'in_progress' in value))
  )
}

/**
 * A value read as one document as it is (Collector.json's first test): an object that looks like a document and is
 * none of the containers json() reads the documents out of.
 */
export function isPlainDocument(value: Json): boolean {
  return (
    isRecord(value) &&
    !Array.isArray(value.Traces) &&
    !Array.isArray(value.Segments) &&
    !Array.isArray(value.TraceSegmentDocuments) &&
    !isDaemonHeader(value) &&
    looksLikeDocument(value)
  )
}

function describeJsonError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return sanitize(message.length > 160 ? `${message.slice(0, 157)}...` : message)
}

/**
 * What a document's JSON text holds: the value parsed, or why it could not be (a warning's words); or, read by
 * split-read.ts, the nodes of a value that is a plain document (isPlainDocument), walked as it was read.
 */
export type DocumentText = {value: Json} | {problem: string} | {walked: WalkedDocument}

/** A document's text (a segment document, or a daemon datagram: its header line, a newline, the document) read. */
export function parseDocumentText(text: string): DocumentText {
  const newline = text.indexOf('\n')
  let body = text
  if (newline !== -1) {
    const first = text.slice(0, newline).trim()
    try {
      if (isDaemonHeader(JSON.parse(first))) body = text.slice(newline + 1)
    } catch {
      // not a datagram: parse the whole string below
    }
  }
  try {
    return {value: JSON.parse(body) as Json}
  } catch (error) {
    return {problem: text.trim() === '' ? 'an empty document; skipped' : `not valid JSON (${describeJsonError(error)}); skipped`}
  }
}

/** A split input whose placeholders did not all land where documents are read: it is read whole instead. */
class SplitMismatch extends Error {}

class Collector {
  readonly result: ParsedInput & {limitExceeded: string[]} = {documents: [], traceIds: [], unprocessedTraceIds: [], warnings: [], unreadable: new Map(), limitExceeded: []}
  recognised = false

  constructor(
    private readonly name: string,
    private readonly split?: {documents: readonly DocumentText[]; used: Set<number>},
  ) {}

  /** The first problem met, without the input's name: the reason given when nothing is readable. */
  firstProblem: string | undefined

  warn(where: string, message: string, traceId?: string): void {
    this.firstProblem ??= where ? `${where}: ${message}` : message
    this.result.warnings.push(`${this.name}${where ? `: ${where}` : ''}: ${message}`)
    // A document of a known trace that could not be read: the trace is drawn without it, and says so.
    if (traceId !== undefined) this.result.unreadable!.set(traceId, (this.result.unreadable!.get(traceId) ?? 0) + 1)
  }

  addDocument(doc: SegmentDocument, where: string, traceId?: string): void {
    this.add({doc}, where, traceId)
  }

  private add(content: {doc: SegmentDocument} | {walked: WalkedDocument}, where: string, traceId: string | undefined): void {
    this.recognised = true
    const entry: SourcedDocument = {...content, source: where ? `${this.name}: ${where}` : this.name}
    if (traceId !== undefined) entry.traceId = traceId
    this.result.documents.push(entry)
  }

  /** A JSON string that should hold a document or a daemon datagram. */
  value(text: string, where: string, traceId?: string): void {
    this.document(parseDocumentText(text), where, traceId)
  }

  /** What a document's text held (parseDocumentText): added, or a warning saying why not. */
  document(read: DocumentText, where: string, traceId?: string): void {
    if ('problem' in read) {
      this.warn(where, read.problem, traceId)
      return
    }
    if ('walked' in read) {
      // What json() does with a plain document.
      this.add(read, where, traceId)
      return
    }
    const parsed = read.value
    if (traceId !== undefined && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) {
      this.warn(where, `expected a segment document, found ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}; skipped`, traceId)
      return
    }
    this.json(parsed, where, traceId)
  }

  /**
   * A `Document` string of a split input (parseSplitTraceInput): the placeholder stands for the document read
   * while the file was (splitDocuments), by its number.
   */
  private placeholder(text: string, where: string, traceId: string | undefined): void {
    const split = this.split!
    const index = Number(text)
    const read = split.documents[index]
    if (read === undefined || String(index) !== text || split.used.has(index)) throw new SplitMismatch()
    split.used.add(index)
    this.document(read, where, traceId)
  }

  trace(trace: Record<string, unknown>, where: string): void {
    this.recognised = true
    const traceId = typeof trace.Id === 'string' ? trace.Id : undefined
    if (traceId && !this.result.traceIds.includes(traceId)) this.result.traceIds.push(traceId)
    if (traceId && trace.LimitExceeded === true && !this.result.limitExceeded.includes(traceId)) this.result.limitExceeded.push(traceId)
    const segments = trace.Segments
    if (!Array.isArray(segments)) {
      this.warn(where, 'Segments is not an array; skipped')
      return
    }
    segments.forEach((segment: Json, i) => {
      const at = `${where}Segments[${i}]`
      if (isRecord(segment) && 'Document' in segment) {
        const document = segment.Document
        if (typeof document === 'string') {
          if (this.split) this.placeholder(document, at, traceId)
          else this.value(document, at, traceId)
        }
        else if (isRecord(document)) this.addDocument(document, at, traceId)
        else this.warn(at, 'Document is neither a JSON string nor an object; skipped', traceId)
      } else if (isRecord(segment) && looksLikeDocument(segment)) {
        // `sam traces --output json` replaces each {Id, Document} by the parsed document.
        this.addDocument(segment, at, traceId)
      } else if (typeof segment === 'string') {
        this.value(segment, at, traceId)
      } else {
        this.warn(at, 'not a segment; skipped')
      }
    })
  }

  json(value: Json, where: string, traceId?: string): void {
    if (Array.isArray(value)) {
      value.forEach((item: Json, i) => {
        const at = `${where}[${i}]`
        if (typeof item === 'string') this.value(item, at, traceId)
        else this.json(item, at, traceId)
      })
      if (value.length === 0) this.recognised = true
      return
    }
    if (!isRecord(value)) {
      this.warn(where, `expected a JSON object, found ${value === null ? 'null' : typeof value}; skipped`)
      return
    }
    // First, so that what split-read.ts walks ahead as a plain document is, by this very test, what gets here.
    if (isPlainDocument(value)) {
      this.addDocument(value, where, traceId)
      return
    }
    const prefix = where ? `${where}.` : ''
    if (Array.isArray(value.Traces)) {
      value.Traces.forEach((trace: Json, i) => {
        if (isRecord(trace)) this.trace(trace, `${prefix}Traces[${i}].`)
        else this.warn(`${prefix}Traces[${i}]`, 'not a trace object; skipped')
      })
      this.unprocessed(value.UnprocessedTraceIds)
      this.recognised = true
      return
    }
    if (Array.isArray(value.Segments)) {
      this.trace(value, prefix)
      return
    }
    if (Array.isArray(value.TraceSegmentDocuments)) {
      this.recognised = true
      value.TraceSegmentDocuments.forEach((doc: Json, i) => {
        const at = `${prefix}TraceSegmentDocuments[${i}]`
        if (typeof doc === 'string') this.value(doc, at, traceId)
        else this.json(doc, at, traceId)
      })
      return
    }
    if (isDaemonHeader(value)) {
      this.recognised = true
      return
    }
    // Known X-Ray responses without segments: not recognised, so the input is refused with this reason.
    if (Array.isArray(value.TraceSummaries)) {
      const ids = value.TraceSummaries.map((summary: Json) => (isRecord(summary) && typeof summary.Id === 'string' ? summary.Id : undefined))
        .filter((id): id is string => id !== undefined)
        .slice(0, 5)
      this.warn(where, `a GetTraceSummaries response holds no segments; fetch its traces instead: xtrace show ${ids.join(' ')}`.trimEnd())
      return
    }
    if (Array.isArray(value.Services)) {
      // A trace summary's root cause (ResponseTimeRootCauses and the like) also lists Services, each with the
      // EntityPath to the faulty node; a service graph's carry ReferenceId and Edges instead.
      const rootCause = value.Services.length > 0 && value.Services.every((service) => isRecord(service) && Array.isArray(service.EntityPath))
      this.warn(where, rootCause ? "a trace summary's root cause holds no segments, only the path to one; skipped" : 'a service graph holds no segments; skipped')
      return
    }
    if (Array.isArray(value.UnprocessedTraceSegments)) {
      // What `aws xray put-trace-segments` answers: the segments X-Ray refused, by id and error code.
      const refused = value.UnprocessedTraceSegments.filter(isRecord)
        .map((item) => [item.Id, item.ErrorCode].filter((part) => typeof part === 'string' && part !== '').join(' '))
        .filter((text) => text !== '')
      const said =
        value.UnprocessedTraceSegments.length === 0
          ? ': X-Ray took every one it was sent'
          : `, only those X-Ray refused${refused.length > 0 ? ` (${listSome(refused.map(sanitize), 3)})` : ''}`
      this.warn(where, `a PutTraceSegments response holds no segments${said}; skipped`)
      return
    }
    this.warn(where, 'not a segment document or a known X-Ray response; skipped')
  }

  private unprocessed(ids: Json): void {
    if (!Array.isArray(ids)) return
    for (const id of ids) {
      if (typeof id === 'string' && !this.result.unprocessedTraceIds.includes(id)) {
        this.result.unprocessedTraceIds.push(id)
      }
    }
  }
}

function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/** Parse one input's text. `name` is how the input is called in messages (a path or `stdin`). */
export function parseTraceInput(text: string, name: string): ParsedInput {
  const collector = new Collector(sanitize(name))
  const body = withoutByteOrderMark(text)
  if (body.trim() === '') {
    throw new InputError(`${sanitize(name)} is empty`, [`give a file holding ${ACCEPTED_INPUT_FORMS}`])
  }

  let whole: Json
  let wholeError: unknown
  try {
    whole = JSON.parse(body)
  } catch (error) {
    wholeError = error
  }

  const listed = wholeError === undefined ? undefined : traceIdLines(body)
  if (listed) return {documents: [], traceIds: [], unprocessedTraceIds: [], warnings: [], idsToFetch: listed}
  if (wholeError === undefined) {
    collector.json(whole, '')
  } else {
    // JSON lines: daemon datagrams as text, `sam traces --output json`, one document per line.
    const lines = body.split(/\r?\n/)
    let parsedLines = 0
    let failedLines = 0
    const lineWarnings: string[] = []
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue
      let value: Json
      try {
        value = JSON.parse(line)
      } catch (error) {
        failedLines++
        lineWarnings.push(`line ${i + 1}: not valid JSON (${describeJsonError(error)}); skipped`)
        continue
      }
      parsedLines++
      collector.json(value, `line ${i + 1}`)
    }
    if (parsedLines === 0 || failedLines > parsedLines) {
      throw new InputError(
        `${sanitize(name)} is not valid JSON: ${describeJsonError(wholeError)}`,
        [`expected ${ACCEPTED_INPUT_FORMS}`],
      )
    }
    for (const warning of lineWarnings) collector.result.warnings.push(`${sanitize(name)}: ${warning}`)
  }

  if (!collector.recognised) {
    const detail = collector.firstProblem === undefined ? '' : `: ${collector.firstProblem}`
    throw new InputError(`${sanitize(name)} holds no X-Ray segment documents${detail}`, [
      `expected ${ACCEPTED_INPUT_FORMS}`,
    ])
  }
  return collector.result
}

/**
 * An input split while it was read (src/traces/split-read.ts): its text with each `Document` string replaced by a
 * placeholder, and those documents already read. The same as parseTraceInput on the whole text, or undefined where
 * this reading cannot promise that (the text is not one JSON value, a placeholder is not where a document is read,
 * nothing is recognised): then the caller reads the input whole, and parseTraceInput says what is wrong.
 */
export function parseSplitTraceInput(skeleton: string, documents: readonly DocumentText[], name: string): ParsedInput | undefined {
  let whole: Json
  try {
    whole = JSON.parse(withoutByteOrderMark(skeleton))
  } catch {
    return undefined
  }
  const used = new Set<number>()
  const collector = new Collector(sanitize(name), {documents, used})
  try {
    collector.json(whole, '')
  } catch (error) {
    if (error instanceof SplitMismatch) return undefined
    throw error
  }
  // Every placeholder read where a Document is: none stood anywhere else (a document's own field, say).
  if (used.size !== documents.length || !collector.recognised) return undefined
  return collector.result
}

/**
 * A list of trace ids, one a line, in any accepted form — what `xtrace traces --ids` prints, or its
 * tab-separated lines (the id first, under an `id` header) — or undefined when the text is not that.
 */
function traceIdLines(body: string): string[] | undefined {
  const ids: string[] = []
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trim()
    if (trimmed === '' || /^id\t/.test(trimmed)) continue
    const id = extractTraceId(trimmed) ?? extractTraceId(trimmed.split('\t')[0] ?? '')
    if (!id) return undefined
    if (!ids.includes(id)) ids.push(id)
  }
  return ids.length > 0 ? ids : undefined
}

/** A response already in memory (e.g. just fetched): the same reading, without a text round trip. */
export function parseTraceValue(value: unknown, name: string): ParsedInput {
  const collector = new Collector(sanitize(name))
  collector.json(value, '')
  return collector.result
}

/** Several inputs' results as one. */
export function mergeParsedInputs(inputs: ParsedInput[]): ParsedInput {
  const documents: SourcedDocument[] = []
  const traceIds = new Set<string>()
  const unprocessed = new Set<string>()
  const warnings: string[] = []
  const toFetch = new Set<string>()
  const unreadable = new Map<string, number>()
  const limitExceeded = new Set<string>()
  for (const input of inputs) {
    for (const id of input.idsToFetch ?? []) toFetch.add(id)
    for (const [id, count] of input.unreadable ?? []) unreadable.set(id, (unreadable.get(id) ?? 0) + count)
    // A loop, not push(...spread): inputs may hold more documents than a call takes arguments.
    for (const document of input.documents) documents.push(document)
    for (const id of input.traceIds) traceIds.add(id)
    for (const id of input.unprocessedTraceIds) unprocessed.add(id)
    for (const warning of input.warnings) warnings.push(warning)
    for (const id of input.limitExceeded ?? []) limitExceeded.add(id)
  }
  return {
    documents,
    traceIds: [...traceIds],
    unprocessedTraceIds: [...unprocessed],
    warnings,
    unreadable,
    limitExceeded: [...limitExceeded],
    ...(toFetch.size > 0 ? {idsToFetch: [...toFetch]} : {}),
  }
}
