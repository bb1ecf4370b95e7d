/**
 * Lambda (REST-JSON, API 2015-03-31) for the local AWS endpoint, behaving like real Lambda where it
 * matters to tracing changes: ListFunctions pages at 50, UpdateFunctionConfiguration leaves the
 * function `InProgress` for `settleMs` and answers ResourceConflictException meanwhile, RevisionId
 * is checked (PreconditionFailedException), published versions are immutable, and Active tracing
 * is refused when `canWriteXRay(role)` says the role lacks the X-Ray permissions.
 *
 * Install with `installLambda(aws)`; issue 4's e2e tests build on it.
 */
import {randomUUID} from 'node:crypto'

import {jsonReply, type LocalAws, type ParsedRequest, type Reply, restJsonError} from './local-aws.js'

export interface LocalFunction {
  FunctionName: string
  FunctionArn: string
  Runtime: string
  Role: string
  MemorySize: number
  Handler: string
  Version: '$LATEST'
  State: 'Active'
  LastUpdateStatus: 'Successful' | 'InProgress' | 'Failed'
  LastUpdateStatusReason?: string
  RevisionId: string
  TracingConfig: {Mode: 'Active' | 'PassThrough'}
  Environment?: {Variables: Record<string, string>}
  LastModified: string
}

export interface LambdaOptions {
  region?: string
  account?: string
  /** How long an update stays InProgress. */
  settleMs?: number
  /** Whether a role may write to X-Ray; Active tracing is refused otherwise, as Lambda does. */
  canWriteXRay?: (role: string) => boolean
}

export interface LocalLambda {
  functions: Map<string, LocalFunction>
  add(name: string, overrides?: Partial<LocalFunction>): LocalFunction
  options: Required<LambdaOptions>
}

const PREFIX = '/2015-03-31/functions'

function nameFrom(segment: string): {name: string; qualifier?: string} {
  const decoded = decodeURIComponent(segment)
  const arn = /^arn:aws[\w-]*:lambda:[^:]+:\d{12}:function:([^:]+)(?::(.+))?$/.exec(decoded)
  if (arn) return {name: arn[1]!, ...(arn[2] ? {qualifier: arn[2]} : {})}
  const [name, qualifier] = decoded.split(':')
  return {name: name!, ...(qualifier ? {qualifier} : {})}
}

export function installLambda(aws: LocalAws, options: LambdaOptions = {}): LocalLambda {
  const settings: Required<LambdaOptions> = {
    region: options.region ?? 'us-east-1',
    account: options.account ?? '123456789012',
    settleMs: options.settleMs ?? 300,
    canWriteXRay: options.canWriteXRay ?? (() => true),
  }
  const functions = new Map<string, LocalFunction>()
  const lambda: LocalLambda = {
    functions,
    options: settings,
    add(name, overrides = {}) {
      const fn: LocalFunction = {
        FunctionName: name,
        FunctionArn: `arn:aws:lambda:${settings.region}:${settings.account}:function:${name}`,
        Runtime: 'nodejs20.x',
        Role: `arn:aws:iam::${settings.account}:role/${name}-role`,
        MemorySize: 128,
        Handler: 'index.handler',
        Version: '$LATEST',
        State: 'Active',
        LastUpdateStatus: 'Successful',
        RevisionId: randomUUID(),
        TracingConfig: {Mode: 'PassThrough'},
        LastModified: new Date().toISOString(),
        ...overrides,
      }
      functions.set(name, fn)
      return fn
    },
  }

  const previous = aws.restOperation
  aws.restOperation = (service, method, path) => {
    if (service !== 'lambda') return previous?.(service, method, path)
    if (method === 'GET' && (path === PREFIX || path === `${PREFIX}/`)) return 'ListFunctions'
    if (method === 'GET' && /^\/2015-03-31\/functions\/[^/]+\/configuration$/.test(path)) return 'GetFunctionConfiguration'
    if (method === 'PUT' && /^\/2015-03-31\/functions\/[^/]+\/configuration$/.test(path)) return 'UpdateFunctionConfiguration'
    return undefined
  }

  const find = (request: ParsedRequest): {fn?: LocalFunction; qualifier?: string; error?: Reply} => {
    const segment = request.path.split('/')[3] ?? ''
    const {name, qualifier} = nameFrom(segment)
    const fn = functions.get(name)
    if (!fn) {
      return {error: restJsonError(404, 'ResourceNotFoundException', `Function not found: arn:aws:lambda:${settings.region}:${settings.account}:function:${name}`)}
    }
    return {fn, ...(qualifier ? {qualifier} : {})}
  }

  aws.route('lambda', 'ListFunctions', (request) => {
    const all = [...functions.values()]
    const max = Math.min(50, Number.parseInt(request.query.get('MaxItems') ?? '50', 10) || 50)
    const start = Number.parseInt(request.query.get('Marker') ?? '0', 10) || 0
    const page = all.slice(start, start + max)
    const next = start + max < all.length ? String(start + max) : undefined
    return jsonReply(200, {Functions: page, ...(next ? {NextMarker: next} : {})})
  })

  aws.route('lambda', 'GetFunctionConfiguration', (request) => {
    const {fn, error} = find(request)
    return error ?? jsonReply(200, fn)
  })

  aws.route('lambda', 'UpdateFunctionConfiguration', (request) => {
    const {fn, qualifier, error} = find(request)
    if (error) return error
    if (qualifier) {
      return restJsonError(400, 'InvalidParameterValueException', 'Unsupported function qualifier: only $LATEST can be updated')
    }
    const body = JSON.parse(request.body || '{}') as {TracingConfig?: {Mode?: string}; RevisionId?: string}
    if (fn!.LastUpdateStatus === 'InProgress') {
      return restJsonError(409, 'ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: ${fn!.FunctionArn}`)
    }
    if (body.RevisionId && body.RevisionId !== fn!.RevisionId) {
      return restJsonError(412, 'PreconditionFailedException', 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id')
    }
    const mode = body.TracingConfig?.Mode
    if (mode !== undefined && mode !== 'Active' && mode !== 'PassThrough') {
      return restJsonError(400, 'InvalidParameterValueException', `Invalid tracing mode: ${mode}`)
    }
    if (mode === 'Active' && !settings.canWriteXRay(fn!.Role)) {
      return restJsonError(400, 'InvalidParameterValueException', 'The provided execution role does not have permissions to call PutTraceSegments on XRAY')
    }
    if (mode) fn!.TracingConfig = {Mode: mode}
    fn!.RevisionId = randomUUID()
    fn!.LastModified = new Date().toISOString()
    fn!.LastUpdateStatus = 'InProgress'
    setTimeout(() => {
      fn!.LastUpdateStatus = 'Successful'
      fn!.RevisionId = randomUUID()
    }, settings.settleMs).unref()
    return jsonReply(200, fn)
  })

  return lambda
}
