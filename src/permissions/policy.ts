/**
 * A small IAM identity-policy evaluator, for one question: may this role call these actions?
 *
 * It follows IAM's documented evaluation logic for a principal's own account: an explicit Deny in
 * any policy wins; otherwise an identity policy must Allow; a permissions boundary, when there is
 * one, must Allow too (its Deny counts like any other). A statement applies to a request when its
 * Action (or NotAction), its Resource (or NotResource) and every condition match.
 *
 * The X-Ray write actions define no resource type (Service Authorization Reference), so IAM checks
 * them against Resource "*": a Resource list applies when one of its patterns matches the literal
 * "*", a NotResource list applies unless one does. Both are decided, not guessed. Conditions are
 * decided where the request's context is known (the function's region, the role, HTTPS), and
 * otherwise make the answer `conditional`: never a guess. Pure: documents in, decisions out.
 */

export type Decision = 'allowed' | 'denied' | 'missing' | 'conditional'

export interface PolicySource {
  /** How a person finds it: `managed policy AWSXRayDaemonWriteAccess`, `inline policy logs`… */
  label: string
  kind: 'managed' | 'inline' | 'boundary'
  document: unknown
}

export interface ActionDecision {
  action: string
  decision: Decision
  /** The policies behind the decision (the granting, denying or conditional statements). */
  because: string[]
  /** For `conditional`: what could not be decided, e.g. `condition aws:SourceIp`. */
  undecided?: string[]
}

/**
 * What is known of the request: the resource it is for, and condition keys. A key mapped to a list
 * holds those values; mapped to null it is known to be absent; a key not in the map is unknown.
 * Keys are matched case-insensitively, as IAM does.
 */
export interface RequestContext {
  resource: string
  keys: Record<string, string[] | null>
  /** Key prefixes whose every key is known: one not in `keys` is absent (e.g. the role's tags). */
  absentPrefixes?: string[]
}

/** The request for an action without resource types, with nothing known of its context. */
export const ANY_REQUEST: RequestContext = {resource: '*', keys: {}}

interface Statement {
  Sid?: unknown
  Effect?: unknown
  Action?: unknown
  NotAction?: unknown
  Resource?: unknown
  NotResource?: unknown
  Condition?: unknown
}

/** The X-Ray actions Lambda's tracing needs from the execution role. */
export const XRAY_WRITE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

function statementsOf(document: unknown): Statement[] {
  if (typeof document !== 'object' || document === null) return []
  const statement = (document as {Statement?: unknown}).Statement
  const list = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement]
  return list.filter((item): item is Statement => typeof item === 'object' && item !== null)
}

type Tri = 'yes' | 'no' | 'maybe'

const patternCache = new Map<string, RegExp>()

/**
 * A wildcard pattern as a regex: `*` any run of characters, `?` exactly one. Unless `variables` is
 * 'none', `${*}`, `${?}` and `${$}` stand for those literal characters (IAM's escapes) and any
 * other `${…}` policy variable for a value not known here: 'any' lets it match anything (for
 * "could it match?"), 'never' gives no regex at all (the answer depends on the value).
 */
function wildcardRegex(pattern: string, flags: string, variables: 'none' | 'any' | 'never'): RegExp | undefined {
  const key = `${flags}|${variables}|${pattern}`
  const cached = patternCache.get(key)
  if (cached) return cached
  let body = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!
    if (variables !== 'none' && ch === '$' && pattern[i + 1] === '{') {
      const close = pattern.indexOf('}', i + 2)
      if (close > 0) {
        const inner = pattern.slice(i + 2, close).trim()
        if (inner === '*' || inner === '?' || inner === '$') body += `\\${inner}`
        else if (variables === 'any') body += '.*'
        else return undefined
        i = close
        continue
      }
    }
    body += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  const regex = new RegExp(`^${body}$`, flags)
  patternCache.set(key, regex)
  return regex
}

/** IAM wildcards on actions: `*` any run of characters, `?` one character; case-insensitive. */
export function iamPatternMatches(pattern: string, value: string): boolean {
  return wildcardRegex(pattern, 'is', 'none')!.test(value)
}

/** Whether a Resource pattern matches the request's resource: yes, no, or maybe (a policy variable). */
function resourcePatternMatches(pattern: string, resource: string): Tri {
  const exact = wildcardRegex(pattern, 's', 'never')
  if (exact) return exact.test(resource) ? 'yes' : 'no'
  return wildcardRegex(pattern, 's', 'any')!.test(resource) ? 'maybe' : 'no'
}

function coversAction(statement: Statement, action: string): boolean {
  if (statement.Action !== undefined) return asList(statement.Action).some((pattern) => iamPatternMatches(pattern, action))
  if (statement.NotAction !== undefined) return !asList(statement.NotAction).some((pattern) => iamPatternMatches(pattern, action))
  return false
}

