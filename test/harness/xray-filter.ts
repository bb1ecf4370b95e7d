/**
 * A parser and evaluator for a documented subset of X-Ray's filter expression language (X-Ray
 * developer guide, "Use filter expressions"), for the local endpoint's GetTraceSummaries:
 *
 *   expr      := or
 *   or        := and ("OR" and)*
 *   and       := not ("AND" not)*
 *   not       := ("NOT" | "!") not | primary
 *   primary   := "(" expr ")" | keyword | comparison | service
 *   keyword   := ok | error | fault | throttle | partial            (booleans of the trace)
 *   comparison:= field op value
 *   field     := duration | responsetime | http.status | http.url | http.method | user | annotation.KEY
 *   op        := = | != | < | <= | > | >= | CONTAINS | BEGINSWITH | ENDSWITH
 *   service   := service "(" [string | id "(" name ":" string ["," type ":" string] ")"] ")"
 *
 * Strings are double-quoted with `\"` and `\\` escapes; keywords are case-insensitive. Anything
 * else is refused, as X-Ray refuses what it cannot parse, with InvalidRequestException.
 */

export interface FilterableTrace {
  duration: number
  responseTime: number
  http: {status?: number; url?: string; method?: string}
  error: boolean
  fault: boolean
  throttle: boolean
  partial: boolean
  users: string[]
  annotations: Record<string, (string | number | boolean)[]>
  services: {name: string; type: string}[]
}

export class FilterSyntaxError extends Error {}

type Token = {kind: 'word' | 'string' | 'number' | 'op' | 'punct'; text: string; value?: string | number}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (ch === '"') {
      let value = ''
      i++
      for (;;) {
        if (i >= text.length) throw new FilterSyntaxError('unterminated string')
        const c = text[i]!
        if (c === '\\') {
          const next = text[i + 1]
          if (next !== '"' && next !== '\\') throw new FilterSyntaxError(`invalid escape \\${next ?? ''}`)
          value += next
          i += 2
          continue
        }
        if (c === '"') {
          i++
          break
        }
        value += c
        i++
      }
      tokens.push({kind: 'string', text: value, value})
      continue
    }
    // A minus sign belongs to a number only right after an operator.
    const number = (tokens[tokens.length - 1]?.kind === 'op' ? /^-?\d+(\.\d+)?/ : /^\d+(\.\d+)?/).exec(text.slice(i))
    if (number) {
      tokens.push({kind: 'number', text: number[0], value: Number.parseFloat(number[0])})
      i += number[0].length
      continue
    }
    const op = /^(<=|>=|!=|=|<|>)/.exec(text.slice(i))
    if (op) {
      tokens.push({kind: 'op', text: op[0]})
      i += op[0].length
      continue
    }
    if ('(),:{}!'.includes(ch)) {
      tokens.push({kind: 'punct', text: ch})
      i++
      continue
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))
    if (word) {
      tokens.push({kind: 'word', text: word[0]})
      i += word[0].length
      continue
    }
    throw new FilterSyntaxError(`unexpected character '${ch}' at ${i}`)
  }
  return tokens
}

type Predicate = (trace: FilterableTrace) => boolean

const WORD_OPS = new Set(['CONTAINS', 'BEGINSWITH', 'ENDSWITH'])
const KEYWORDS: Record<string, Predicate> = {
  ok: (t) => !t.error && !t.fault && !t.throttle,
  error: (t) => t.error,
  fault: (t) => t.fault,
  throttle: (t) => t.throttle,
  partial: (t) => t.partial,
}

function compare(actual: string | number | boolean | undefined, op: string, expected: string | number | boolean): boolean {
  if (actual === undefined) return false
  switch (op) {
    case '=':
      return actual === expected
    case '!=':
      return actual !== expected
    case '<':
      return typeof actual === 'number' && typeof expected === 'number' && actual < expected
    case '<=':
      return typeof actual === 'number' && typeof expected === 'number' && actual <= expected
    case '>':
      return typeof actual === 'number' && typeof expected === 'number' && actual > expected
    case '>=':
      return typeof actual === 'number' && typeof expected === 'number' && actual >= expected
    case 'CONTAINS':
      return typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected)
    case 'BEGINSWITH':
      return typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected)
    case 'ENDSWITH':
      return typeof actual === 'string' && typeof expected === 'string' && actual.endsWith(expected)
    default:
      return false
  }
}

