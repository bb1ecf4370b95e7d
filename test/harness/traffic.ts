/**
 * Realistic Lambda traffic for the local endpoint, with a ground-truth manifest: what each trace is,
 * decided here, so that tests can compute the expected answer of any search from the manifest alone.
 *
 * Each trace is what Lambda and API Gateway really send (X-Ray developer guide, "AWS Lambda and AWS
 * X-Ray"; segment document schema): a synchronous request is an `AWS::ApiGateway::Stage` segment with an
 * `Invoke` subsegment, the `AWS::Lambda` service segment (`Attempt #1`), and the `AWS::Lambda::Function`
 * segment with `Initialization` (cold starts only), `Invocation` (holding the handler's own subsegment
 * with annotations, and a DynamoDB call) and `Overhead`. An asynchronous one starts at the Lambda service
 * segment, with `Dwell Time` and status 202. Seeded: the same seed gives the same traffic.
 */

export interface ManifestTrace {
  id: string
  function: string
  kind: 'sync' | 'async'
  /** Epoch seconds. */
  start: number
  duration: number
  responseTime: number
  method?: string
  url?: string
  status: number
  fault: boolean
  error: boolean
  throttle: boolean
  cold: boolean
  initDuration?: number
  annotations: {customer: number; tier: string; beta: boolean}
  /** Set by the API Gateway stage on synchronous requests only. */
  user?: string
}

export interface Traffic {
  manifest: ManifestTrace[]
  /** The documents of each trace, as PutTraceSegments would receive them. */
  documents: Map<string, Record<string, unknown>[]>
}

export const FUNCTIONS = ['orders-api', 'orders-worker', 'billing-api'] as const

