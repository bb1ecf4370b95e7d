import {Chalk} from 'chalk'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {InputError} from '../../../src/errors.js'
import {renderShow} from '../../../src/render/tree.js'
import {safeJsonStringify} from '../../../src/text/json.js'
import {buildShowModel, toShowJson} from '../../../src/traces/model.js'
import {parseTraceInput} from '../../../src/traces/parse.js'
import type {TraceNode} from '../../../src/traces/types.js'
import {allTraceFixtures, readFixture} from '../../harness/fixtures.js'
import {walk} from '../../harness/tree.js'

/** FUZZ_RUNS=5000 npm test for a long run; the default keeps the suite fast. */
const RUNS = Number.parseInt(process.env.FUZZ_RUNS ?? '200', 10)
const chalk = new Chalk({level: 0})
const TRACE = '1-6b04eba2-c16f9196aeffbc1aba4613ea'

/** The whole show pipeline on one text: a model and both outputs, or an InputError. */
function showPipeline(text: string): void {
  let parsed
  try {
    parsed = parseTraceInput(text, 'fuzz')
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return
  }
  const model = buildShowModel(parsed)
  renderShow(model, {width: 100, ascii: false, details: true, chalk})
  renderShow(model, {width: 40, ascii: true, details: false, depth: 2, chalk})
  const json = safeJsonStringify(toShowJson(model))
  expect(() => JSON.parse(json)).not.toThrow()
}

describe('any input gives a model or a clear error', () => {
  it('arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => showPipeline(JSON.stringify(value))), {numRuns: RUNS})
  })

  it('arbitrary text', () => {
    fc.assert(fc.property(fc.string({unit: 'binary', maxLength: 400}), (text) => showPipeline(text)), {numRuns: RUNS})
  })

  const documents = allTraceFixtures().flatMap((path) => {
    try {
      return parseTraceInput(readFixture(path), path).documents.map((d) => d.doc)
    } catch {
      return []
    }
  })

  it('real documents with fields deleted or replaced by arbitrary values', () => {
    const keys = ['id', 'name', 'start_time', 'end_time', 'parent_id', 'trace_id', 'subsegments', 'in_progress', 'cause', 'http', 'aws', 'sql', 'annotations', 'metadata', 'type', 'origin', 'namespace', 'error', 'fault', 'throttle', 'inferred']
    const mutation = fc.tuple(fc.constantFrom(...keys), fc.option(fc.jsonValue(), {nil: undefined}))
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(documents.length - 1), fc.array(mutation, {maxLength: 4})), {minLength: 1, maxLength: 8}), (picks) => {
        const docs = picks.map(([index, mutations]) => {
          const doc: Record<string, unknown> = structuredClone(documents[index]!)
          for (const [key, value] of mutations) {
            if (value === undefined) delete doc[key]
            else doc[key] = value
          }
          return doc
        })
        showPipeline(JSON.stringify(docs))
        showPipeline(JSON.stringify({Traces: [{Id: TRACE, Segments: docs.map((d) => ({Id: d.id, Document: JSON.stringify(d)}))}]}))
      }),
      {numRuns: RUNS},
    )
  })
})

