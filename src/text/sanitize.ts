/**
 * Neutralise text that came from a trace (or any other untrusted source) before it reaches a
 * terminal. Control characters — C0, DEL, C1, which include ESC and the 8-bit CSI/OSC
 * introducers — and bidirectional overrides are replaced by a visible escape such as `\x1b`, so
 * an escape sequence is shown as text instead of being obeyed: it cannot move the cursor, clear
 * the screen, set the title or forge a hyperlink. Lone surrogates become U+FFFD.
 */

// C0 (incl. \t \n \r), DEL, C1, line/paragraph separators, bidi embeddings/overrides/isolates,
// and lone surrogates. Built once; `u` mode is not used so that lone surrogates can be matched.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0)
  if (code >= 0xd800 && code <= 0xdfff) return '\ufffd'
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`
  return `\\u${code.toString(16).padStart(4, '0')}`
}

export function sanitize(text: string): string {
  UNSAFE.lastIndex = 0
  return UNSAFE.test(text) ? text.replace(UNSAFE, escapeChar) : text
}

/** Multi-line text: each line sanitised, the line breaks kept. */
export function sanitizeLines(text: string): string {
  return text
    .split('\n')
    .map((line) => sanitize(line))
    .join('\n')
}

/** Any value shown to the user as text: strings are sanitised, other values stringified first. */
export function sanitizeValue(value: unknown): string {
  if (typeof value === 'string') return sanitize(value)
  if (value === undefined) return ''
  let text: string
  try {
    text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
  } catch {
    text = String(value)
  }
  return sanitize(text ?? '')
}