function anyOf(results: Tri[]): Tri {
  return results.includes('yes') ? 'yes' : results.includes('maybe') ? 'maybe' : 'no'
}

function not(result: Tri): Tri {
  return result === 'yes' ? 'no' : result === 'no' ? 'yes' : 'maybe'
}

function allOf(results: Tri[]): Tri {
  return results.includes('no') ? 'no' : results.includes('maybe') ? 'maybe' : 'yes'
}

function coversResource(statement: Statement, resource: string): Tri {
  if (statement.Resource !== undefined) return anyOf(asList(statement.Resource).map((pattern) => resourcePatternMatches(pattern, resource)))
  if (statement.NotResource !== undefined) return not(anyOf(asList(statement.NotResource).map((pattern) => resourcePatternMatches(pattern, resource))))
  // An identity-policy statement needs one of them; IAM refuses a policy without.
  return 'no'
}

const STRING_OPERATORS: Record<string, {compare: (value: string, expected: string) => boolean; negated: boolean}> = {
  stringequals: {compare: (value, expected) => value === expected, negated: false},
  stringnotequals: {compare: (value, expected) => value === expected, negated: true},
  stringequalsignorecase: {compare: (value, expected) => value.toLowerCase() === expected.toLowerCase(), negated: false},
  stringnotequalsignorecase: {compare: (value, expected) => value.toLowerCase() === expected.toLowerCase(), negated: true},
  stringlike: {compare: (value, expected) => wildcardRegex(expected, 's', 'none')!.test(value), negated: false},
  stringnotlike: {compare: (value, expected) => wildcardRegex(expected, 's', 'none')!.test(value), negated: true},
  arnequals: {compare: (value, expected) => arnMatches(expected, value), negated: false},
  arnlike: {compare: (value, expected) => arnMatches(expected, value), negated: false},
  arnnotequals: {compare: (value, expected) => arnMatches(expected, value), negated: true},
  arnnotlike: {compare: (value, expected) => arnMatches(expected, value), negated: true},
  bool: {compare: (value, expected) => value.toLowerCase() === expected.toLowerCase(), negated: false},
}

/** ArnEquals / ArnLike: each of the six colon-separated parts matched with wildcards. */
function arnMatches(pattern: string, value: string): boolean {
  const want = pattern.split(':')
  const have = value.split(':')
  if (want.length < 6 || have.length < 6) return false
  const wantParts = [...want.slice(0, 5), want.slice(5).join(':')]
  const haveParts = [...have.slice(0, 5), have.slice(5).join(':')]
  return wantParts.every((part, index) => wildcardRegex(part, 's', 'none')!.test(haveParts[index]!))
}

function keyValue(context: RequestContext, key: string): {known: boolean; values: string[] | null} {
  const lower = key.toLowerCase()
  for (const [name, values] of Object.entries(context.keys)) if (name.toLowerCase() === lower) return {known: true, values}
  const absent = (context.absentPrefixes ?? []).some((prefix) => lower.startsWith(prefix.toLowerCase()))
  return {known: absent, values: null}
}

/**
 * A Condition block against what is known of the request: operators AND-ed, keys AND-ed, values
 * OR-ed (NOR for a negated operator). A key absent from the request makes a positive operator
 * false and a negated one true, except `…IfExists` (true) and `Null` (tests presence).
 * `undecided` collects the keys or operators that left it open.
 */
function conditionHolds(condition: unknown, context: RequestContext, undecided: string[]): Tri {
  if (condition === undefined) return 'yes'
  if (typeof condition !== 'object' || condition === null) return 'maybe'
  const results: Tri[] = []
  for (const [rawOperator, entries] of Object.entries(condition as Record<string, unknown>)) {
    if (typeof entries !== 'object' || entries === null) {
      undecided.push(`condition ${rawOperator}`)
      results.push('maybe')
      continue
    }
    for (const [key, expectedRaw] of Object.entries(entries as Record<string, unknown>)) {
      const expected = (Array.isArray(expectedRaw) ? expectedRaw : [expectedRaw]).map((value) => String(value))
      const {known, values} = keyValue(context, key)
      const operator = rawOperator.toLowerCase()
      if (!known || operator.includes(':')) {
        // A key we cannot know, or a set operator (ForAnyValue:/ForAllValues:) over one.
        undecided.push(`condition ${key}`)
        results.push('maybe')
        continue
      }
      if (operator === 'null') {
        const wantsAbsent = expected.some((value) => value.toLowerCase() === 'true')
        results.push((values === null) === wantsAbsent ? 'yes' : 'no')
        continue
      }
      const ifExists = operator.endsWith('ifexists')
      const base = STRING_OPERATORS[ifExists ? operator.slice(0, -'ifexists'.length) : operator]
      if (!base) {
        undecided.push(`condition ${rawOperator} on ${key}`)
        results.push('maybe')
        continue
      }
      if (values === null) {
        results.push(ifExists || base.negated ? 'yes' : 'no')
        continue
      }
      const matched = values.some((value) => expected.some((want) => base.compare(value, want)))
      results.push((base.negated ? !matched : matched) ? 'yes' : 'no')
    }
  }
  return allOf(results)
}