describe('tree assembly invariants', () => {
  // A set of documents over a small id space: random parents (missing, self, cycles), embedding,
  // duplicates (one in progress), shuffled order.
  const idArb = fc.constantFrom(...Array.from({length: 12}, (_, i) => `id${String(i).padStart(14, '0')}`))
  const docArb = fc.record({
    id: idArb,
    parent: fc.option(fc.oneof(idArb, fc.constant('not-in-trace')), {nil: undefined}),
    start: fc.option(fc.double({min: 0, max: 100, noNaN: true}), {nil: undefined}),
    length: fc.double({min: 0, max: 10, noNaN: true}),
    inProgress: fc.boolean(),
    embedded: fc.array(fc.record({id: idArb, start: fc.double({min: 0, max: 100, noNaN: true}), unfinished: fc.boolean()}), {maxLength: 3}),
    links: fc.array(fc.record({trace_id: fc.constantFrom(TRACE, '1-6b04eba3-efc4710bc742f7418bd9d57e'), id: idArb}), {maxLength: 2}),
  })
  /** Documents X-Ray may hand back that cannot be read: empty, cut off, not an object. */
  const unreadableArb = fc.array(fc.constantFrom('', '{"id": "x', '[]', 'null', '42'), {maxLength: 3})

  it('shows every readable document id exactly once, with siblings in start-time order, links and unfinished work included', () => {
    fc.assert(
      fc.property(fc.array(docArb, {minLength: 1, maxLength: 30}), unreadableArb, (specs, unreadable) => {
        const docs = specs.map((spec) => ({
          id: spec.id,
          name: spec.id,
          trace_id: TRACE,
          ...(spec.parent === undefined ? {} : {parent_id: spec.parent}),
          ...(spec.start === undefined ? {} : {start_time: spec.start}),
          ...(spec.inProgress || spec.start === undefined ? {in_progress: true} : {end_time: spec.start + spec.length}),
          ...(spec.links.length > 0 ? {links: spec.links} : {}),
          subsegments: spec.embedded.map((sub) => ({id: sub.id, name: sub.id, start_time: sub.start, ...(sub.unfinished ? {in_progress: true} : {end_time: sub.start + 1})})),
        }))
        const expectedIds = new Set<string>()
        for (const doc of docs) {
          expectedIds.add(doc.id)
          for (const sub of doc.subsegments) expectedIds.add(sub.id)
        }
        const response = {Traces: [{Id: TRACE, Segments: [...docs.map((d) => ({Id: d.id, Document: JSON.stringify(d)})), ...unreadable.map((text, i) => ({Id: `bad${i}`, Document: text}))]}]}
        const model = buildShowModel(parseTraceInput(JSON.stringify(response), 'prop'))
        expect(model.traces.reduce((sum, trace) => sum + trace.unreadableDocuments, 0) + (model.unreadableTraceIds.length > 0 ? unreadable.length : 0)).toBe(unreadable.length)
        renderShow(model, {width: 100, ascii: true, details: true, chalk})
        for (const node of model.traces.flatMap((trace) => walk(trace.roots))) {
          // Unfinished work inside an ended parent never reaches past it.
          if (node.clippedEnd !== undefined) expect(node.endTime).toBeNull()
        }
        const nodes: TraceNode[] = model.traces.flatMap((trace) => walk(trace.roots))
        const seen = nodes.map((node) => node.id)
        expect(new Set(seen).size).toBe(seen.length)
        expect(new Set(seen)).toEqual(expectedIds)
        for (const node of nodes) {
          const starts = node.children.map((child) => child.startTime ?? Infinity)
          expect(starts).toEqual([...starts].sort((a, b) => a - b))
        }
        for (const trace of model.traces) {
          const onPath = new Set(trace.criticalPath)
          expect(onPath.size).toBe(trace.criticalPath.length)
          for (const id of onPath) expect(seen).toContain(id)
        }
      }),
      {numRuns: RUNS},
    )
  })

  it.each([
    'xray/sdk-generated/node-xray-sdk-checkout-inventory-streamed.batch-get-traces.json',
    // Links, unfinished work, a fault recorded at three levels.
    'drawn/checkout-long-url-unfinished-link.batch-get-traces.json',
  ])('gives the same model whatever order the documents of %s arrive in', (path) => {
    const documents = parseTraceInput(readFixture(path), path).documents.map((d) => d.doc)
    const expected = toShowJson(buildShowModel(parseTraceInput(JSON.stringify(documents), 'ordered')))
    fc.assert(
      fc.property(fc.shuffledSubarray(documents, {minLength: documents.length, maxLength: documents.length}), (shuffled) => {
        const model = buildShowModel(parseTraceInput(JSON.stringify(shuffled), 'shuffled'))
        model.traces.sort((a, b) => expected.traces.findIndex((t) => t.id === a.id) - expected.traces.findIndex((t) => t.id === b.id))
        expect(toShowJson(model)).toEqual(expected)
      }),
      {numRuns: Math.max(10, Math.floor(RUNS / 10))},
    )
  })
})
