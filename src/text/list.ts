/**
 * The first `limit` items joined, and how many were left out: "a, b, c, and 2 more". `more` names
 * what the rest are ("and 2 more functions"); `separator` joins (", " unless told).
 */
export function listSome(items: readonly string[], limit: number, options: {separator?: string; more?: string} = {}): string {
  const separator = options.separator ?? ', '
  const shown = items.slice(0, limit).join(separator)
  if (items.length <= limit) return shown
  return `${shown}${separator}and ${items.length - limit} more${options.more ? ` ${options.more}` : ''}`
}
