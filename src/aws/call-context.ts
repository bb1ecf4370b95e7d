import type {AwsOptions} from './clients.js'

/**
 * What an error needs to say where it happened. Every client built by clients.ts carries two small
 * middlewares: one notes the endpoint each attempt went to, the outermost one stamps a failure with
 * that endpoint, the region, the profile, the time the call took and its timeouts. Error mapping
 * (errors.ts) reads the stamp, so every command's messages name the endpoint and the profile
 * without each call site passing them along.
 */

export interface CallContext {
  service: string
  /** `scheme://host[:port]` of the last attempt, when the request got that far. */
  endpoint?: string
  region?: string
  profile?: string
  /** The account reached through an assumed role (--accounts / --org). */
  account?: string
  /** Milliseconds from the call's start to its failure, retries included. */
  elapsedMs: number
  connectSeconds: number
  readSeconds: number
  /** Credentials could not be found either: a missing region is reported with them, not one per run. */
  credentialsMissingToo?: boolean
}

const STAMP = Symbol.for('xtrace.callContext')

/** The context a client stamped on an error, if it came through one. */
export function callContextOf(error: unknown): CallContext | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  return (error as {[STAMP]?: CallContext})[STAMP]
}

/** The parts of an SDK client this needs; structural, so the SDK's types stay out of the way. */
interface Stackable {
  middlewareStack: {add: (middleware: unknown, options: {step: string; name: string; priority?: string}) => void}
  config: {region: () => Promise<string>; credentials: () => Promise<unknown>}
}

type Next = (args: {request?: unknown}) => Promise<unknown>
type HandlerContext = Record<string, unknown>

const ENDPOINT_KEY = '__xtraceEndpoint'

export function isRegionMissing(error: unknown): boolean {
  const e = error as {name?: string; message?: string} | undefined
  return e?.name === 'RegionMissing' || /region is missing/i.test(e?.message ?? '')
}

/** A failed call, as a listener sees it: after the SDK's retries, before the caller does. */
export type FailureListener = (error: unknown, call: {commandName: string; input: unknown}) => void

const failureListeners = new WeakMap<object, Set<FailureListener>>()

/**
 * Tells `listener` of every call of this client that fails, until the returned function is called.
 * For code that does not make the calls itself (the SDK's waiters swallow errors and poll on).
 */
export function onCallFailure(sdkClient: object, listener: FailureListener): () => void {
  let listeners = failureListeners.get(sdkClient)
  if (!listeners) {
    listeners = new Set()
    failureListeners.set(sdkClient, listeners)
  }
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function attachCallContext(sdkClient: object, service: string, options: AwsOptions, timeouts: {connectSeconds: number; readSeconds: number}): void {
  const client = sdkClient as Stackable
  const {connectSeconds, readSeconds} = timeouts
  const noteEndpoint = (next: Next, context: HandlerContext) => async (args: {request?: unknown}) => {
    const request = args.request as {protocol?: string; hostname?: string; port?: number} | undefined
    if (request && typeof request.hostname === 'string') {
      context[ENDPOINT_KEY] = `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}`
    }
    return next(args)
  }
  const stampFailure = (next: Next, context: HandlerContext) => async (args: {request?: unknown}) => {
    const started = Date.now()
    try {
      return await next(args)
    } catch (error) {
      if (typeof error === 'object' && error !== null && !(STAMP in error)) {
        const stamp: CallContext = {service, elapsedMs: Date.now() - started, connectSeconds, readSeconds}
        const endpoint = context[ENDPOINT_KEY] ?? options.endpointUrl
        if (typeof endpoint === 'string') stamp.endpoint = endpoint
        if (options.profile) stamp.profile = options.profile
        if (options.account) stamp.account = options.account
        try {
          stamp.region = await client.config.region()
        } catch {
          // no region: said by the error itself
        }
        if (isRegionMissing(error)) {
          try {
            await client.config.credentials()
          } catch {
            stamp.credentialsMissingToo = true
          }
        }
        Object.defineProperty(error, STAMP, {value: stamp, enumerable: false})
      }
      for (const listener of failureListeners.get(sdkClient) ?? []) listener(error, {commandName: String(context.commandName ?? ''), input: (args as {input?: unknown}).input})
      throw error
    }
  }
  client.middlewareStack.add(noteEndpoint, {step: 'finalizeRequest', name: 'xtraceNoteEndpoint', priority: 'low'})
  client.middlewareStack.add(stampFailure, {step: 'initialize', name: 'xtraceStampFailure', priority: 'high'})
}
