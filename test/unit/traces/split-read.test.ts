import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {generateTrace} from '../../../bench/generate.js'
import {walkDocument} from '../../../src/traces/assemble.js'
import {type DocumentText, parseSplitTraceInput, parseTraceInput} from '../../../src/traces/parse.js'
import {splitDocuments} from '../../../src/traces/split-read.js'
import type {ParsedInput} from '../../../src/traces/types.js'
import {allTraceFixtures, readFixture} from '../../harness/fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'xtrace-split-'))
let files = 0

function fileOf(content: string | Buffer): string {
  const path = join(dir, `input-${files++}.json`)
  writeFileSync(path, content)
  return path
}

/** Small reads put every token across a read's edge somewhere; a megabyte is what a run uses. */
const CHUNKS = [1, 2, 3, 5, 8, 13, 64, 1024 * 1024]

/** Documents as assembly takes them: a document walked now, or as the split reading walked it. */
function walked(input: ParsedInput): ParsedInput {
  return {
    ...input,
    documents: input.documents.map(({doc, walked, source, traceId}) => ({walked: walked ?? walkDocument(doc), source, ...(traceId === undefined ? {} : {traceId})})),
  }
}

function splitRead(path: string, chunkBytes: number): ParsedInput | undefined {
  const split = splitDocuments(path, 0, chunkBytes)
  return split && parseSplitTraceInput(split.skeleton, split.documents, path)
}

/**
 * Whether the split reading answered for this content; wherever it answers, with every read size, it gives exactly
 * what parseTraceInput gives for the whole text (which then throws nothing).
 */
function splitAgrees(content: string | Buffer, chunks = CHUNKS): boolean {
  const path = fileOf(content)
  const text = Buffer.from(content).toString('utf8')
  let whole: ParsedInput | Error
  try {
    whole = parseTraceInput(text, path)
  } catch (error) {
    whole = error as Error
  }
  let answered: boolean | undefined
  for (const chunkBytes of chunks) {
    const split = splitRead(path, chunkBytes)
    if (split !== undefined) {
      expect(whole).not.toBeInstanceOf(Error)
      expect(walked(split), `read ${chunkBytes} bytes at a time`).toEqual(walked(whole as ParsedInput))
    }
    // Whether it answers depends on the content, never on the size of the reads.
    answered ??= split !== undefined
    expect(split !== undefined, `read ${chunkBytes} bytes at a time`).toBe(answered)
  }
  return answered!
}

const TRACE_ID = '1-5759e988-bd862e3fe1be46a994272793'

function response(documents: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {Traces: [{Id: TRACE_ID, Duration: 1, Segments: documents.map((Document, i) => ({Id: `s${i}`, Document})), ...extra}], UnprocessedTraceIds: []}
}

const DOC = {id: '70de5b6f19ff9a0a', name: 'orders-api', start_time: 1.5e9, end_time: 1.5e9 + 1, trace_id: TRACE_ID}

