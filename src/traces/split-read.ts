import {closeSync, fstatSync, openSync, readSync} from 'node:fs'

import {walkDocument} from './assemble.js'
import {type DocumentText, isPlainDocument, parseDocumentText} from './parse.js'
import type {SegmentDocument} from './types.js'

/**
 * Reads a big saved trace without ever holding its text whole. A BatchGetTraces response keeps each segment
 * document as a JSON string inside the JSON: read whole, a 20 MB response is held three times over before a
 * line is drawn (the bytes, the text, and every document's string from the outer JSON.parse), and all of it
 * outlives the garbage collector's young generation, so it is copied on the way out, and every page of it is touched
 * for the first time (docs/DEVELOPMENT.md, "Splitting big inputs"). Here the file is read a megabyte at a time and
 * each `"Document": "…"` string is read into its document as soon as it is whole; what the file holds beside them
 * (the skeleton) is kept with a placeholder in each one's place, `"0"`, `"1"`, …, and read by the same code as
 * before (parseSplitTraceInput), which makes the answer the one the whole text gives, or none.
 */
export interface SplitInput {
  /** The file's text with each `Document` string replaced by its number, as a JSON string. */
  skeleton: string
  /** What each of those documents held (parseDocumentText), by number. */
  documents: DocumentText[]
}

/**
 * Files smaller than this are read whole: the scan costs about what splitting saves at ~5 MB (generated traces, paired
 * runs on Node 20: 2 MB 8 ms slower split, 5 MB 7 ms slower, 7.3 MB 28 ms faster, 9.4 MB 45 ms, 20 MB 119 ms).
 */
export const SPLIT_MIN_BYTES = 6 * 1024 * 1024

const CHUNK_BYTES = 1024 * 1024
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const DOCUMENT_KEY = Buffer.from('"Document"')

/** What a string just read would be as a key (kindOfString); NONE when the last token was not a string. */
const NONE = 0
const DOCUMENT = 1
const OTHER = 2
const ESCAPED = 3

/**
 * The file split, when it is a regular file of at least `minBytes` holding one JSON value; undefined otherwise
 * (read it whole). Errors from reading the file are thrown as they come, as readFileSync would give them.
 * `chunkBytes` is for tests: small reads put every token across a read's edge somewhere.
 */
export function splitDocuments(path: string, minBytes = SPLIT_MIN_BYTES, chunkBytes = CHUNK_BYTES): SplitInput | undefined {
  const fd = openSync(path, 'r')
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile() || stats.size < minBytes) return undefined
    return new Splitter(fd, chunkBytes).split()
  } finally {
    closeSync(fd)
  }
}

class Splitter {
  private buffer: Buffer
  /** Bytes of the file held in `buffer`. */
  private end = 0
  /** Skeleton bytes before this one are in `pieces`. */
  private copied = 0
  private readonly pieces: Buffer[] = []
  private readonly documents: DocumentText[] = []

  constructor(
    private readonly fd: number,
    chunkBytes: number,
  ) {
    this.buffer = Buffer.allocUnsafe(chunkBytes)
  }

  /** The skeleton's bytes held before `upTo` and not yet kept, copied out of the buffer (which is read into again). */
  private keepSkeleton(upTo: number): void {
    if (upTo > this.copied) this.pieces.push(Buffer.from(this.buffer.subarray(this.copied, upTo)))
    this.copied = upTo
  }

  /**
   * Reads on, keeping the bytes from `keep` on (moved to the front; what is before them goes to the skeleton
   * first, unless a document took it). Returns how far everything moved back, or -1 at the end of the file.
   */
  private more(keep: number): number {
    this.keepSkeleton(keep)
    const held = this.end - keep
    // A string longer than half the buffer: room for more of it.
    const target = held > this.buffer.length / 2 ? Buffer.allocUnsafe(this.buffer.length * 2) : this.buffer
    this.buffer.copy(target, 0, keep, this.end)
    this.buffer = target
    this.end = held
    this.copied = 0
    const read = readSync(this.fd, this.buffer, held, this.buffer.length - held, null)
    if (read === 0) return -1
    this.end += read
    return keep
  }

