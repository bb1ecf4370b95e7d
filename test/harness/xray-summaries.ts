import type {FilterableTrace} from './xray-filter.js'

/**
 * A trace summary as X-Ray's GetTraceSummaries computes it from a trace's documents (X-Ray API
 * reference, TraceSummary): the root segment gives the start, the response time, the entry point and
 * the HTTP fields; every node gives the fault/error/throttle flags, annotations and users; every
 * segment (and every `aws`/`remote` subsegment, which X-Ray turns into an inferred node) a service.
 */

type Doc = Record<string, unknown>

function walk(documents: Doc[]): Doc[] {
  const out: Doc[] = []
  const stack = [...documents]
  while (stack.length > 0) {
    const node = stack.pop()!
    out.push(node)
    if (Array.isArray(node.subsegments)) stack.push(...(node.subsegments as Doc[]))
  }
  return out
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)
const obj = (value: unknown): Doc | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Doc) : undefined)

export interface Summary {
  wire: Record<string, unknown>
  filterable: FilterableTrace
  startTime: number
}

export function summarise(id: string, texts: string[], account: string): Summary {
  const documents = texts.flatMap((text) => {
    try {
      return [JSON.parse(text) as Doc]
    } catch {
      return []
    }
  })
  const ids = new Set(walk(documents).map((node) => node.id))
  const segments = documents.filter((doc) => doc.type !== 'subsegment')
  const roots = segments.filter((doc) => typeof doc.parent_id !== 'string' || !ids.has(doc.parent_id))
  const root = [...(roots.length > 0 ? roots : segments)].sort((a, b) => (num(a.start_time) ?? Infinity) - (num(b.start_time) ?? Infinity))[0] ?? documents[0] ?? {}
  const nodes = walk(documents)
  let start = Infinity
  let end = -Infinity
  for (const node of nodes) {
    const s = num(node.start_time)
    const e = num(node.end_time)
    if (s !== undefined) start = Math.min(start, s)
    if (e !== undefined) end = Math.max(end, e)
    else if (s !== undefined) end = Math.max(end, s)
  }
  const rootStart = num(root.start_time) ?? start
  const rootEnd = num(root.end_time)
  const request = obj(obj(root.http)?.request)
  const response = obj(obj(root.http)?.response)
  const services: {name: string; type: string}[] = []
  const addService = (name: unknown, type: string) => {
    if (typeof name === 'string' && !services.some((s) => s.name === name && s.type === type)) services.push({name, type})
  }
  for (const segment of segments) addService(segment.name, typeof segment.origin === 'string' ? segment.origin : 'client')
  for (const node of nodes) {
    if (node.namespace === 'aws') addService(node.name, `AWS::${String(node.name)}`)
    if (node.namespace === 'remote') addService(node.name, 'remote')
  }
  const annotations: Record<string, (string | number | boolean)[]> = {}
  for (const node of nodes) {
    for (const [key, value] of Object.entries(obj(node.annotations) ?? {})) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) continue
      const list = (annotations[key] ??= [])
      if (!list.includes(value as string)) list.push(value as string)
    }
  }
  const users = [...new Set(segments.map((s) => s.user).filter((u): u is string => typeof u === 'string'))]
  const flag = (name: string) => nodes.some((node) => node[name] === true)
  const filterable: FilterableTrace = {
    duration: Number.isFinite(start) && Number.isFinite(end) ? end - start : 0,
    responseTime: rootEnd === undefined ? 0 : rootEnd - rootStart,
    http: {
      ...(typeof response?.status === 'number' ? {status: response.status} : {}),
      ...(typeof request?.url === 'string' ? {url: request.url} : {}),
      ...(typeof request?.method === 'string' ? {method: request.method} : {}),
    },
    error: flag('error'),
    fault: flag('fault'),
    throttle: flag('throttle'),
    partial: flag('in_progress'),
    users,
    annotations,
    services,
  }
  const serviceId = (s: {name: string; type: string}) => ({Name: s.name, Names: [s.name], Type: s.type, AccountId: account})
  const entry = services.find((s) => s.name === root.name)
  const wire: Record<string, unknown> = {
    Id: id,
    StartTime: rootStart,
    Duration: round(filterable.duration),
    ResponseTime: round(filterable.responseTime),
    HasFault: filterable.fault,
    HasError: filterable.error,
    HasThrottle: filterable.throttle,
    IsPartial: filterable.partial,
    Http: {
      ...(filterable.http.url ? {HttpURL: filterable.http.url} : {}),
      ...(filterable.http.status !== undefined ? {HttpStatus: filterable.http.status} : {}),
      ...(filterable.http.method ? {HttpMethod: filterable.http.method} : {}),
      ...(typeof request?.user_agent === 'string' ? {UserAgent: request.user_agent} : {}),
      ...(typeof request?.client_ip === 'string' ? {ClientIp: request.client_ip} : {}),
    },
    Annotations: Object.fromEntries(
      Object.entries(annotations).map(([key, values]) => [
        key,
        values.map((value) => ({AnnotationValue: typeof value === 'number' ? {NumberValue: value} : typeof value === 'boolean' ? {BooleanValue: value} : {StringValue: value}, ServiceIds: [serviceId(services[0]!)]})),
      ]),
    ),
    Users: users.map((user) => ({UserName: user, ServiceIds: []})),
    ServiceIds: services.map(serviceId),
    ...(entry ? {EntryPoint: serviceId(entry)} : {}),
  }
  return {wire, filterable, startTime: rootStart}
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}
