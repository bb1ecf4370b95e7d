import {describe, expect, it} from 'vitest'

import {InputError} from '../../../src/errors.js'
import {parseTraceInput} from '../../../src/traces/parse.js'
import {allTraceFixtures, modelOf, plainRender, readFixture} from '../../harness/fixtures.js'
import {walk} from '../../harness/tree.js'

const AWSDOCS = 'xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json'
const STREAMED = 'xray/sdk-generated/node-xray-sdk-checkout-inventory-streamed.batch-get-traces.json'

function ids(text: string, name = 'input'): string[] {
  return parseTraceInput(text, name).documents.map((d) => d.doc!.id as string)
}

describe('every fixture', () => {
  it.each(allTraceFixtures())('%s parses, assembles, renders and serialises', (path) => {
    let model
    try {
      model = modelOf(path)
    } catch (error) {
      // Only inputs that hold no segment at all may be refused, and then with an InputError.
      expect(error).toBeInstanceOf(InputError)
      expect(path).toMatch(/get-service-graph|get-trace-summaries|root-cause|put-trace-segments-unprocessed/)
      return
    }
    const text = plainRender(model, {details: true})
    expect(typeof text).toBe('string')
    for (const trace of model.traces) {
      const all = walk(trace.roots)
      expect(all.length).toBe(trace.nodeCount)
      expect(new Set(all.map((n) => n.id)).size).toBe(all.length)
    }
  })
})

describe('input forms', () => {
  const response = JSON.parse(readFixture(AWSDOCS)) as {Traces: {Id: string; Segments: {Id: string; Document: string}[]}[]}
  const documents = response.Traces[0]!.Segments.map((s) => JSON.parse(s.Document) as Record<string, unknown>)
  const expected = documents.map((d) => d.id as string)

  it('reads a BatchGetTraces response with Documents as strings', () => {
    expect(ids(readFixture(AWSDOCS))).toEqual(expected)
  })

  it('reads a BatchGetTraces response with Documents as objects', () => {
    const objects = {Traces: [{...response.Traces[0], Segments: documents.map((d) => ({Id: d.id, Document: d}))}]}
    expect(ids(JSON.stringify(objects))).toEqual(expected)
  })

  it('reads a single Trace', () => {
    expect(ids(JSON.stringify(response.Traces[0]))).toEqual(expected)
  })

  it('reads an array of documents, as objects or as JSON strings', () => {
    expect(ids(JSON.stringify(documents))).toEqual(expected)
    expect(ids(JSON.stringify(documents.map((d) => JSON.stringify(d))))).toEqual(expected)
  })

  it('reads a single document', () => {
    expect(ids(readFixture('xray/awsdocs-segment-minimal.json'))).toEqual(['70de5b6f19ff9a0a'])
  })

  it('reads a PutTraceSegments request', () => {
    const request = {TraceSegmentDocuments: documents.map((d) => JSON.stringify(d))}
    expect(ids(JSON.stringify(request))).toEqual(expected)
  })

  it('reads daemon datagrams as text (header line + document line, repeated)', () => {
    const text = readFixture('xray/sdk-generated/node-xray-sdk-checkout-inventory-streamed.raw-udp-datagrams.txt')
    expect(parseTraceInput(text, 'udp.txt').documents).toHaveLength(173)
    expect(ids(readFixture('xray/awsdocs-daemon-udp-datagram-example.txt'))).toEqual(['6226467e3f845502'])
  })

  it('reads daemon datagrams as a JSON array of payload strings', () => {
    const text = readFixture('xray/sdk-generated/node-xray-sdk-checkout-inventory-streamed.raw-udp-datagrams.json')
    expect(parseTraceInput(text, 'udp.json').documents).toHaveLength(173)
  })

  it('reads `sam traces --output json` lines (a Trace per line whose Segments are documents)', () => {
    // What SAM's XRayTraceJSONMapper prints: the trace with each {Id, Document} replaced by the parsed document.
    const streamed = JSON.parse(readFixture(STREAMED)) as {Traces: {Segments: {Document: string}[]}[]}
    const lines = streamed.Traces.map((trace) =>
      JSON.stringify({...trace, Segments: trace.Segments.map((s) => JSON.parse(s.Document) as unknown)}),
    )
    const parsed = parseTraceInput(`${lines.join('\n')}\n`, 'sam.jsonl')
    expect(parsed.documents).toHaveLength(173)
    expect(parsed.traceIds).toHaveLength(4)
    expect(parsed.warnings).toEqual([])
  })

  it('collects UnprocessedTraceIds from a saved response', () => {
    const text = JSON.stringify({Traces: [], UnprocessedTraceIds: ['1-5759e988-bd862e3fe1be46a994272793']})
    expect(parseTraceInput(text, 'r.json').unprocessedTraceIds).toEqual(['1-5759e988-bd862e3fe1be46a994272793'])
  })

  it('skips a BOM and CRLF line endings', () => {
    const text = `\ufeff${documents.map((d) => JSON.stringify(d)).join('\r\n')}\r\n`
    expect(ids(text)).toEqual(expected)
  })
})

