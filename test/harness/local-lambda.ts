/**
 * Lambda (REST-JSON, API 2015-03-31) for the local AWS endpoint, behaving like real Lambda where it
 * matters to tracing changes: ListFunctions pages at 50, UpdateFunctionConfiguration leaves the
 * function `InProgress` for `settleMs` and answers ResourceConflictException meanwhile, RevisionId
 * is checked (PreconditionFailedException) and changes again when an update settles, published
 * versions are immutable, and Active tracing is refused when `canWriteXRay(role)` says the role lacks
 * the X-Ray permissions. GetFunction (what the SDK's FunctionUpdatedV2 waiter polls), aliases and
 * published versions, and the Resource Groups Tagging API's GetResources for tag selection.
 *
 * Functions live in a region (the SigV4 scope picks it), so one endpoint serves several regions.
 */
import {randomUUID} from 'node:crypto'

import {jsonReply, type ParsedRequest, type Reply, restJsonError, type Routes} from './local-aws.js'

export type TracingMode = 'Active' | 'PassThrough'

export interface LocalFunction {
  FunctionName: string
  FunctionArn: string
  Runtime: string
  Role: string
  MemorySize: number
  Handler: string
  Version: string
  State: 'Active'
  LastUpdateStatus: 'Successful' | 'InProgress' | 'Failed'
  LastUpdateStatusReason?: string
  RevisionId: string
  TracingConfig: {Mode: TracingMode}
  Environment?: {Variables: Record<string, string>}
  LastModified: string
  /** Not part of the configuration Lambda returns: kept beside it. */
  region: string
  tags: Record<string, string>
  /** Published versions: frozen copies of the configuration. */
  versions: Map<string, Omit<LocalFunction, 'versions' | 'aliases' | 'tags' | 'region'>>
  /** Alias name → version. */
  aliases: Map<string, string>
}

export interface LambdaOptions {
  region?: string
  account?: string
  /** How long an update stays InProgress. */
  settleMs?: number
  /** Whether a role may write to X-Ray; Active tracing is refused otherwise, as Lambda does. */
  canWriteXRay?: (role: string) => boolean
  /** When set, an update settles as Failed with this reason. */
  failUpdate?: (fn: LocalFunction) => string | undefined
  /** Called as an update arrives, before any check: lets a test play "someone else changed it". */
  beforeUpdate?: (fn: LocalFunction) => void
}

export interface LocalLambda {
  /** Keyed by function ARN. */
  functions: Map<string, LocalFunction>
  add(name: string, overrides?: Partial<LocalFunction>): LocalFunction
  /** Starts an update by someone else: InProgress for `ms`, then Successful with a new revision. */
  busy(fn: LocalFunction, ms: number): void
  /** The function of that name in the default region (or `region`). */
  get(name: string, region?: string): LocalFunction | undefined
  /** Publishes the current configuration as the next version; `alias` points at it when given. */
  publish(name: string, alias?: string, region?: string): string
  options: Required<LambdaOptions>
}

const PREFIX = '/2015-03-31/functions'
const CONFIG_FIELDS = [
  'FunctionName', 'FunctionArn', 'Runtime', 'Role', 'MemorySize', 'Handler', 'Version', 'State', 'LastUpdateStatus',
  'LastUpdateStatusReason', 'RevisionId', 'TracingConfig', 'Environment', 'LastModified',
] as const

function nameFrom(segment: string): {name: string; region?: string; qualifier?: string} {
  const decoded = decodeURIComponent(segment)
  const arn = /^arn:aws[\w-]*:lambda:([^:]+):\d{12}:function:([^:]+)(?::(.+))?$/.exec(decoded)
  if (arn) return {name: arn[2]!, region: arn[1]!, ...(arn[3] ? {qualifier: arn[3]} : {})}
  const partial = /^\d{12}:function:([^:]+)(?::(.+))?$/.exec(decoded)
  if (partial) return {name: partial[1]!, ...(partial[2] ? {qualifier: partial[2]} : {})}
  const [name, qualifier] = decoded.split(':')
  return {name: name!, ...(qualifier ? {qualifier} : {})}
}

function configurationOf(fn: object): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of CONFIG_FIELDS) {
    const value = (fn as Record<string, unknown>)[key]
    if (value !== undefined) out[key] = value
  }
  return out
}