  split(): SplitInput | undefined {
    let at = 0
    let depth = 0
    /** A value at the top ended: anything after it but white space means this is not one JSON value. */
    let closed = false
    /** The string just read, while it may still turn out to be a key (kindOfString), or NONE. */
    let lastString = NONE
    /** A `"Document":` was just read: a string next is a document. */
    let documentNext = false
    for (;;) {
      if (at >= this.end) {
        const moved = this.more(at)
        if (moved < 0) break
        at -= moved
        continue
      }
      const byte = this.buffer[at]!
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) {
        at++
        continue
      }
      if (closed) return undefined
      if (byte === QUOTE) {
        let start = at
        let close = this.closingQuote(start, start + 1)
        while (close < 0) {
          const moved = this.more(start)
          // An unterminated string: not JSON; reading it whole says so.
          if (moved < 0) return undefined
          start -= moved
          close = this.closingQuote(start, -close - 1 - moved)
        }
        at = close + 1
        if (documentNext) {
          documentNext = false
          lastString = NONE
          if (!this.document(start, at)) return undefined
        } else {
          lastString = this.kindOfString(start, at)
        }
        continue
      }
      at++
      if (byte === COLON) {
        // A key written with escapes might read "Document" and not be replaced: not worth telling apart.
        if (lastString === ESCAPED) return undefined
        documentNext = lastString === DOCUMENT
        lastString = NONE
        continue
      }
      lastString = NONE
      documentNext = false
      if (byte === 0x7b || byte === 0x5b) depth++
      else if (byte === 0x7d || byte === 0x5d) {
        depth--
        if (depth === 0) closed = true
      }
    }
    this.keepSkeleton(this.end)
    return {skeleton: Buffer.concat(this.pieces).toString('utf8'), documents: this.documents}
  }

  /**
   * Where the string that opens at `start` closes, its quotes looked for from `from` on; when the bytes held end
   * before it does, -1 less how far it was looked for (to go on from there once more is read).
   */
  private closingQuote(start: number, from: number): number {
    const buffer = this.buffer
    let quote = from
    for (;;) {
      // indexOf is native: ~13 ns a quote on a document's escaped quotes, where a loop over the bytes takes ~3 ns a byte.
      quote = buffer.indexOf(QUOTE, quote)
      // Past `end` the buffer holds nothing of the file.
      if (quote < 0 || quote >= this.end) return -1 - this.end
      let before = quote - 1
      while (before > start && buffer[before] === BACKSLASH) before--
      // An even run of backslashes before it is backslashes written out: the quote closes the string.
      if ((quote - 1 - before) % 2 === 0) return quote
      quote++
    }
  }

  /**
   * A string just read, as a possible key: DOCUMENT for `"Document"`, ESCAPED for one with escapes that could read
   * "Document" (at most 6 bytes a letter, quotes aside), OTHER for any other.
   */
  private kindOfString(start: number, end: number): number {
    const length = end - start
    if (length === DOCUMENT_KEY.length && this.buffer.compare(DOCUMENT_KEY, 0, length, start, end) === 0) return DOCUMENT
    if (length > 2 + 6 * 8) return OTHER
    for (let at = start + 1; at < end - 1; at++) if (this.buffer[at] === BACKSLASH) return ESCAPED
    return OTHER
  }

  /** The string literal from `start` to `end` (its quotes included) read as a document, and its placeholder put in its place. */
  private document(start: number, end: number): boolean {
    let text: unknown
    try {
      text = JSON.parse(this.buffer.toString('utf8', start, end))
    } catch {
      return false
    }
    if (typeof text !== 'string') return false
    this.keepSkeleton(start)
    this.pieces.push(Buffer.from(`"${this.documents.length}"`))
    this.copied = end
    const read = parseDocumentText(text)
    // Its nodes made now, the document and its text are garbage before the next scavenge, and never copied.
    this.documents.push('value' in read && isPlainDocument(read.value) ? {walked: walkDocument(read.value as SegmentDocument)} : read)
    return true
  }
}
