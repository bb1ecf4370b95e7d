/**
 * JSON.stringify without recursion. V8's JSON.stringify throws "Maximum call stack size exceeded"
 * on deeply nested data, and a trace whose documents chain through parent_id can nest thousands of
 * levels deep. Output is identical to JSON.stringify(value, null, indent) for plain JSON data;
 * strings are escaped by JSON.stringify itself, plus DEL, C1 and bidi controls (see sanitize.ts).
 */

const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g

function quote(text: string): string {
  const quoted = JSON.stringify(text)
  JSON_UNSAFE.lastIndex = 0
  return JSON_UNSAFE.test(quoted)
    ? quoted.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : quoted
}

function scalar(value: unknown): string | undefined {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return String(value)
    case 'object':
      return undefined
    default:
      // undefined, functions and symbols are left out of objects (and become null in arrays).
      return ''
  }
}

/** Values JSON.stringify leaves out of objects (and turns into null in arrays). */
function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol'
}

interface Frame {
  entries: [string | undefined, unknown][]
  index: number
  close: string
  depth: number
  wrote: boolean
}

export function safeJsonStringify(value: unknown, indent = 2): string {
  return [...safeJsonChunks(value, indent)].join('')
}

/**
 * safeJsonStringify's text in pieces of some 8,000 tokens, made as they are asked for: a caller that
 * writes each one never holds the whole text (tens of MB for a 100,000-node trace).
 */
export function* safeJsonChunks(value: unknown, indent = 2): Generator<string> {
  let out: string[] = []
  const newline = indent > 0 ? '\n' : ''
  const pad = (depth: number) => (indent > 0 ? newline + ' '.repeat(indent * depth) : '')
  const colon = indent > 0 ? ': ' : ':'
  const stack: Frame[] = []

  const open = (item: object, depth: number): void => {
    if (Array.isArray(item)) {
      if (item.length === 0) return void out.push('[]')
      out.push('[')
      stack.push({entries: item.map((element) => [undefined, element]), index: 0, close: ']', depth: depth + 1, wrote: false})
      return
    }
    const entries = Object.entries(item).filter(([, v]) => !isOmitted(v))
    if (entries.length === 0) return void out.push('{}')
    out.push('{')
    stack.push({entries, index: 0, close: '}', depth: depth + 1, wrote: false})
  }

  const first = scalar(value)
  if (first !== undefined) {
    yield first === '' ? 'null' : first
    return
  }
  open(value as object, 0)
  while (stack.length > 0) {
    if (out.length > 8192) {
      yield out.join('')
      out = []
    }
    const frame = stack.at(-1)!
    if (frame.index >= frame.entries.length) {
      stack.pop()
      out.push(pad(frame.depth - 1) + frame.close)
      continue
    }
    const [key, item] = frame.entries[frame.index++]!
    out.push((frame.wrote ? ',' : '') + pad(frame.depth) + (key === undefined ? '' : quote(key) + colon))
    frame.wrote = true
    const text = scalar(item)
    if (text === undefined) open(item as object, frame.depth)
    else out.push(text === '' ? 'null' : text)
  }
  yield out.join('')
}