/** mulberry32: a small seeded generator, so traffic is reproducible. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function generateTraffic(options: {count: number; seed?: number; start: number; end: number; functions?: readonly string[]}): Traffic {
  const rand = random(options.seed ?? 7)
  const hex = (digits: number) => Array.from({length: digits}, () => Math.floor(rand() * 16).toString(16)).join('')
  const functions = options.functions ?? FUNCTIONS
  const manifest: ManifestTrace[] = []
  const documents = new Map<string, Record<string, unknown>[]>()
  const span = options.end - options.start
  for (let i = 0; i < options.count; i++) {
    // Spread over the window, newest last, never two at the same millisecond.
    const start = Math.round((options.start + (span * (i + rand() * 0.5)) / options.count) * 1000) / 1000
    const fn = functions[Math.floor(rand() * functions.length)]!
    const kind: 'sync' | 'async' = fn === 'orders-worker' ? 'async' : 'sync'
    const cold = rand() < 0.2
    const roll = rand()
    const status = kind === 'async' ? 202 : roll < 0.1 ? 500 : roll < 0.15 ? 429 : roll < 0.22 ? 404 : 200
    const fault = status >= 500
    const throttle = status === 429
    const error = status >= 400 && status < 500
    const initDuration = cold ? Math.round((0.2 + rand() * 0.6) * 1000) / 1000 : undefined
    const work = Math.round((0.01 + rand() * (rand() < 0.1 ? 3 : 0.4)) * 1000) / 1000
    const method = kind === 'sync' ? (rand() < 0.7 ? 'GET' : 'POST') : undefined
    const url = kind === 'sync' ? `https://api.example.com/prod/${fn.split('-')[0]}/${Math.floor(rand() * 1000)}` : undefined
    const annotations = {customer: Math.floor(rand() * 50), tier: rand() < 0.3 ? 'gold' : 'silver', beta: rand() < 0.25}
    const user = `user-${Math.floor(rand() * 10)}`
    const id = `1-${Math.floor(start).toString(16).padStart(8, '0')}-${hex(24)}`
    const segmentId = () => hex(16)

    const dwell = kind === 'async' ? 0.02 + rand() * 0.05 : 0
    const lambdaStart = start + (kind === 'sync' ? 0.005 : 0)
    const fnStart = lambdaStart + dwell + 0.002
    const init = initDuration ?? 0
    const fnEnd = fnStart + init + work + 0.003
    const lambdaEnd = fnEnd + 0.002
    const end = kind === 'sync' ? lambdaEnd + 0.004 : lambdaEnd
    const docs: Record<string, unknown>[] = []
    const gatewayId = segmentId()
    const invokeId = segmentId()
    const serviceId = segmentId()
    const functionId = segmentId()
    const flags = {...(fault ? {fault: true} : {}), ...(error ? {error: true} : {}), ...(throttle ? {throttle: true} : {})}
    if (kind === 'sync') {
      docs.push({
        trace_id: id, id: gatewayId, name: `${fn}-gateway/prod`, origin: 'AWS::ApiGateway::Stage', start_time: start, end_time: end,
        http: {request: {method, url, client_ip: '198.51.100.7', user_agent: 'curl/8'}, response: {status}}, user, ...flags,
        subsegments: [{id: invokeId, name: 'Lambda', namespace: 'aws', start_time: start + 0.004, end_time: end - 0.002, ...(fault ? {fault: true} : {}), http: {response: {status: fault ? 502 : 200}}, aws: {operation: 'Invoke', function_name: fn}}],
      })
    }
    docs.push({
      trace_id: id, id: serviceId, name: fn, origin: 'AWS::Lambda', start_time: lambdaStart, end_time: lambdaEnd,
      ...(kind === 'sync' ? {parent_id: invokeId} : {}), http: {response: {status: kind === 'async' ? 202 : 200}},
      aws: {request_id: hex(8)},
      subsegments: [
        ...(kind === 'async' ? [{id: segmentId(), name: 'Dwell Time', start_time: lambdaStart, end_time: lambdaStart + dwell}] : []),
        {id: segmentId(), name: 'Attempt #1', start_time: lambdaStart + dwell, end_time: lambdaEnd, http: {response: {status: 200}}},
      ],
    })
    const handlerStart = fnStart + init + 0.001
    docs.push({
      trace_id: id, id: functionId, parent_id: serviceId, name: fn, origin: 'AWS::Lambda::Function', start_time: fnStart, end_time: fnEnd,
      aws: {function_arn: `arn:aws:lambda:us-east-1:123456789012:function:${fn}`, cloudwatch_logs: [{log_group: `/aws/lambda/${fn}`}]},
      ...(fault ? {fault: true} : {}),
      subsegments: [
        ...(cold ? [{id: segmentId(), name: 'Initialization', start_time: fnStart, end_time: fnStart + init}] : []),
        {
          id: segmentId(), name: 'Invocation', start_time: fnStart + init, end_time: fnEnd - 0.002, ...(fault ? {fault: true} : {}),
          subsegments: [
            {id: segmentId(), name: 'handler', start_time: handlerStart, end_time: fnEnd - 0.003, annotations, ...(fault ? {fault: true} : {}),
              subsegments: [{id: segmentId(), name: 'DynamoDB', namespace: 'aws', start_time: handlerStart + 0.001, end_time: handlerStart + work * 0.6, aws: {operation: 'GetItem', table_name: 'orders'}, http: {response: {status: 200}}}]},
          ],
        },
        {id: segmentId(), name: 'Overhead', start_time: fnEnd - 0.002, end_time: fnEnd},
      ],
    })
    manifest.push({
      id, function: fn, kind, start, duration: end - start, responseTime: (kind === 'sync' ? end : lambdaEnd) - start,
      ...(method ? {method} : {}), ...(url ? {url} : {}), status, fault, error, throttle, cold, ...(initDuration === undefined ? {} : {initDuration}),
      annotations, ...(kind === 'sync' ? {user} : {}),
    })
    documents.set(id, docs)
  }
  return {manifest, documents}
}
