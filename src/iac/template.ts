import {isRecord} from '../util/record.js'

/**
 * CloudFormation templates as GetTemplate returns them (JSON, or YAML with the short forms of the
 * intrinsic functions: `!Ref`, `!If`, `!Sub`…), and what they say about a function's tracing.
 *
 * A template is read at the Processed stage: for SAM (the `AWS::Serverless-2016-10-31` transform)
 * that is the CloudFormation template SAM produced, with `Globals` applied and `Tracing` turned into
 * `TracingConfig`; for a template without transforms it is the template as written.
 */

export type Template = Record<string, unknown>

/** The intrinsic functions of CloudFormation's YAML short form, as their long forms. */
const SHORT_FORMS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Length', 'ToJsonString']

type Tags = Extract<NonNullable<import('yaml').ParseOptions & import('yaml').SchemaOptions>['customTags'], unknown[]>

/** `!Ref X` → `{"Ref": "X"}`, `!If [C, A, B]` → `{"Fn::If": ["C", "A", "B"]}`, `!GetAtt Fn.Arn` → `{"Fn::GetAtt": ["Fn", "Arn"]}`. */
function intrinsicTags(): Tags {
  const forms: [string, string, (value: unknown) => unknown][] = [
    ['Ref', 'Ref', (v) => v],
    ['Condition', 'Condition', (v) => v],
    ['GetAtt', 'Fn::GetAtt', (v) => (typeof v === 'string' && v.includes('.') ? [v.slice(0, v.indexOf('.')), v.slice(v.indexOf('.') + 1)] : v)],
    ...SHORT_FORMS.map((name): [string, string, (value: unknown) => unknown] => [name, `Fn::${name}`, (v) => v]),
  ]
  return forms.flatMap(([name, longForm, shape]) => [
    {tag: `!${name}`, resolve: (value: string) => ({[longForm]: shape(value)})},
    ...(['seq', 'map'] as const).map((collection) => ({
      tag: `!${name}`,
      collection,
      resolve: (node: {toJSON: () => unknown}) => ({[longForm]: shape(node.toJSON())}),
    })),
  ]) as Tags
}

/** Parses a template body; undefined when it is neither JSON nor YAML of a mapping. */
export async function parseTemplate(body: string): Promise<Template | undefined> {
  const trimmed = body.trimStart()
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as unknown
      return isRecord(parsed) ? parsed : undefined
    } catch {
      // YAML is a superset of JSON: fall through.
    }
  }
  const yaml = await import('yaml')
  try {
    const parsed = yaml.parse(body, {customTags: intrinsicTags(), uniqueKeys: false, maxAliasCount: 1000}) as unknown
    return isRecord(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

export function resourcesOf(template: Template): Record<string, Record<string, unknown>> {
  const resources = template.Resources
  if (!isRecord(resources)) return {}
  const out: Record<string, Record<string, unknown>> = {}
  for (const [id, resource] of Object.entries(resources)) if (isRecord(resource)) out[id] = resource
  return out
}

/** What a template sets a function's tracing to. */
export type TemplateTracing =
  | {kind: 'literal'; mode: 'Active' | 'PassThrough'}
  /** No TracingConfig: CloudFormation's default, PassThrough. */
  | {kind: 'absent'}
  /** Computed by an intrinsic function; `resolved` when the stack's current parameters decide it. */
  | {kind: 'computed'; expression: string; parameters: string[]; resolved?: 'Active' | 'PassThrough'}
  | {kind: 'missing'}

const MODES = new Set(['Active', 'PassThrough'])

/** The tracing a template gives `logicalId` (an AWS::Lambda::Function, or a SAM function before the transform). */
export function tracingInTemplate(template: Template, logicalId: string, parameters: Record<string, string> = {}): TemplateTracing {
  const resource = resourcesOf(template)[logicalId]
  if (!resource) return {kind: 'missing'}
  const properties = isRecord(resource.Properties) ? resource.Properties : {}
  let value: unknown
  if (resource.Type === 'AWS::Serverless::Function') {
    const globals = isRecord(template.Globals) && isRecord(template.Globals.Function) ? template.Globals.Function : {}
    value = properties.Tracing ?? globals.Tracing
    if (value === 'Disabled') value = 'PassThrough'
  } else {
    const config = properties.TracingConfig
    if (config === undefined) return {kind: 'absent'}
    value = isRecord(config) ? config.Mode : config
    if (isRecord(config) && !('Mode' in config)) return {kind: 'absent'}
  }
  if (value === undefined) return {kind: 'absent'}
  if (typeof value === 'string' && MODES.has(value)) return {kind: 'literal', mode: value as 'Active' | 'PassThrough'}
  const conditions = isRecord(template.Conditions) ? template.Conditions : {}
  const referenced = new Set<string>()
  collectRefs(value, conditions, referenced, new Set())
  const resolved = evaluate(value, {parameters: withDefaults(template, parameters), conditions, depth: 0})
  return {
    kind: 'computed',
    expression: describeIntrinsic(value),
    parameters: [...referenced],
    ...(typeof resolved === 'string' && MODES.has(resolved) ? {resolved: resolved as 'Active' | 'PassThrough'} : {}),
  }
}

function withDefaults(template: Template, parameters: Record<string, string>): Record<string, string> {
  const declared = isRecord(template.Parameters) ? template.Parameters : {}
  const values: Record<string, string> = {}
  for (const [name, declaration] of Object.entries(declared)) {
    if (isRecord(declaration) && declaration.Default !== undefined) values[name] = String(declaration.Default)
  }
  return {...values, ...parameters}
}

function collectRefs(value: unknown, conditions: Record<string, unknown>, into: Set<string>, seen: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, conditions, into, seen)
    return
  }
  if (!isRecord(value)) return
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) into.add(inner)
    else if ((key === 'Condition' && typeof inner === 'string') || (key === 'Fn::If' && Array.isArray(inner) && typeof inner[0] === 'string')) {
      const name = key === 'Condition' ? (inner as string) : (inner as string[])[0]!
      if (!seen.has(name)) {
        seen.add(name)
        collectRefs(conditions[name], conditions, into, seen)
      }
      if (key === 'Fn::If') collectRefs((inner as unknown[]).slice(1), conditions, into, seen)
    } else collectRefs(inner, conditions, into, seen)
  }
}

