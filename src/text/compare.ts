/**
 * One order for names, ids and keys, whatever the user's locale. `a.localeCompare(b)` collates by the locale
 * Node finds in the environment: the same account's functions came out in another order under LANG=da_DK
 * ("aa" sorts after "z") or lt_LT ("y" between "i" and "j"), so JSON output differed between machines. And
 * its first call builds ICU's collator: ~7 ms of a run that sorts anything. This is en-US collation (CLDR's
 * root order, as ICU applies it), and for printable ASCII, which is what Lambda names, ARNs, regions and
 * trace ids are made of, it is computed here, without ICU; test/unit/text/compare.test.ts checks it against
 * ICU's own answers.
 */

/** Printable ASCII in the order of CLDR's root collation: punctuation and symbols, digits, letters (a before A). */
const ROOT_ORDER = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ"

/** Each printable character's primary weight (a letter's two cases share one); 0 for the rest. */
const PRIMARY = new Uint8Array(128)
{
  let weight = 0
  for (let i = 0; i < ROOT_ORDER.length; i++) {
    const code = ROOT_ORDER.charCodeAt(i)
    const upperOfPrevious = code >= 65 && code <= 90 && ROOT_ORDER.charCodeAt(i - 1) === code + 32
    if (!upperOfPrevious) weight++
    PRIMARY[code] = weight
  }
}

let collator: Intl.Collator | undefined

/** What `Intl.Collator('en-US').compare(a, b)` gives: negative, zero or positive. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0
  if (!isPrintableAscii(a) || !isPrintableAscii(b)) return (collator ??= new Intl.Collator('en-US')).compare(a, b)
  // Primary weights decide first (case aside); then length (a prefix comes first); then the first difference of case.
  let byCase = 0
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    const difference = PRIMARY[x]! - PRIMARY[y]!
    if (difference !== 0) return difference < 0 ? -1 : 1
    // The same letter in two cases: the lowercase one (the larger code) first.
    if (byCase === 0) byCase = x > y ? -1 : 1
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1
  return byCase
}

function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code > 0x7e) return false
  }
  return true
}
