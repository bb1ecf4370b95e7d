/**
 * A local AWS-compatible endpoint for tests and benchmarks, on 127.0.0.1 and a random port.
 *
 * It speaks the real wire protocols well enough for the unmodified AWS SDK (and so the xtrace
 * binary) to talk to it through --endpoint-url / AWS_ENDPOINT_URL:
 *   - X-Ray, REST-JSON: BatchGetTraces (POST /Traces, at most 5 ids, NextToken paging),
 *     PutTraceSegments (POST /TraceSegments), GetTraceSummaries (POST /TraceSummaries, with the
 *     `service(id(name: …, type: …))` filters xtrace sends, ORed), GetTraceSegmentDestination,
 *     GetSamplingRules;
 *   - STS, query/XML: GetCallerIdentity.
 *   - Lambda, REST-JSON: ListFunctions, GetFunctionConfiguration, UpdateFunctionConfiguration, once
 *     `installLambda(aws)` (local-lambda.ts) is called.
 *   - IAM, query/XML: roles and their policies, once `installIam(aws)` (local-iam.ts) is called.
 *   - Resource Groups Tagging API, JSON 1.1: GetResources for Lambda functions, with `installLambda`.
 *   - Accounts: `memberAccount(id)` gives an account its own routes (install Lambda and IAM into it for
 *     state of its own), STS AssumeRole hands out credentials that pick that account on every later
 *     request, Organizations (JSON 1.1) lists the accounts and organizational units, a region can be
 *     disabled for an account, and `rateLimits` throttle Lambda beyond its per-account-and-region quotas.
 * The service is taken from the SigV4 credential scope, as one endpoint serves them all; more
 * operations register the same way (see `route`).
 *
 * Faults can be injected per service/operation: latency, throttling (429), 5xx, AccessDenied,
 * expired tokens and dropped connections. Every request is logged for assertions.
 */
import {randomBytes} from 'node:crypto'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {type FilterableTrace, parseFilter} from './xray-filter.js'
import {serviceGraph} from './xray-graph.js'
import {type Summary, summarise} from './xray-summaries.js'

export type FaultKind = 'throttle' | 'server-error' | 'access-denied' | 'expired-token' | 'latency' | 'drop'

export interface Fault {
  kind: FaultKind
  service?: string
  operation?: string
  /** How many matching requests it hits; default: all. */
  times?: number
  /** For `latency`: milliseconds to wait before answering normally. */
  delayMs?: number
  /**
   * Hit only every n-th matching request (the n-th, 2n-th, ...); default: every one. Deterministic on purpose:
   * a random share made a test's length depend on the draw.
   */
  every?: number
  /** Only requests made with this account's credentials. */
  account?: string
  /** Only requests to this region. */
  region?: string
  /** For `access-denied`: the message AWS would give (e.g. an explicit deny in a service control policy). */
  message?: string
}

export interface LoggedRequest {
  service: string
  operation: string
  region: string
  /** The account the credentials picked. */
  account: string
  body: string
  at: number
  /** When the answer was written (Date.now()): with `at`, the time spent in the API. */
  doneAt?: number
  fault?: FaultKind
}

export interface ParsedRequest {
  service: string
  operation: string
  /** Region from the SigV4 credential scope. */
  region: string
  /** The account of the credentials: an assumed role's, or the caller's own. */
  account: string
  /** The caller's ARN (an assumed-role ARN for assumed credentials). */
  callerArn: string
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: string
  /** For query-protocol services: the form parameters. */
  params: URLSearchParams
}

export interface Reply {
  status: number
  headers?: Record<string, string>
  body: string
}

export type Handler = (request: ParsedRequest, aws: LocalAws) => Reply | Promise<Reply>

type Protocol = 'rest-json' | 'query' | 'json'

const PROTOCOLS: Record<string, Protocol> = {xray: 'rest-json', lambda: 'rest-json', sts: 'query', iam: 'query', cloudformation: 'query', tagging: 'json', organizations: 'json'}