export function parseFilter(text: string): Predicate {
  const tokens = tokenize(text)
  let at = 0
  const peek = () => tokens[at]
  const next = () => {
    const token = tokens[at++]
    if (!token) throw new FilterSyntaxError('unexpected end of expression')
    return token
  }
  const expect = (text: string) => {
    const token = next()
    if (token.text !== text) throw new FilterSyntaxError(`expected '${text}', found '${token.text}'`)
  }
  const isWord = (token: Token | undefined, word: string) => token?.kind === 'word' && token.text.toUpperCase() === word

  const or = (): Predicate => {
    const parts = [and()]
    while (isWord(peek(), 'OR')) {
      next()
      parts.push(and())
    }
    return parts.length === 1 ? parts[0]! : (t) => parts.some((p) => p(t))
  }
  const and = (): Predicate => {
    const parts = [negation()]
    while (isWord(peek(), 'AND')) {
      next()
      parts.push(negation())
    }
    return parts.length === 1 ? parts[0]! : (t) => parts.every((p) => p(t))
  }
  const negation = (): Predicate => {
    if (isWord(peek(), 'NOT') || peek()?.text === '!') {
      next()
      const inner = negation()
      return (t) => !inner(t)
    }
    return primary()
  }
  const value = (): string | number | boolean => {
    const token = next()
    if (token.kind === 'string' || token.kind === 'number') return token.value!
    if (token.kind === 'word' && (token.text === 'true' || token.text === 'false')) return token.text === 'true'
    throw new FilterSyntaxError(`expected a value, found '${token.text}'`)
  }
  const service = (): Predicate => {
    expect('(')
    if (peek()?.text === ')') {
      next()
      return (t) => t.services.length > 0
    }
    let name: string | undefined
    let type: string | undefined
    if (peek()?.kind === 'string') {
      name = String(next().value)
    } else if (isWord(peek(), 'ID')) {
      next()
      expect('(')
      for (;;) {
        const key = next()
        expect(':')
        const literal = next()
        if (literal.kind !== 'string') throw new FilterSyntaxError('id() takes string values')
        if (key.text === 'name') name = String(literal.value)
        else if (key.text === 'type') type = String(literal.value)
        else throw new FilterSyntaxError(`id() has no '${key.text}'`)
        if (peek()?.text === ',') {
          next()
          continue
        }
        break
      }
      expect(')')
    } else {
      throw new FilterSyntaxError('service() takes a name or id(...)')
    }
    expect(')')
    return (t) => t.services.some((s) => (name === undefined || s.name === name) && (type === undefined || s.type === type))
  }
  const primary = (): Predicate => {
    const token = next()
    if (token.text === '(') {
      const inner = or()
      expect(')')
      return inner
    }
    if (token.kind !== 'word') throw new FilterSyntaxError(`unexpected '${token.text}'`)
    const word = token.text
    if (word.toLowerCase() === 'service') return service()
    const keyword = KEYWORDS[word.toLowerCase()]
    const following = peek()
    const isComparison = following?.kind === 'op' || (following?.kind === 'word' && WORD_OPS.has(following.text.toUpperCase()))
    if (keyword && !isComparison) return keyword
    if (!isComparison) throw new FilterSyntaxError(`'${word}' is not a keyword`)
    const op = next().text.toUpperCase()
    const expected = value()
    const field = word.toLowerCase()
    if (field === 'duration') return (t) => compare(t.duration, op, expected)
    if (field === 'responsetime') return (t) => compare(t.responseTime, op, expected)
    if (field === 'http.status') return (t) => compare(t.http.status, op, expected)
    if (field === 'http.url') return (t) => compare(t.http.url, op, expected)
    if (field === 'http.method') return (t) => compare(t.http.method, op, expected)
    if (field === 'user') return (t) => t.users.some((user) => compare(user, op, expected))
    if (field.startsWith('annotation.')) {
      const key = word.slice('annotation.'.length)
      return (t) => (t.annotations[key] ?? []).some((v) => compare(v, op, expected))
    }
    if (keyword) return (t) => compare(keyword(t), op, expected)
    throw new FilterSyntaxError(`unknown field '${word}'`)
  }

  const predicate = or()
  if (at < tokens.length) throw new FilterSyntaxError(`unexpected '${tokens[at]!.text}'`)
  return predicate
}
