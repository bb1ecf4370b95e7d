import {sanitize} from './sanitize.js'

/** An argument as it can be pasted back into a shell: bare when safe, else single-quoted. */
export function shellWord(text: string): string {
  const safe = sanitize(text)
  return /^[\w@%+=:,./-]+$/.test(safe) ? safe : `'${safe.replaceAll("'", "'\\''")}'`
}