export function installLambda(aws: Routes, options: LambdaOptions = {}): LocalLambda {
  const settings: Required<LambdaOptions> = {
    region: options.region ?? 'us-east-1',
    account: options.account ?? '123456789012',
    settleMs: options.settleMs ?? 300,
    canWriteXRay: options.canWriteXRay ?? (() => true),
    failUpdate: options.failUpdate ?? (() => undefined),
    beforeUpdate: options.beforeUpdate ?? (() => undefined),
  }
  const functions = new Map<string, LocalFunction>()
  const arnOf = (name: string, region: string) => `arn:aws:lambda:${region}:${settings.account}:function:${name}`
  const lambda: LocalLambda = {
    functions,
    options: settings,
    add(name, overrides = {}) {
      const region = overrides.region ?? settings.region
      const fn: LocalFunction = {
        FunctionName: name,
        FunctionArn: arnOf(name, region),
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
        region,
        tags: {},
        versions: new Map(),
        aliases: new Map(),
        ...overrides,
      }
      functions.set(fn.FunctionArn, fn)
      return fn
    },
    busy(fn, ms) {
      fn.LastUpdateStatus = 'InProgress'
      fn.RevisionId = randomUUID()
      setTimeout(() => {
        fn.LastUpdateStatus = 'Successful'
        fn.RevisionId = randomUUID()
      }, ms).unref()
    },
    get(name, region = settings.region) {
      return functions.get(arnOf(name, region))
    },
    publish(name, alias, region) {
      const fn = lambda.get(name, region)
      if (!fn) throw new Error(`no function ${name}`)
      const version = String(fn.versions.size + 1)
      const frozen = {...(configurationOf(fn) as Omit<LocalFunction, 'versions' | 'aliases' | 'tags' | 'region'>)}
      frozen.Version = version
      frozen.FunctionArn = `${fn.FunctionArn}:${version}`
      frozen.TracingConfig = {...fn.TracingConfig}
      fn.versions.set(version, frozen)
      if (alias) fn.aliases.set(alias, version)
      return version
    },
  }

  const previous = aws.restOperation
  aws.restOperation = (service, method, path) => {
    if (service !== 'lambda') return previous?.(service, method, path)
    if (method === 'GET' && (path === PREFIX || path === `${PREFIX}/`)) return 'ListFunctions'
    if (method === 'GET' && /^\/2015-03-31\/functions\/[^/]+$/.test(path)) return 'GetFunction'
    if (method === 'GET' && /^\/2015-03-31\/functions\/[^/]+\/configuration$/.test(path)) return 'GetFunctionConfiguration'
    if (method === 'PUT' && /^\/2015-03-31\/functions\/[^/]+\/configuration$/.test(path)) return 'UpdateFunctionConfiguration'
    if (method === 'GET' && /^\/2015-03-31\/functions\/[^/]+\/aliases$/.test(path)) return 'ListAliases'
    if (method === 'GET' && /^\/2015-03-31\/functions\/[^/]+\/versions$/.test(path)) return 'ListVersionsByFunction'
    return undefined
  }

  const find = (request: ParsedRequest): {fn?: LocalFunction; qualifier?: string; error?: Reply} => {
    const segment = request.path.split('/')[3] ?? ''
    const parsed = nameFrom(segment)
    const region = parsed.region ?? request.region
    const fn = functions.get(arnOf(parsed.name, region))
    const qualifier = parsed.qualifier ?? request.query.get('Qualifier') ?? undefined
    if (!fn) return {error: restJsonError(404, 'ResourceNotFoundException', `Function not found: ${arnOf(parsed.name, region)}`)}
    return {fn, ...(qualifier ? {qualifier} : {})}
  }

  /** The configuration of $LATEST or of a version / alias. */
  const configurationAt = (fn: LocalFunction, qualifier: string | undefined): Record<string, unknown> | Reply => {
    if (!qualifier || qualifier === '$LATEST') return configurationOf(fn)
    const version = fn.aliases.get(qualifier) ?? qualifier
    const frozen = fn.versions.get(version)
    if (!frozen) return restJsonError(404, 'ResourceNotFoundException', `Function not found: ${fn.FunctionArn}:${qualifier}`)
    return configurationOf(frozen)
  }
  const isReply = (value: unknown): value is Reply => typeof value === 'object' && value !== null && 'status' in value && 'body' in value

  aws.route('lambda', 'ListFunctions', (request) => {
    const all = [...functions.values()].filter((fn) => fn.region === request.region)
    const max = Math.min(50, Number.parseInt(request.query.get('MaxItems') ?? '50', 10) || 50)
    const start = Number.parseInt(request.query.get('Marker') ?? '0', 10) || 0
    // ListFunctions leaves out the state fields (Lambda documents this), like the real one.
    const page = all.slice(start, start + max).map((fn) => {
      const listed = configurationOf(fn)
      for (const key of ['LastUpdateStatus', 'LastUpdateStatusReason', 'State']) delete listed[key]
      return listed
    })
    const next = start + max < all.length ? String(start + max) : undefined
    return jsonReply(200, {Functions: page, ...(next ? {NextMarker: next} : {})})
  })

  aws.route('lambda', 'GetFunctionConfiguration', (request) => {
    const {fn, qualifier, error} = find(request)
    if (error) return error
    const configuration = configurationAt(fn!, qualifier)
    return isReply(configuration) ? configuration : jsonReply(200, configuration)
  })

  aws.route('lambda', 'GetFunction', (request) => {
    const {fn, qualifier, error} = find(request)
    if (error) return error
    const configuration = configurationAt(fn!, qualifier)
    if (isReply(configuration)) return configuration
    return jsonReply(200, {
      Configuration: configuration,
      // A presigned URL in real life: xtrace must never print it.
      Code: {RepositoryType: 'S3', Location: 'https://awslambda-us-east-1-tasks.s3.amazonaws.com/snapshots/secret?X-Amz-Signature=do-not-print'},
      Tags: fn!.tags,
    })
  })

  aws.route('lambda', 'ListAliases', (request) => {
    const {fn, error} = find(request)
    if (error) return error
    const aliases = [...fn!.aliases].map(([name, version]) => ({
      AliasArn: `${fn!.FunctionArn}:${name}`,
      Name: name,
      FunctionVersion: version,
      RevisionId: randomUUID(),
    }))
    return jsonReply(200, {Aliases: aliases})
  })

  aws.route('lambda', 'ListVersionsByFunction', (request) => {
    const {fn, error} = find(request)
    if (error) return error
    return jsonReply(200, {Versions: [configurationOf(fn!), ...[...fn!.versions.values()].map(configurationOf)]})
  })

  aws.route('lambda', 'UpdateFunctionConfiguration', (request) => {
    const {fn, qualifier, error} = find(request)
    if (error) return error
    if (qualifier) {
      return restJsonError(400, 'InvalidParameterValueException', 'Unsupported function qualifier: only $LATEST can be updated')
    }
    const body = JSON.parse(request.body || '{}') as {TracingConfig?: {Mode?: string}; RevisionId?: string}
    settings.beforeUpdate(fn!)
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
    delete fn!.LastUpdateStatusReason
    const reply = jsonReply(200, configurationOf(fn!))
    setTimeout(() => {
      const reason = settings.failUpdate(fn!)
      fn!.LastUpdateStatus = reason ? 'Failed' : 'Successful'
      if (reason) fn!.LastUpdateStatusReason = reason
      fn!.RevisionId = randomUUID()
    }, settings.settleMs).unref()
    return reply
  })

  aws.route('tagging', 'GetResources', (request) => {
    const input = JSON.parse(request.body || '{}') as {
      TagFilters?: {Key: string; Values?: string[]}[]
      ResourceTypeFilters?: string[]
      PaginationToken?: string
      ResourcesPerPage?: number
    }
    const types = input.ResourceTypeFilters ?? []
    if (types.length > 0 && !types.some((type) => type === 'lambda' || type === 'lambda:function')) {
      return jsonReply(200, {ResourceTagMappingList: [], PaginationToken: ''})
    }
    // Like the real API, only resources that carry (or carried) tags are listed.
    const matches = [...functions.values()].filter(
      (fn) =>
        fn.region === request.region &&
        Object.keys(fn.tags).length > 0 &&
        (input.TagFilters ?? []).every(
          (filter) => filter.Key in fn.tags && (!filter.Values?.length || filter.Values.includes(fn.tags[filter.Key]!)),
        ),
    )
    // Pages of 25 exercise the token; the real service pages at up to 100.
    const start = Number.parseInt(input.PaginationToken || '0', 10) || 0
    const size = Math.min(input.ResourcesPerPage ?? 25, 25)
    const page = matches.slice(start, start + size).map((fn) => ({
      ResourceARN: fn.FunctionArn,
      Tags: Object.entries(fn.tags).map(([Key, Value]) => ({Key, Value})),
    }))
    const next = start + size < matches.length ? String(start + size) : ''
    return jsonReply(200, {ResourceTagMappingList: page, PaginationToken: next})
  })

  return lambda
}