/** What the Lambda and IAM installers need of an endpoint: the endpoint itself, or one account of it. */
export interface Routes {
  route(service: string, operation: string, handler: Handler): void
  restOperation?: (service: string, method: string, path: string) => string | undefined
}

/** A member account: its own routes (its Lambda, its IAM), the role xtrace assumes into it, and its place in the organization. */
export interface MemberAccount extends Routes {
  id: string
  name: string
  /** Organizational unit (or root) it sits in. */
  parent: string
  state: 'ACTIVE' | 'SUSPENDED'
  /** Role names that may be assumed, with the external id their trust policy asks for (if any). */
  roles: Map<string, {externalId?: string; deny?: boolean}>
  /** Regions not enabled for the account: calls there fail as with opt-in regions left off. */
  disabledRegions: Set<string>
  readonly routes: Map<string, Handler>
}

interface Session {
  account: string
  arn: string
  expiresAt: number
}

/** Lambda's quotas per account and region, in calls a second, when the endpoint enforces them. */
export interface RateLimits {
  /** Control plane: every Lambda operation but GetFunction. */
  control?: number
  getFunction?: number
}

const XRAY_ROUTES: Record<string, string> = {
  'POST /Traces': 'BatchGetTraces',
  'POST /TraceSegments': 'PutTraceSegments',
  'POST /TraceSummaries': 'GetTraceSummaries',
  'POST /GetTraceSegmentDestination': 'GetTraceSegmentDestination',
  'POST /GetSamplingRules': 'GetSamplingRules',
  'POST /ServiceGraph': 'GetServiceGraph',
}

/** A trace summary GetTraceSummaries can return: which services it went through, and when. */
export interface StoredSummary {
  id: string
  /** Epoch seconds. */
  time: number
  services: {name: string; type: string}[]
}

export function requestId(): string {
  return randomBytes(16).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')
}

export function jsonReply(status: number, body: unknown): Reply {
  return {status, headers: {'content-type': 'application/json', 'x-amzn-requestid': requestId()}, body: JSON.stringify(body)}
}

export function restJsonError(status: number, type: string, message: string): Reply {
  return {
    status,
    headers: {'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': requestId()},
    body: JSON.stringify({message}),
  }
}

export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

export function queryReply(action: string, resultXml: string, namespace: string): Reply {
  return {
    status: 200,
    headers: {'content-type': 'text/xml'},
    body:
      `<${action}Response xmlns="${namespace}"><${action}Result>${resultXml}</${action}Result>` +
      `<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${action}Response>`,
  }
}

export function queryError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: {'content-type': 'text/xml'},
    body:
      `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${xmlEscape(code)}</Code>` +
      `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`,
  }
}

function faultReply(kind: FaultKind, protocol: Protocol, service: string, message?: string): Reply {
  const json = protocol !== 'query'
  switch (kind) {
    case 'throttle':
      if (json) return restJsonError(429, service === 'lambda' ? 'TooManyRequestsException' : 'ThrottlingException', 'Rate exceeded')
      return queryError(400, 'Throttling', 'Rate exceeded')
    case 'server-error':
      return json ? restJsonError(500, 'ServiceException', 'Internal failure') : queryError(500, 'ServiceFailure', 'Internal failure')
    case 'access-denied': {
      const text = message ?? 'User: arn:aws:iam::123456789012:user/test is not authorized to perform this action'
      return json ? restJsonError(403, 'AccessDeniedException', text) : queryError(403, 'AccessDenied', text)
    }
    case 'expired-token':
      return json
        ? restJsonError(403, 'ExpiredTokenException', 'The security token included in the request is expired')
        : queryError(403, 'ExpiredToken', 'The security token included in the request is expired')
    default:
      throw new Error(`no reply for fault ${kind}`)
  }
}

/** A stored trace: documents by id, as PutTraceSegments received them. */
interface StoredTrace {
  documents: Map<string, string>
  /** Hidden from BatchGetTraces until this many more calls have asked for it. */
  hiddenFor: number
  /** Epoch seconds of the last document: the trace's "event" time. */
  updatedAt: number
  /** Epoch ms before which GetTraceSummaries does not list it (X-Ray indexes with a delay). */
  indexedAt: number
  summary?: Summary
}