interface Applies {
  applies: Tri
  undecided: string[]
}

function statementApplies(statement: Statement, action: string, context: RequestContext): Applies {
  if (!coversAction(statement, action)) return {applies: 'no', undecided: []}
  const undecided: string[] = []
  const resource = coversResource(statement, context.resource)
  if (resource === 'maybe') undecided.push(`resource ${asList(statement.Resource ?? statement.NotResource).join(', ')}`)
  const condition = conditionHolds(statement.Condition, context, undecided)
  return {applies: allOf([resource, condition]), undecided}
}

interface Findings {
  allow: string[]
  conditionalAllow: string[]
  deny: string[]
  conditionalDeny: string[]
  undecided: string[]
}

function findings(sources: PolicySource[], action: string, context: RequestContext): Findings {
  const found: Findings = {allow: [], conditionalAllow: [], deny: [], conditionalDeny: [], undecided: []}
  for (const source of sources) {
    for (const statement of statementsOf(source.document)) {
      const {applies, undecided} = statementApplies(statement, action, context)
      if (applies === 'no') continue
      const where = typeof statement.Sid === 'string' && statement.Sid ? `${source.label} (statement ${statement.Sid})` : source.label
      const sure = applies === 'yes'
      if (!sure) found.undecided.push(...undecided.map((what) => `${what} in ${where}`))
      if (statement.Effect === 'Deny') (sure ? found.deny : found.conditionalDeny).push(where)
      else if (statement.Effect === 'Allow') (sure ? found.allow : found.conditionalAllow).push(where)
    }
  }
  return found
}

export interface EvaluationOptions {
  context?: RequestContext
  /**
   * Policies that exist but could not be read: a definite Deny elsewhere still counts, an Allow is no
   * longer certain, and an unread identity policy might grant what the others lack.
   */
  unreadable?: {label: string; kind: PolicySource['kind']}[]
}

/**
 * Decides each action against the role's identity policies (managed + inline) and, when the role
 * has one, its permissions boundary.
 */
export function evaluateActions(sources: PolicySource[], actions: readonly string[], options: EvaluationOptions = {}): ActionDecision[] {
  const context = options.context ?? ANY_REQUEST
  const unreadable = options.unreadable ?? []
  const identity = sources.filter((source) => source.kind !== 'boundary')
  const boundary = sources.filter((source) => source.kind === 'boundary')
  return actions.map((action): ActionDecision => {
    const own = findings(identity, action, context)
    const limit = boundary.length > 0 ? findings(boundary, action, context) : undefined
    const undecided = [...own.undecided, ...(limit?.undecided ?? [])]
    const denies = [...own.deny, ...(limit?.deny ?? [])]
    if (denies.length > 0) return {action, decision: 'denied', because: denies}
    const unread = unreadable.map(({label}) => `${label} (could not be read)`)
    const unreadIdentity = unreadable.filter((item) => item.kind !== 'boundary').map(({label}) => `${label} (could not be read)`)
    if (limit && limit.allow.length === 0) {
      if (limit.conditionalAllow.length > 0) return {action, decision: 'conditional', because: limit.conditionalAllow, undecided}
      return {action, decision: 'denied', because: boundary.map((source) => `${source.label} does not allow it`)}
    }
    const maybeDenied = [...own.conditionalDeny, ...(limit?.conditionalDeny ?? [])]
    if (own.allow.length > 0 && maybeDenied.length === 0 && unread.length === 0) return {action, decision: 'allowed', because: own.allow}
    if (own.allow.length > 0 || own.conditionalAllow.length > 0 || unreadIdentity.length > 0) {
      const open = own.allow.length > 0 ? unread : unreadIdentity
      return {action, decision: 'conditional', because: [...own.conditionalAllow, ...maybeDenied, ...open], undecided: [...undecided, ...open]}
    }
    return {action, decision: 'missing', because: []}
  })
}

/** Parses a policy document as IAM returns it (URL-encoded JSON) or as plain JSON. */
export function parsePolicyDocument(text: string): unknown {
  const trimmed = text.trim()
  const json = trimmed.startsWith('{') ? trimmed : decodeURIComponent(trimmed)
  return JSON.parse(json) as unknown
}
