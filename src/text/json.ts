/**
 * JSON.stringify without recursion. V8's JSON.stringify throws "Maximum call stack size exceeded"
 * on deeply nested data, and a trace whose documents chain through parent_id can nest thousands of
 * levels deep. Output is identical to JSON.stringify(value, null, indent) for plain JSON data;
 * strings are escaped by JSON.stringify itself, plus DEL, C1 and bidi controls (see sanitize.ts).
 * Lists of objects are walked here; what hangs below them without such a list (a node without
 * children, an `http` block) is written by JSON.stringify itself, which is many times faster, and
 * walked here after all where it nests too deep for it.
 */

const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g

/** JSON text with DEL, C1 and bidi controls escaped too: JSON.stringify leaves them raw, and they occur only inside strings. */
function escapeUnsafe(json: string): string {
  JSON_UNSAFE.lastIndex = 0
  return JSON_UNSAFE.test(json) ? json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : json
}

function quote(text: string): string {
  return escapeUnsafe(JSON.stringify(text))
}

/**
 * Whether JSON.stringify may try the value whole: no own value is an array that holds objects or arrays. A list of
 * children is where a trace nests without bound (a chain of documents through parent_id); an object that holds
 * only scalars and objects (a node without children, an `http` or `aws` block) is tried natively, many times faster
 * than walking it here, and walked here after all if it nests too deep for JSON.stringify.
 */
function tryWhole(item: object): boolean {
  if (Array.isArray(item)) return !item.some(isStructured)
  for (const key in item) {
    const value = (item as Record<string, unknown>)[key]
    if (Array.isArray(value) && value.some(isStructured)) return false
  }
  return true
}

function isStructured(value: unknown): boolean {
  return typeof value === 'object' && value !== null
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
  /** Whether values inside may be tried with JSON.stringify: not below one it could not write. */
  whole: boolean
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

  /** The value whole, by JSON.stringify, indented to its depth; undefined where JSON.stringify cannot write it. */
  const whole = (item: object, depth: number): string | undefined => {
    let text: string
    try {
      text = JSON.stringify(item, null, indent)
    } catch {
      // Nested deeper than the stack allows (RangeError), or a value it refuses (a BigInt): walked here instead.
      return undefined
    }
    // Newlines in JSON.stringify's text are its own (a string's are escaped): each starts a line of this depth.
    return escapeUnsafe(indent > 0 && depth > 0 ? text.replaceAll('\n', `\n${' '.repeat(indent * depth)}`) : text)
  }

  const open = (item: object, depth: number, tryNative: boolean): void => {
    if (tryNative && tryWhole(item)) {
      const text = whole(item, depth)
      if (text !== undefined) return void out.push(text)
      tryNative = false
    }
    if (Array.isArray(item)) {
      if (item.length === 0) return void out.push('[]')
      out.push('[')
      stack.push({entries: item.map((element) => [undefined, element]), index: 0, close: ']', depth: depth + 1, wrote: false, whole: tryNative})
      return
    }
    const entries = Object.entries(item).filter(([, v]) => !isOmitted(v))
    if (entries.length === 0) return void out.push('{}')
    out.push('{')
    stack.push({entries, index: 0, close: '}', depth: depth + 1, wrote: false, whole: tryNative})
  }

  const first = scalar(value)
  if (first !== undefined) {
    yield first === '' ? 'null' : first
    return
  }
  open(value as object, 0, true)
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
    if (text === undefined) open(item as object, frame.depth, frame.whole)
    else out.push(text === '' ? 'null' : text)
  }
  yield out.join('')
}