export class LocalAws implements Routes {
  url = ''
  readonly requests: LoggedRequest[] = []
  readonly traces = new Map<string, StoredTrace>()
  /** Trace ids BatchGetTraces reports in UnprocessedTraceIds. */
  readonly unprocessed = new Set<string>()
  /** Trace ids BatchGetTraces marks `LimitExceeded`, as X-Ray does a trace that outgrew its size quota. */
  readonly limitExceeded = new Set<string>()
  /** Traces per BatchGetTraces page; smaller values exercise NextToken. */
  tracesPerPage = 5
  /** Set: a trace's segments come in parts of this many, each part a Trace of its own on the pages (the same Id again). */
  segmentsPerPart: number | undefined
  caller = {account: '123456789012', arn: 'arn:aws:iam::123456789012:user/xtrace-test', userId: 'AIDAXTRACETEST'}
  /** What GetTraceSegmentDestination answers. */
  segmentDestination = {Destination: 'XRay', Status: 'ACTIVE'}
  /** What GetSamplingRules answers: the default rule of a new account. */
  samplingRules: Record<string, unknown>[] = [
    {
      SamplingRule: {
        RuleName: 'Default', RuleARN: 'arn:aws:xray:us-east-1:123456789012:sampling-rule/Default', ResourceARN: '*', Priority: 10000,
        FixedRate: 0.05, ReservoirSize: 1, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1, Attributes: {},
      },
      CreatedAt: 0,
      ModifiedAt: 0,
    },
  ]
  /** Trace summaries for GetTraceSummaries. */
  readonly summaries: StoredSummary[] = []
  /** Summaries per GetTraceSummaries page. */
  summariesPerPage = 50
  /** Member accounts by id (memberAccount()). */
  readonly members = new Map<string, MemberAccount>()
  /** Organizational units: id → parent id (the root is "r-root"). */
  readonly organizationalUnits = new Map<string, string>()
  /** Whether the caller's account runs an organization (Organizations answers AWSOrganizationsNotInUseException otherwise). */
  organization = false
  /** Accounts per Organizations page; small values exercise NextToken. */
  organizationPageSize = 5
  /** Lifetime of assumed-role credentials, in seconds. */
  sessionSeconds = 3600
  /** Lambda quotas enforced per account and region; none by default. */
  rateLimits: RateLimits = {}
  /** Calls refused by `rateLimits`. */
  quotaThrottles = 0
  private readonly sessions = new Map<string, Session>()
  private readonly buckets = new Map<string, {tokens: number; at: number}>()

  private server: Server | undefined
  private faults: (Fault & {remaining: number; seen: number})[] = []
  private readonly routes = new Map<string, Handler>()

  constructor() {
    this.route('xray', 'BatchGetTraces', (request) => this.batchGetTraces(request))
    this.route('xray', 'PutTraceSegments', (request) => this.putTraceSegments(request))
    this.route('xray', 'GetTraceSummaries', (request) => this.getTraceSummaries(request))
    this.route('xray', 'GetServiceGraph', (request) => this.getServiceGraph(request))
    this.route('xray', 'GetTraceSegmentDestination', () => jsonReply(200, this.segmentDestination))
    this.route('xray', 'GetSamplingRules', () => jsonReply(200, {SamplingRuleRecords: this.samplingRules}))
    this.route('sts', 'GetCallerIdentity', (request) =>
      queryReply(
        'GetCallerIdentity',
        `<Arn>${request.callerArn}</Arn><UserId>${request.account === this.caller.account ? this.caller.userId : 'AROAXTRACEMEMBER:xtrace'}</UserId><Account>${request.account}</Account>`,
        'https://sts.amazonaws.com/doc/2011-06-15/',
      ),
    )
    this.route('sts', 'AssumeRole', (request) => this.assumeRole(request))
    this.route('organizations', 'ListAccounts', (request) => this.listAccounts(request, () => true))
    this.route('organizations', 'ListAccountsForParent', (request) => {
      const parent = (JSON.parse(request.body || '{}') as {ParentId?: string}).ParentId ?? ''
      if (parent !== 'r-root' && !this.organizationalUnits.has(parent)) return restJsonError(400, 'ParentNotFoundException', `The parent ${parent} does not exist`)
      return this.listAccounts(request, (member) => member.parent === parent)
    })
    this.route('organizations', 'ListOrganizationalUnitsForParent', (request) => {
      const denied = this.organizationRefusal(request)
      if (denied) return denied
      const parent = (JSON.parse(request.body || '{}') as {ParentId?: string}).ParentId ?? ''
      if (parent !== 'r-root' && !this.organizationalUnits.has(parent)) return restJsonError(400, 'ParentNotFoundException', `The parent ${parent} does not exist`)
      const units = [...this.organizationalUnits].filter(([, of]) => of === parent).map(([id]) => ({Id: id, Arn: `arn:aws:organizations::${this.caller.account}:ou/o-xtrace/${id}`, Name: id}))
      return jsonReply(200, {OrganizationalUnits: units})
    })
  }