interface Scope {
  parameters: Record<string, string>
  conditions: Record<string, unknown>
  depth: number
}

const UNKNOWN = Symbol('unknown')

/** Evaluates the intrinsic functions that decide a value from parameters; UNKNOWN for anything else. */
function evaluate(value: unknown, scope: Scope): unknown {
  if (scope.depth > 20) return UNKNOWN
  const next = {...scope, depth: scope.depth + 1}
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) {
    const items = value.map((item) => evaluate(item, next))
    return items.includes(UNKNOWN) ? UNKNOWN : items
  }
  if (!isRecord(value)) return UNKNOWN
  const keys = Object.keys(value)
  if (keys.length !== 1) return UNKNOWN
  const key = keys[0]!
  const arg = value[key]
  switch (key) {
    case 'Ref':
      return typeof arg === 'string' && arg in scope.parameters ? scope.parameters[arg] : UNKNOWN
    case 'Condition':
      return typeof arg === 'string' ? condition(arg, next) : UNKNOWN
    case 'Fn::If': {
      if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') return UNKNOWN
      const holds = condition(arg[0], next)
      return holds === UNKNOWN ? UNKNOWN : evaluate(holds ? arg[1] : arg[2], next)
    }
    case 'Fn::Equals': {
      if (!Array.isArray(arg) || arg.length !== 2) return UNKNOWN
      const [a, b] = arg.map((item) => evaluate(item, next))
      return a === UNKNOWN || b === UNKNOWN ? UNKNOWN : a === b
    }
    case 'Fn::Not': {
      const inner = Array.isArray(arg) ? evaluate(arg[0], next) : UNKNOWN
      return typeof inner === 'boolean' ? !inner : UNKNOWN
    }
    case 'Fn::And':
    case 'Fn::Or': {
      if (!Array.isArray(arg)) return UNKNOWN
      const items = arg.map((item) => evaluate(item, next))
      if (items.some((item) => typeof item !== 'boolean')) return UNKNOWN
      return key === 'Fn::And' ? items.every(Boolean) : items.some(Boolean)
    }
    default:
      return UNKNOWN
  }
}

function condition(name: string, scope: Scope): boolean | typeof UNKNOWN {
  const result = evaluate(scope.conditions[name], scope)
  return typeof result === 'boolean' ? result : UNKNOWN
}

/** An intrinsic function, short: `!If [TracingOn, Active, PassThrough]`, `!Ref TracingMode`. */
export function describeIntrinsic(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return `[${value.map(describeIntrinsic).join(', ')}]`
  if (!isRecord(value)) return JSON.stringify(value) ?? String(value)
  const [key, arg] = Object.entries(value)[0] ?? ['', '']
  const name = key === 'Ref' || key === 'Condition' ? key : key.replace(/^Fn::/, '')
  return `!${name} ${describeIntrinsic(arg)}`
}

/** The tool that wrote a template, from its marks: CDK's `aws:cdk:path` metadata, the Serverless Framework's deployment bucket. */
export function toolOfTemplate(template: Template, logicalId: string): {tool: 'cdk'; path?: string} | {tool: 'serverless'} | undefined {
  const resources = resourcesOf(template)
  const metadata = resources[logicalId]?.Metadata
  const path = isRecord(metadata) && typeof metadata['aws:cdk:path'] === 'string' ? metadata['aws:cdk:path'] : undefined
  if (path) return {tool: 'cdk', path}
  if (Object.values(resources).some((r) => r.Type === 'AWS::CDK::Metadata')) return {tool: 'cdk'}
  const outputs = isRecord(template.Outputs) ? template.Outputs : {}
  if ('ServerlessDeploymentBucket' in resources || 'ServerlessDeploymentBucketName' in outputs) return {tool: 'serverless'}
  return undefined
}
