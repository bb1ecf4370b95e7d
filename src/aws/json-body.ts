import {AwsRestJsonProtocol} from '@aws-sdk/core/protocols'
import {collectBody} from '@smithy/core/protocols'
import {NormalizedSchema} from '@smithy/core/schema'
import type {MetadataBearer} from '@smithy/types'

/**
 * The body of a successful X-Ray or Lambda read, read as the SDK's restJson1 deserializer reads it, by a reader
 * compiled once per output shape from the SDK's own schema. The SDK's deserializer is generic: it looks
 * every value's schema up again as it goes, and on a cold start that is the largest part of `traces`
 * (one page of 100 summaries: ~20–40 ms on Node 20, ~10 ms on Node 24, against ~2 ms here); `status` reads
 * a page of 50 function configurations before its first GetFunction, then one configuration a call.
 *
 * Exactness comes from declining: a shape or a value this reader would not give exactly as the SDK does
 * (a blob, a document, a big number, a timestamp in a format other than epoch seconds or not a finite number,
 * a `__type` field, an unknown union member, a map key `__proto__`, an HTTP-bound member, a body that is
 * not a JSON object) is left to the SDK, which reads the same bytes. test/unit/aws/json-body.test.ts checks
 * both against each other on real and generated bodies.
 */

/** A value this reader declines: the SDK's deserializer reads the whole body instead. */
const DECLINED = Symbol('declined')
type Reader = (value: unknown) => unknown

const identity: Reader = (value) => value

/**
 * Operations whose answers are read here, by name (X-Ray's, then Lambda's: no name is both's); everything else, and
 * every error, goes through the SDK alone.
 */
export const FAST_OPERATIONS: ReadonlySet<string> = new Set(['GetTraceSummaries', 'BatchGetTraces', 'GetServiceGraph', 'ListFunctions', 'GetFunction', 'ListAliases'])

const HARMLESS_TRAITS = new Set(['required', 'sensitive', 'jsonName', 'documentation'])

/** A reader for the schema, or undefined when some part of it is a kind this reader leaves to the SDK. */
export function compileReader(schema: NormalizedSchema, compiled = new Map<unknown, Reader>()): Reader | undefined {
  // These outputs carry no traits but harmless ones; one that changes how a value is read (an HTTP binding, a
  // media type, a timestamp format, a stream) is the SDK's to read. Checked before the cache: a member's
  // own traits are not its shape's.
  if (Object.keys(schema.getMergedTraits()).some((name) => !HARMLESS_TRAITS.has(name))) return undefined
  const raw = schema.getSchema()
  const known = compiled.get(raw)
  if (known) return known
  if (schema.isStringSchema() || schema.isBooleanSchema()) return identity
  if (schema.isNumericSchema()) return readNumber
  if (schema.isTimestampSchema()) return raw === 4 || raw === 7 ? readEpochSeconds : undefined
  if (schema.isListSchema()) {
    const item = compileReader(schema.getValueSchema(), compiled)
    if (!item) return undefined
    return item === identity ? identity : listReader(item)
  }
  if (schema.isMapSchema()) {
    const value = compileReader(schema.getValueSchema(), compiled)
    return value ? mapReader(value) : undefined
  }
  if (schema.isStructSchema() && typeof raw === 'object' && raw !== null && (raw as unknown[])[0] !== -3) {
    // A placeholder first: a shape that contains itself reads through the finished reader.
    let finished: Reader = identity
    compiled.set(raw, (value) => finished(value))
    const members: {name: string; key: string; read: Reader}[] = []
    for (const [name, member] of schema.structIterator()) {
      const read = compileReader(member, compiled)
      if (!read) {
        compiled.delete(raw)
        return undefined
      }
      const {jsonName} = member.getMergedTraits() as {jsonName?: string}
      members.push({name, key: jsonName ?? name, read})
    }
    finished = structReader(members, schema.isUnionSchema())
    compiled.set(raw, finished)
    return finished
  }
  return undefined
}

/** The SDK turns X-Ray's spelled-out non-finite numbers into numbers and leaves any other value as it is. */
function readNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value
  return value === 'Infinity' ? Infinity : value === '-Infinity' ? -Infinity : value === 'NaN' ? Number.NaN : value
}

function readEpochSeconds(value: unknown): unknown {
  if (value === null || value === undefined) return value
  return typeof value === 'number' && Number.isFinite(value) ? new Date(Math.round(value * 1000)) : DECLINED
}

function listReader(item: Reader): Reader {
  return (value) => {
    if (!Array.isArray(value)) return value
    for (let i = 0; i < value.length; i++) {
      const read = item(value[i])
      if (read === DECLINED) return DECLINED
      value[i] = read
    }
    return value
  }
}

function mapReader(entry: Reader): Reader {
  return (value) => {
    if (value === null || typeof value !== 'object') return value
    if (Array.isArray(value)) return DECLINED
    const map = value as Record<string, unknown>
    if (Object.hasOwn(map, '__proto__')) return DECLINED
    if (entry === identity) return map
    for (const key of Object.keys(map)) {
      const read = entry(map[key])
      if (read === DECLINED) return DECLINED
      map[key] = read
    }
    return map
  }
}

function structReader(members: {name: string; key: string; read: Reader}[], union: boolean): Reader {
  const keys = new Set(members.map((member) => member.key))
  return (value) => {
    if (value === null || typeof value !== 'object') return value
    const record = value as Record<string, unknown>
    if (typeof record.__type === 'string') return DECLINED
    if (union && Object.keys(record).some((key) => !keys.has(key) && key !== '__type')) return DECLINED
    const out: Record<string, unknown> = {}
    for (const member of members) {
      const field = record[member.key]
      if (field === null || field === undefined) continue
      const read = member.read(field)
      if (read === DECLINED) return DECLINED
      out[member.name] = read
    }
    return out
  }
}

/** The output of an operation read from its body, or undefined when the SDK must read it. */
export function readBody(read: Reader, bytes: Uint8Array): Record<string, unknown> | undefined {
  if (bytes.byteLength === 0) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
  const out = read(parsed)
  return out === DECLINED ? undefined : (out as Record<string, unknown>)
}

type ProtocolArgs = Parameters<AwsRestJsonProtocol['deserializeResponse']>

/** restJson1 as the SDK speaks it, with the answers of FAST_OPERATIONS read by compiled readers. */
export class FastJsonProtocol extends AwsRestJsonProtocol {
  private readers = new Map<string, Reader | undefined>()

  override async deserializeResponse<Output extends MetadataBearer>(operationSchema: ProtocolArgs[0], context: ProtocolArgs[1], response: ProtocolArgs[2]): Promise<Output> {
    const read = response.statusCode >= 200 && response.statusCode < 300 ? this.readerFor(operationSchema) : undefined
    if (!read) return super.deserializeResponse<Output>(operationSchema, context, response)
    // Read by the client's collector: ours, for every client (aws/clients.ts, collect-body.ts).
    const bytes = await collectBody(response.body, context)
    const output = readBody(read, bytes)
    if (output) return Object.assign(output, {$metadata: this.deserializeMetadata(response)}) as unknown as Output
    response.body = bytes
    return super.deserializeResponse<Output>(operationSchema, context, response)
  }

  private readerFor(operationSchema: ProtocolArgs[0]): Reader | undefined {
    const {name} = operationSchema
    if (!FAST_OPERATIONS.has(name)) return undefined
    if (!this.readers.has(name)) this.readers.set(name, compileReader(NormalizedSchema.of(operationSchema.output)))
    return this.readers.get(name)
  }
}