describe('bad input', () => {
  it('reports one broken Document and keeps the rest', () => {
    const broken = JSON.parse(readFixture(AWSDOCS)) as {Traces: {Segments: {Document: string}[]}[]}
    broken.Traces[0]!.Segments[2]!.Document = '{"id": "00f91aa01f4984fd", "name": '
    const parsed = parseTraceInput(JSON.stringify(broken), 'broken.json')
    expect(parsed.documents).toHaveLength(4)
    expect(parsed.warnings).toHaveLength(1)
    expect(parsed.warnings[0]).toMatch(/^broken\.json: Traces\[0\]\.Segments\[2\]: not valid JSON \(.+\); skipped$/)
  })

  it('names the file and the JSON problem when nothing can be read', () => {
    expect(() => parseTraceInput('{"Traces": [', 'cut.json')).toThrowError(/^cut\.json is not valid JSON: /)
    expect(() => parseTraceInput('', 'empty.json')).toThrowError(/^empty\.json is empty/)
    expect(() => parseTraceInput('   \n', 'blank.json')).toThrowError(InputError)
  })

  it('refuses JSON that holds no segments, saying what it expected', () => {
    expect(() => parseTraceInput('{"hello": "world"}', 'other.json')).toThrowError(/other\.json holds no X-Ray segment documents/)
    expect(() => parseTraceInput('42', 'n.json')).toThrowError(InputError)
    expect(() => parseTraceInput('"just a string"', 's.json')).toThrowError(InputError)
  })

  it('refuses a PutTraceSegments response, saying which segments X-Ray refused, or that it took them all', () => {
    expect(() => parseTraceInput(readFixture('xray/awsdocs-put-trace-segments-unprocessed-response.json'), 'put.json')).toThrowError(
      'put.json holds no X-Ray segment documents: a PutTraceSegments response holds no segments, only those X-Ray refused (6226467e3f845502 InvalidTraceId); skipped',
    )
    const many = {UnprocessedTraceSegments: [{Id: 'a', ErrorCode: 'X'}, {Id: 'b\u001b[31m'}, {Id: 'c'}, {Id: 'd'}, {}, 'junk']}
    expect(() => parseTraceInput(JSON.stringify(many), 'many.json')).toThrowError(/only those X-Ray refused \(a X, b\\x1b\[31m, c, and 1 more\); skipped$/)
    expect(() => parseTraceInput('{"UnprocessedTraceSegments": []}', 'ok.json')).toThrowError(
      'ok.json holds no X-Ray segment documents: a PutTraceSegments response holds no segments: X-Ray took every one it was sent; skipped',
    )
  })

  it('tells a service graph from a trace summary root cause, which both list Services', () => {
    expect(() => parseTraceInput(readFixture('xray/awsdocs-get-service-graph-beanstalk-dynamodb-sns.json'), 'graph.json')).toThrowError(
      'graph.json holds no X-Ray segment documents: a service graph holds no segments; skipped',
    )
    expect(() => parseTraceInput(readFixture('xray/awsdocs-root-cause-filter-entitypath-reformatted.json'), 'cause.json')).toThrowError(
      "cause.json holds no X-Ray segment documents: a trace summary's root cause holds no segments, only the path to one; skipped",
    )
  })

  it('keeps good JSON lines and reports broken ones', () => {
    const text = ['{"format":"json","version":1}', '{"id":"a1","name":"x","start_time":1,"end_time":2,"trace_id":"1-00000001-000000000000000000000001"}', '{broken'].join('\n')
    const parsed = parseTraceInput(text, 'mixed.txt')
    expect(parsed.documents.map((d) => d.doc!.id)).toEqual(['a1'])
    expect(parsed.warnings).toEqual([expect.stringMatching(/^mixed\.txt: line 3: not valid JSON/)])
  })

  it('neutralises escape sequences in file names used in messages', () => {
    expect(() => parseTraceInput('', 'evil\u001b]0;title\u0007.json')).toThrowError('evil\\x1b]0;title\\x07.json is empty')
  })
})