  /**
   * A member account with its own routes; `installLambda(aws.memberAccount(id), {account: id})` and
   * `installIam(…, id)` give it state of its own. It carries OrganizationAccountAccessRole unless told.
   */
  memberAccount(id: string, options: {name?: string; parent?: string; roles?: string[]; state?: MemberAccount['state']} = {}): MemberAccount {
    let member = this.members.get(id)
    if (!member) {
      const routes = new Map<string, Handler>()
      member = {
        id,
        name: options.name ?? `account-${id}`,
        parent: options.parent ?? 'r-root',
        state: options.state ?? 'ACTIVE',
        roles: new Map((options.roles ?? ['OrganizationAccountAccessRole']).map((role) => [role, {}])),
        disabledRegions: new Set(),
        routes,
        route: (service, operation, handler) => routes.set(`${service}:${operation}`, handler),
      }
      this.members.set(id, member)
    }
    return member
  }

  /** Expires every assumed session now (as an hour passing would). */
  expireSessions(): void {
    for (const session of this.sessions.values()) session.expiresAt = Date.now() - 1
  }

  /** Assumed-role credentials handed out so far, by account. */
  sessionsOf(account: string): number {
    return [...this.sessions.values()].filter((session) => session.account === account).length
  }

  private assumeRole(request: ParsedRequest): Reply {
    const roleArn = request.params.get('RoleArn') ?? ''
    const session = request.params.get('RoleSessionName') ?? ''
    if (!/^[\w+=,.@-]{2,64}$/.test(session)) return queryError(400, 'ValidationError', `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint`)
    const match = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn)
    const member = match ? this.members.get(match[1]!) : undefined
    const role = member?.roles.get(match?.[2] ?? '')
    const externalId = request.params.get('ExternalId') ?? undefined
    // AWS says the same for a missing role, a trust policy that does not name the caller, and a wrong external id.
    if (!member || !role || role.deny || role.externalId !== externalId) {
      return queryError(403, 'AccessDenied', `User: ${request.callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`)
    }
    const keyId = `ASIA${member.id}${randomBytes(4).toString('hex').toUpperCase()}`
    const expiresAt = Date.now() + this.sessionSeconds * 1000
    const arn = `arn:aws:sts::${member.id}:assumed-role/${match![2]}/${session}`
    this.sessions.set(keyId, {account: member.id, arn, expiresAt})
    return queryReply(
      'AssumeRole',
      `<Credentials><AccessKeyId>${keyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('hex')}</SecretAccessKey><SessionToken>${randomBytes(32).toString('base64')}</SessionToken><Expiration>${new Date(expiresAt).toISOString()}</Expiration></Credentials>` +
        `<AssumedRoleUser><Arn>${xmlEscape(arn)}</Arn><AssumedRoleId>AROA${member.id}:${xmlEscape(session)}</AssumedRoleId></AssumedRoleUser>`,
      'https://sts.amazonaws.com/doc/2011-06-15/',
    )
  }

  /** Organizations answers the management account only, and only when there is an organization. */
  private organizationRefusal(request: ParsedRequest): Reply | undefined {
    if (request.account !== this.caller.account) return restJsonError(400, 'AccessDeniedException', 'You don\'t have permissions to access this resource.')
    if (!this.organization) return restJsonError(400, 'AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.')
    return undefined
  }

  private listAccounts(request: ParsedRequest, keep: (member: MemberAccount) => boolean): Reply {
    const denied = this.organizationRefusal(request)
    if (denied) return denied
    const input = JSON.parse(request.body || '{}') as {NextToken?: string}
    const management = {id: this.caller.account, name: 'management', parent: 'r-root', state: 'ACTIVE' as const}
    const all = [management, ...this.members.values()].filter((member) => member === management ? keep({...management} as MemberAccount) : keep(member as MemberAccount))
    const offset = Number.parseInt(input.NextToken ?? '0', 10) || 0
    const page = all.slice(offset, offset + this.organizationPageSize).map((member) => ({
      Id: member.id,
      Arn: `arn:aws:organizations::${this.caller.account}:account/o-xtrace/${member.id}`,
      Email: `${member.name}@example.com`,
      Name: member.name,
      Status: member.state,
      State: member.state,
      JoinedMethod: 'CREATED',
      JoinedTimestamp: 1_700_000_000,
    }))
    const next = offset + this.organizationPageSize < all.length ? String(offset + this.organizationPageSize) : undefined
    return jsonReply(200, {Accounts: page, ...(next ? {NextToken: next} : {})})
  }

  /** Whether Lambda's quota of this account and region lets one more call through now (token buckets, as AWS meters). */
  private withinQuota(account: string, region: string, operation: string): boolean {
    const quota = operation === 'GetFunction' ? 'getFunction' : 'control'
    const rate = this.rateLimits[quota]
    if (!rate) return true
    const key = `${account}/${region}/${quota}`
    const now = Date.now()
    const bucket = this.buckets.get(key) ?? {tokens: rate, at: now}
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate)
    bucket.at = now
    this.buckets.set(key, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  /** Registers (or replaces) the handler of one operation, for the caller's own account (and any without routes of its own). */
  route(service: string, operation: string, handler: Handler): void {
    this.routes.set(`${service}:${operation}`, handler)
  }

  inject(fault: Fault): void {
    this.faults.push({...fault, remaining: fault.times ?? Infinity, seen: 0})
  }

  clearFaults(): void {
    this.faults = []
  }

  /** Calls of one operation so far. */
  calls(operation: string, service?: string): LoggedRequest[] {
    return this.requests.filter((r) => r.operation === operation && (service === undefined || r.service === service))
  }

  /**
   * Stores documents as PutTraceSegments would. `hiddenFor` delays their appearance by N BatchGetTraces
   * calls; `updatedAt` sets the trace's event time (default: now); `indexDelayMs` keeps it out of
   * GetTraceSummaries for a while, as X-Ray's indexing does.
   */
  addDocuments(documents: (string | Record<string, unknown>)[], options: {hiddenFor?: number; updatedAt?: number; indexDelayMs?: number} = {}): void {
    for (const item of documents) {
      const text = typeof item === 'string' ? item : JSON.stringify(item)
      const doc = JSON.parse(text) as {trace_id?: string; id?: string}
      if (!doc.trace_id || !doc.id) throw new Error('a stored document needs trace_id and id')
      let trace = this.traces.get(doc.trace_id)
      if (!trace) {
        trace = {documents: new Map(), hiddenFor: options.hiddenFor ?? 0, updatedAt: 0, indexedAt: 0}
        this.traces.set(doc.trace_id, trace)
      }
      trace.documents.set(doc.id, text)
      trace.updatedAt = options.updatedAt ?? Date.now() / 1000
      trace.indexedAt = Date.now() + (options.indexDelayMs ?? 0)
      delete trace.summary
    }
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, {'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException'})
          res.end(JSON.stringify({message: String(error)}))
        }
      })
    })
    // Connections stay open between calls, as AWS's endpoints keep them: Node's HTTP agent reuses a socket only when
    // the server's Keep-Alive hint leaves it more than a second (`timeout=1` made every call of every run connect
    // anew, which no client of AWS pays). stop() closes whatever is left open.
    this.server.keepAliveTimeout = 30_000
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    const {port} = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${port}`
    return this.url
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', 'http://localhost')
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '')
    const region = scope?.[2] ?? 'us-east-1'
    const service = scope?.[3] ?? 'unknown'
    const protocol = PROTOCOLS[service] ?? 'rest-json'
    const session = this.sessions.get(scope?.[1] ?? '')
    const account = session?.account ?? this.caller.account
    const member = this.members.get(account)
    const routing: Routes = member ?? this
    const params = protocol === 'query' ? new URLSearchParams(body) : new URLSearchParams()
    const operation =
      protocol === 'query'
        ? (params.get('Action') ?? 'unknown')
        : protocol === 'json'
          ? (String(req.headers['x-amz-target'] ?? '').split('.').pop() || 'unknown')
          : service === 'xray'
          ? (XRAY_ROUTES[`${req.method} ${url.pathname}`] ?? 'unknown')
          : (routing.restOperation?.(service, req.method ?? 'GET', url.pathname) ?? 'unknown')
    const logged: LoggedRequest = {service, operation, region, account, body, at: Date.now()}
    this.requests.push(logged)
    res.on('finish', () => (logged.doneAt = Date.now()))

    if (session && session.expiresAt < Date.now()) {
      this.send(res, faultReply('expired-token', protocol, service))
      return
    }
    if (member?.disabledRegions.has(region) && !['sts', 'iam', 'organizations'].includes(service)) {
      // What AWS answers in an opt-in region the account has not enabled.
      this.send(res, protocol === 'query' ? queryError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.') : restJsonError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'))
      return
    }

    const fault = this.takeFault(service, operation, account, region)
    if (fault) {
      logged.fault = fault.kind
      if (fault.kind === 'drop') {
        req.socket.destroy()
        return
      }
      if (fault.kind === 'latency') {
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 200))
      } else {
        this.send(res, faultReply(fault.kind, protocol, service, fault.message))
        return
      }
    }

    if (service === 'lambda' && !this.withinQuota(account, region, operation)) {
      logged.fault = 'throttle'
      this.quotaThrottles++
      this.send(res, restJsonError(429, 'TooManyRequestsException', 'Rate exceeded'))
      return
    }

    const handler = member?.routes.get(`${service}:${operation}`) ?? this.routes.get(`${service}:${operation}`)
    if (!handler) {
      this.send(
        res,
        protocol === 'query'
          ? queryError(400, 'InvalidAction', `local endpoint does not implement ${service}:${operation}`)
          : restJsonError(404, 'UnknownOperationException', `local endpoint does not implement ${service} ${req.method} ${url.pathname}`),
      )
      return
    }
    const request: ParsedRequest = {
      service,
      operation,
      region,
      account,
      callerArn: session?.arn ?? this.caller.arn,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      params,
    }
    this.send(res, await handler(request, this))
  }

  /** Maps a REST path to an operation name for services other than X-Ray (set by later harness modules). */
  restOperation?: (service: string, method: string, path: string) => string | undefined

  private takeFault(service: string, operation: string, account: string, region: string): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.account === undefined || f.account === account) &&
        (f.region === undefined || f.region === region) &&
        (f.service === undefined || f.service === service) &&
        (f.operation === undefined || f.operation === operation) &&
        (f.every === undefined || ++f.seen % f.every === 0),
    )
    if (fault) fault.remaining--
    return fault
  }

  private send(res: ServerResponse, reply: Reply): void {
    res.writeHead(reply.status, {'content-length': Buffer.byteLength(reply.body).toString(), ...reply.headers})
    res.end(reply.body)
  }

  private batchGetTraces(request: ParsedRequest): Reply {
    let input: {TraceIds?: unknown; NextToken?: unknown}
    try {
      input = JSON.parse(request.body || '{}')
    } catch {
      return restJsonError(400, 'InvalidRequestException', 'body is not JSON')
    }
    const ids = input.TraceIds
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
      return restJsonError(400, 'InvalidRequestException', 'TraceIds is required')
    }
    if (ids.length > 5) {
      return restJsonError(400, 'InvalidRequestException', '1 validation error detected: Value at \'traceIds\' failed to satisfy constraint: Member must have length less than or equal to 5')
    }
    const offset = typeof input.NextToken === 'string' ? Number.parseInt(input.NextToken, 10) : 0
    const visible: {Id: string; Duration: number; LimitExceeded: boolean; Segments: {Id: string; Document: string}[]}[] = []
    const unprocessed: string[] = []
    for (const id of ids as string[]) {
      if (this.unprocessed.has(id)) {
        unprocessed.push(id)
        continue
      }
      const trace = this.traces.get(id)
      if (!trace) continue
      if (trace.hiddenFor > 0) {
        // Only the first page of a call counts as one poll.
        if (offset === 0) trace.hiddenFor--
        continue
      }
      const segments = [...trace.documents].map(([docId, document]) => ({Id: docId, Document: document}))
      const part = this.segmentsPerPart ?? Math.max(1, segments.length)
      for (let i = 0; i < Math.max(1, segments.length); i += part) {
        visible.push({Id: id, Duration: traceDuration(trace), LimitExceeded: this.limitExceeded.has(id), Segments: segments.slice(i, i + part)})
      }
    }
    const page = visible.slice(offset, offset + this.tracesPerPage)
    const next = offset + this.tracesPerPage < visible.length ? String(offset + this.tracesPerPage) : undefined
    return jsonReply(200, {Traces: page, UnprocessedTraceIds: offset === 0 ? unprocessed : [], ...(next ? {NextToken: next} : {})})
  }

  /** Longest window one GetTraceSummaries call may span; longer ones are refused as X-Ray does. */
  maxSummaryWindowSeconds = 24 * 3600

  /**
   * GetTraceSummaries over what is stored: summaries computed from the documents (xray-summaries.ts),
   * by trace start (TimeRangeType TraceId) or last update (Event), filtered with the documented subset
   * of the filter language (xray-filter.ts), `Sampling` keeping every other one, paged by
   * `summariesPerPage`. `summaries` (service ids only) are listed too.
   */
  private getTraceSummaries(request: ParsedRequest): Reply {
    const input = JSON.parse(request.body || '{}') as {StartTime?: number; EndTime?: number; FilterExpression?: string; NextToken?: string; TimeRangeType?: string; Sampling?: boolean}
    if (typeof input.StartTime !== 'number' || typeof input.EndTime !== 'number') {
      return restJsonError(400, 'InvalidRequestException', 'StartTime and EndTime are required')
    }
    if (input.EndTime - input.StartTime > this.maxSummaryWindowSeconds) {
      return restJsonError(400, 'InvalidRequestException', `Time range must be less than ${this.maxSummaryWindowSeconds / 3600} hours`)
    }
    let predicate: ((trace: FilterableTrace) => boolean) | undefined
    if (input.FilterExpression) {
      try {
        predicate = parseFilter(input.FilterExpression)
      } catch (error) {
        return restJsonError(400, 'InvalidRequestException', `Invalid filter expression: ${(error as Error).message}`)
      }
    }
    const byEvent = input.TimeRangeType === 'Event'
    const candidates: {time: number; wire: Record<string, unknown>; filterable: FilterableTrace}[] = []
    const now = Date.now()
    for (const [id, trace] of this.traces) {
      if (trace.indexedAt > now) continue
      trace.summary ??= summarise(id, [...trace.documents.values()], this.caller.account)
      candidates.push({time: byEvent ? trace.updatedAt : trace.summary.startTime, wire: trace.summary.wire, filterable: trace.summary.filterable})
    }
    for (const summary of this.summaries) {
      const services = summary.services.map((service) => ({name: service.name, type: service.type}))
      candidates.push({
        time: summary.time,
        wire: {Id: summary.id, StartTime: summary.time, Duration: 0.1, ServiceIds: services.map((s) => ({Name: s.name, Names: [s.name], Type: s.type, AccountId: this.caller.account}))},
        filterable: {duration: 0.1, responseTime: 0.1, http: {}, error: false, fault: false, throttle: false, partial: false, users: [], annotations: {}, services},
      })
    }
    const inWindow = candidates.filter((c) => c.time >= input.StartTime! && c.time <= input.EndTime!)
    let matching = predicate ? inWindow.filter((c) => predicate!(c.filterable)) : inWindow
    if (input.Sampling) matching = matching.filter((_, index) => index % 2 === 0)
    const offset = Number.parseInt(input.NextToken ?? '0', 10) || 0
    const page = matching.slice(offset, offset + this.summariesPerPage).map((c) => c.wire)
    const next = offset + this.summariesPerPage < matching.length ? String(offset + this.summariesPerPage) : undefined
    return jsonReply(200, {TraceSummaries: page, ApproximateTime: now / 1000, TracesProcessedCount: offset === 0 ? inWindow.length : 0, ...(next ? {NextToken: next} : {})})
  }

  /** Services per GetServiceGraph page; smaller values exercise NextToken. */
  servicesPerPage = 100

  /** GetServiceGraph over the stored documents (xray-graph.ts), paged by `servicesPerPage`. */
  private getServiceGraph(request: ParsedRequest): Reply {
    const input = JSON.parse(request.body || '{}') as {StartTime?: number; EndTime?: number; NextToken?: string; GroupName?: string}
    if (typeof input.StartTime !== 'number' || typeof input.EndTime !== 'number') {
      return restJsonError(400, 'InvalidRequestException', 'StartTime and EndTime are required')
    }
    if (input.EndTime - input.StartTime > this.maxSummaryWindowSeconds) {
      return restJsonError(400, 'InvalidRequestException', `Time range must be less than ${this.maxSummaryWindowSeconds / 3600} hours`)
    }
    if (input.GroupName && input.GroupName !== 'Default') return restJsonError(400, 'InvalidRequestException', `Group ${input.GroupName} not found`)
    const all = serviceGraph([...this.traces.values()].map((trace) => [...trace.documents.values()]), {start: input.StartTime, end: input.EndTime}, this.caller.account)
    // Edges name services by reference id: a page must carry the services its edges point to, so
    // paging here cuts the list and each page renumbers nothing (ids are the full list's indexes).
    const offset = Number.parseInt(input.NextToken ?? '0', 10) || 0
    const page = all.slice(offset, offset + this.servicesPerPage)
    const next = offset + this.servicesPerPage < all.length ? String(offset + this.servicesPerPage) : undefined
    return jsonReply(200, {Services: page, StartTime: input.StartTime, EndTime: input.EndTime, ContainsOldGroupVersions: false, ...(next ? {NextToken: next} : {})})
  }

  private putTraceSegments(request: ParsedRequest): Reply {
    let input: {TraceSegmentDocuments?: unknown}
    try {
      input = JSON.parse(request.body || '{}')
    } catch {
      return restJsonError(400, 'InvalidRequestException', 'body is not JSON')
    }
    const documents = Array.isArray(input.TraceSegmentDocuments) ? input.TraceSegmentDocuments : []
    const unprocessed: {Id?: string; ErrorCode: string; Message: string}[] = []
    for (const text of documents) {
      try {
        this.addDocuments([text as string])
      } catch (error) {
        unprocessed.push({ErrorCode: 'InvalidDocument', Message: String(error)})
      }
    }
    return jsonReply(200, {UnprocessedTraceSegments: unprocessed})
  }
}

function traceDuration(trace: StoredTrace): number {
  let start = Infinity
  let end = -Infinity
  for (const text of trace.documents.values()) {
    let doc: {start_time?: number; end_time?: number}
    try {
      doc = JSON.parse(text) as typeof doc
    } catch {
      // X-Ray returns a document as it was stored, readable or not.
      continue
    }
    if (typeof doc.start_time === 'number') start = Math.min(start, doc.start_time)
    if (typeof doc.end_time === 'number') end = Math.max(end, doc.end_time)
  }
  return Number.isFinite(start) && Number.isFinite(end) ? Math.round((end - start) * 1000) / 1000 : 0
}