describe('splitDocuments with parseSplitTraceInput', () => {
  it.each(allTraceFixtures())('%s: the same as reading it whole', (path) => {
    const text = readFixture(path)
    const answered = splitAgrees(text, [1, 7, 1024 * 1024])
    // Every fixture with a Document string is one the split reading answers for.
    if (/"Document"\s*:\s*"/.test(text) && !/get-trace-summaries|root-cause/.test(path)) expect(answered).toBe(true)
  })

  it('reads a generated trace the way reading it whole does, whatever the size of the reads', () => {
    const text = JSON.stringify(generateTrace(300))
    expect(splitAgrees(text)).toBe(true)
    // As the AWS CLI saves it: indented by four, one field a line.
    expect(splitAgrees(JSON.stringify(generateTrace(50), null, 4))).toBe(true)
    expect(splitAgrees(`\uFEFF${JSON.stringify(generateTrace(20), null, '\t')}\r\n`)).toBe(true)
  })

  it('documents with escapes, other scripts and characters that need care', () => {
    const names = ['back\\slash\\', 'quote"', '\\"', 'line\nbreak', 'é', '😀 emoji', '\u2028', '\u0000', 'ends with \\\\']
    const documents = names.map((name, i) => JSON.stringify({...DOC, id: `${i}`.padStart(16, '0'), name}))
    expect(splitAgrees(JSON.stringify(response(documents)))).toBe(true)
    // A Document string without escapes, and one spelled with \u escapes where none are needed.
    expect(splitAgrees(JSON.stringify(response(['5'])).replace('"5"', '"{\\u0022id\\u0022:\\u0022a\\u0022}"'))).toBe(true)
  })

  it('documents the whole reading warns about: the same warnings, the same unreadable counts', () => {
    const daemon = `{"format":"json","version":1}\n${JSON.stringify(DOC)}`
    // Strings that hold more than one document, or none: read by the same code as a whole file's.
    const nested = [
      JSON.stringify({Id: TRACE_ID, Segments: [{Id: 'n', Document: {...DOC, id: 'nested'}}]}),
      JSON.stringify({TraceSegmentDocuments: [JSON.stringify({...DOC, id: 'sent'})]}),
      JSON.stringify([{...DOC, id: 'in-array'}]),
      '{"format":"json","version":1}',
      JSON.stringify({...DOC, id: ''}),
      JSON.stringify({...DOC, subsegments: [{name: 'no id'}, 'not an object', {...DOC, id: 'child'}]}),
      JSON.stringify({...DOC, in_progress: true, end_time: undefined}),
    ]
    const documents = ['', '  ', '{broken', '[1, 2]', 'null', '5', daemon, {...DOC, id: 'object-document'}, 7, null, JSON.stringify(DOC), ...nested]
    expect(splitAgrees(JSON.stringify(response(documents, {LimitExceeded: true})))).toBe(true)
  })

  it('bytes that are not UTF-8 read as reading the file whole reads them', () => {
    const text = JSON.stringify(response([JSON.stringify({...DOC, name: 'AAAA'}), JSON.stringify({...DOC, id: 'second', name: 'é😀'})]))
    const bytes = Buffer.from(text)
    const broken = Buffer.from(bytes)
    broken[bytes.indexOf('AAAA')] = 0xff
    broken[bytes.indexOf('AAAA') + 2] = 0xc3
    expect(splitAgrees(broken)).toBe(true)
    // Half of a character cut off at the end of an Id, outside any document.
    const cut = Buffer.from(JSON.stringify(response([JSON.stringify(DOC)])).replace('"s0"', '"s0X"'))
    cut[cut.indexOf('s0X') + 2] = 0xe2
    expect(splitAgrees(cut)).toBe(true)
  })

  it('declines what it cannot promise to read the same, and reading whole then answers', () => {
    const one = JSON.stringify(response([JSON.stringify(DOC)]))
    const declined = [
      // JSON lines: more than one value.
      `${one}\n${one}\n`,
      // A key spelled with escapes: one that reads "Document" is not replaced, and could pass for a placeholder.
      one.replace('"Document"', '"Docum\\u0065nt"'),
      JSON.stringify({...response(['0']), Other: {Document: JSON.stringify(DOC)}}).replace('"Document"', '"Docum\\u0065nt"'),
      // A Document string holding a trace with Document strings of its own: those are not placeholders.
      JSON.stringify(response([JSON.stringify({Id: TRACE_ID, Segments: [{Id: 'n', Document: JSON.stringify(DOC)}]})])),
      // Two Document keys in one segment: JSON.parse keeps the last.
      one.replace('"Document":', '"Document":"{}","Document":'),
      // A Document field of a document given as an object.
      JSON.stringify([{...DOC, Document: JSON.stringify(DOC)}]),
      // Not JSON at all, or cut short.
      one.slice(0, -10),
      one.slice(0, one.indexOf('Document') + 20),
      '',
      '   \n',
      `${TRACE_ID}\n`,
      // A raw line break inside a Document string.
      one.replace('orders-api', 'orders\napi'),
      // Nothing X-Ray in it.
      '{"hello": "world"}',
      '"just a string"',
    ]
    for (const content of declined) expect(splitAgrees(content), JSON.stringify(content.slice(0, 80))).toBe(false)
  })

  it('agrees with reading whole on any response, written any way, read in any size of parts (property)', () => {
    const documentValue = fc.oneof(
      fc.record({id: fc.string(), name: fc.string({unit: 'binary'}), start_time: fc.double(), subsegments: fc.array(fc.record({id: fc.string(), name: fc.string()}), {maxLength: 3})}).map((doc) => JSON.stringify(doc)),
      fc.string({unit: 'binary'}),
      fc.jsonValue(),
    )
    const indent = fc.constantFrom(undefined, 0, 2, 4, '\t', ' \r\n')
    fc.assert(
      fc.property(fc.array(documentValue, {maxLength: 6}), indent, fc.integer({min: 1, max: 40}), fc.boolean(), (documents, space, chunkBytes, limitExceeded) => {
        const text = JSON.stringify(response(documents, limitExceeded ? {LimitExceeded: true} : {}), null, space as string | number | undefined)
        splitAgrees(text, [chunkBytes])
      }),
      {numRuns: 150},
    )
  })

  it('a byte changed anywhere: never a different answer from reading whole (property)', () => {
    const text = Buffer.from(JSON.stringify(response([JSON.stringify({...DOC, name: 'a "quoted" \\ name é'}), JSON.stringify(DOC)])))
    const bytes = fc.constantFrom(0x22, 0x5c, 0x3a, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x20, 0x0a, 0x41, 0xc3, 0xff, 0x00)
    fc.assert(
      fc.property(fc.integer({min: 0, max: text.length - 1}), bytes, fc.integer({min: 1, max: 16}), (at, byte, chunkBytes) => {
        const changed = Buffer.from(text)
        changed[at] = byte
        splitAgrees(changed, [chunkBytes])
      }),
      {numRuns: 200},
    )
  })

  it('leaves small files and what is not a regular file to the whole reading', () => {
    const path = fileOf(JSON.stringify(response([JSON.stringify(DOC)])))
    expect(splitDocuments(path)).toBeUndefined()
    expect(splitDocuments(dir, 0)).toBeUndefined()
    expect(() => splitDocuments(join(dir, 'missing.json'), 0)).toThrow(/ENOENT/)
    const split = splitDocuments(path, 0)!
    expect(split.documents).toEqual([{walked: walkDocument(DOC)}] satisfies DocumentText[])
    expect(split.skeleton).toBe(JSON.stringify(response(['0'])))
  })
})
