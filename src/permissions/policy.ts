/**
 * A small IAM identity-policy evaluator, for one question: may this role call these actions on
 * `Resource: "*"` (X-Ray's write actions have no resource type, so IAM checks them against "*")?
 *
 * It follows IAM's order — an explicit Deny wins, then an Allow is needed — and is honest about what
 * it cannot know: statements with a `Condition`, or a Resource other than "*", make the answer
 * `conditional` rather than a guess. A permissions boundary, when given, must allow the action too.
 * Pure: documents in, decisions out. `doctor` reuses it.
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
}

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

const patternCache = new Map<string, RegExp>()

/** IAM wildcards: `*` any run of characters, `?` one character; actions are case-insensitive. */
export function iamPatternMatches(pattern: string, value: string): boolean {
  let regex = patternCache.get(pattern)
  if (!regex) {
    const body = pattern
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')
    regex = new RegExp(`^${body}$`, 'is')
    patternCache.set(pattern, regex)
  }
  return regex.test(value)
}

function coversAction(statement: Statement, action: string): boolean {
  if (statement.Action !== undefined) return asList(statement.Action).some((pattern) => iamPatternMatches(pattern, action))
  if (statement.NotAction !== undefined) return !asList(statement.NotAction).some((pattern) => iamPatternMatches(pattern, action))
  return false
}

/** 'yes' when the statement covers Resource "*", 'maybe' when it names other resources. */
function coversAnyResource(statement: Statement): 'yes' | 'maybe' | 'no' {
  if (statement.Resource !== undefined) {
    const resources = asList(statement.Resource)
    if (resources.includes('*')) return 'yes'
    return resources.length > 0 ? 'maybe' : 'no'
  }
  if (statement.NotResource !== undefined) {
    return asList(statement.NotResource).includes('*') ? 'no' : 'maybe'
  }
  return 'no'
}

function hasCondition(statement: Statement): boolean {
  return typeof statement.Condition === 'object' && statement.Condition !== null && Object.keys(statement.Condition).length > 0
}

interface Findings {
  allow: string[]
  conditionalAllow: string[]
  deny: string[]
  conditionalDeny: string[]
}

function findings(sources: PolicySource[], action: string): Findings {
  const found: Findings = {allow: [], conditionalAllow: [], deny: [], conditionalDeny: []}
  for (const source of sources) {
    for (const statement of statementsOf(source.document)) {
      if (!coversAction(statement, action)) continue
      const resource = coversAnyResource(statement)
      if (resource === 'no') continue
      const sure = resource === 'yes' && !hasCondition(statement)
      const where = typeof statement.Sid === 'string' && statement.Sid ? `${source.label} (statement ${statement.Sid})` : source.label
      if (statement.Effect === 'Deny') (sure ? found.deny : found.conditionalDeny).push(where)
      else if (statement.Effect === 'Allow') (sure ? found.allow : found.conditionalAllow).push(where)
    }
  }
  return found
}

/**
 * Decides each action against the role's identity policies (managed + inline) and, when the role
 * has one, its permissions boundary.
 */
export function evaluateActions(sources: PolicySource[], actions: readonly string[]): ActionDecision[] {
  const identity = sources.filter((source) => source.kind !== 'boundary')
  const boundary = sources.filter((source) => source.kind === 'boundary')
  return actions.map((action) => {
    const own = findings(identity, action)
    const limit = boundary.length > 0 ? findings(boundary, action) : undefined
    const denies = [...own.deny, ...(limit?.deny ?? [])]
    if (denies.length > 0) return {action, decision: 'denied', because: denies}
    if (limit && limit.allow.length === 0) {
      if (limit.conditionalAllow.length > 0) return {action, decision: 'conditional', because: limit.conditionalAllow}
      return {action, decision: 'denied', because: boundary.map((source) => `${source.label} does not allow it`)}
    }
    const maybeDenied = [...own.conditionalDeny, ...(limit?.conditionalDeny ?? [])]
    if (own.allow.length > 0 && maybeDenied.length === 0) return {action, decision: 'allowed', because: own.allow}
    if (own.allow.length > 0 || own.conditionalAllow.length > 0) {
      return {action, decision: 'conditional', because: [...own.conditionalAllow, ...maybeDenied]}
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
