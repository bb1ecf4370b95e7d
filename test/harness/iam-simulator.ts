/**
 * The local endpoint's SimulatePrincipalPolicy: a second reading of IAM's evaluation rules,
 * written apart from src/permissions (a recursive wildcard matcher instead of regexes, its own
 * statement walk) so that agreeing with it means something. It implements, for identity policies
 * and a permissions boundary:
 *   - Action / NotAction with `*` and `?` anywhere, case-insensitively;
 *   - Resource / NotResource against the simulated resource (`*` by default), case-sensitively;
 *   - explicit Deny over Allow; a boundary that must Allow too;
 *   - conditions as IAM's simulator treats them: a key given in ContextEntries is compared
 *     (StringEquals, StringNotEquals, StringLike, StringNotLike, Bool, and their IfExists forms), any
 *     other key is reported in MissingContextValues and evaluated as absent.
 * Policy variables, ARN operators and set operators are not implemented: tests run only the cases
 * it covers through it.
 */

export interface SimulationInput {
  identity: unknown[]
  boundary?: unknown
  action: string
  resource?: string
  context: Record<string, string[]>
}

export interface SimulationResult {
  decision: 'allowed' | 'implicitDeny' | 'explicitDeny'
  missingContext: string[]
  /** Index of the identity policies (or 'boundary') whose statements matched. */
  matched: string[]
}

/** `*` any run, `?` one character: recursive, no regular expressions. */
export function globMatch(pattern: string, text: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern
  const t = ignoreCase ? text.toLowerCase() : text
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === t.length
    if (p[i] === '*') {
      for (let k = j; k <= t.length; k++) if (match(i + 1, k)) return true
      return false
    }
    if (j === t.length) return false
    return (p[i] === '?' || p[i] === t[j]) && match(i + 1, j + 1)
  }
  return match(0, 0)
}

function list(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.map(String) : []
}

function statements(document: unknown): Record<string, unknown>[] {
  const raw = (document as {Statement?: unknown} | undefined)?.Statement
  const all = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  return all.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
}

function matchesAction(statement: Record<string, unknown>, action: string): boolean {
  if ('Action' in statement) return list(statement.Action).some((pattern) => globMatch(pattern, action, true))
  if ('NotAction' in statement) return !list(statement.NotAction).some((pattern) => globMatch(pattern, action, true))
  return false
}

function matchesResource(statement: Record<string, unknown>, resource: string): boolean {
  if ('Resource' in statement) return list(statement.Resource).some((pattern) => globMatch(pattern, resource, false))
  if ('NotResource' in statement) return !list(statement.NotResource).some((pattern) => globMatch(pattern, resource, false))
  return false
}

const OPERATORS: Record<string, {test: (value: string, want: string) => boolean; negated: boolean}> = {
  StringEquals: {test: (value, want) => value === want, negated: false},
  StringNotEquals: {test: (value, want) => value === want, negated: true},
  StringLike: {test: (value, want) => globMatch(want, value, false), negated: false},
  StringNotLike: {test: (value, want) => globMatch(want, value, false), negated: true},
  Bool: {test: (value, want) => value.toLowerCase() === want.toLowerCase(), negated: false},
}

function conditionsHold(statement: Record<string, unknown>, context: Record<string, string[]>, missing: Set<string>): boolean {
  const condition = statement.Condition
  if (typeof condition !== 'object' || condition === null) return true
  let holds = true
  for (const [operatorName, block] of Object.entries(condition)) {
    const ifExists = operatorName.endsWith('IfExists')
    const operator = OPERATORS[ifExists ? operatorName.slice(0, -8) : operatorName]
    for (const [key, wanted] of Object.entries(block as Record<string, unknown>)) {
      const givenKey = Object.keys(context).find((name) => name.toLowerCase() === key.toLowerCase())
      if (givenKey === undefined) {
        missing.add(key)
        holds &&= ifExists || (operator?.negated ?? false)
        continue
      }
      if (!operator) {
        holds = false
        continue
      }
      const any = context[givenKey]!.some((value) => list(wanted).some((want) => operator.test(value, want)))
      holds &&= operator.negated ? !any : any
    }
  }
  return holds
}

/** One policy set's verdict on the request: which effects matched. */
function scan(documents: unknown[], input: SimulationInput, missing: Set<string>, label: (index: number) => string) {
  const found = {allow: [] as string[], deny: [] as string[]}
  documents.forEach((document, index) => {
    for (const statement of statements(document)) {
      if (!matchesAction(statement, input.action) || !matchesResource(statement, input.resource ?? '*')) continue
      if (!conditionsHold(statement, input.context, missing)) continue
      if (statement.Effect === 'Deny') found.deny.push(label(index))
      if (statement.Effect === 'Allow') found.allow.push(label(index))
    }
  })
  return found
}

export function simulate(input: SimulationInput): SimulationResult {
  const missing = new Set<string>()
  const own = scan(input.identity, input, missing, (index) => `policy-${index + 1}`)
  const limit = input.boundary === undefined ? undefined : scan([input.boundary], input, missing, () => 'boundary')
  const missingContext = [...missing]
  if (own.deny.length > 0 || (limit?.deny.length ?? 0) > 0) return {decision: 'explicitDeny', missingContext, matched: [...own.deny, ...(limit?.deny ?? [])]}
  if (own.allow.length > 0 && (!limit || limit.allow.length > 0)) return {decision: 'allowed', missingContext, matched: own.allow}
  return {decision: 'implicitDeny', missingContext, matched: []}
}
