// node:http2 for the AWS SDK, loaded when it is first used rather than when the SDK loads.
//
// @smithy/node-http-handler requires node:http2 at its top level for its HTTP/2 handler, which only
// event-stream APIs use; xtrace's clients all speak HTTP/1.1. Loading it also loads node:assert and
// makes process.stderr: nine of Node's modules, measured at 5–10 ms of a `show ID` run (A/B, 41 runs
// paired: Node 20 −7 ms, Node 24 −3 ms). The handler reads only `constants` as it loads, and it gets a
// view that loads the module on its first read; anything else read from the module loads it there and
// then, so the module behaves as the real one whatever the SDK reads from it.
import Module from 'node:module'

/** Node's loader entry point, as node:module has it since Node 0.x (not in its type definitions). */
interface ModuleLoader {
  _load(request: string, parent: {filename?: string | null} | null | undefined, isMain: boolean): unknown
}

type Http2 = typeof import('node:http2')

let installed = false

/** Whether a require of `request` from `parentFile` is the SDK's HTTP handler asking for node:http2. */
export function isSdkHttp2Request(request: string, parentFile: string | null | undefined): boolean {
  return (request === 'node:http2' || request === 'http2') && typeof parentFile === 'string' && /[\\/]@smithy[\\/]node-http-handler[\\/]/.test(parentFile)
}

/**
 * A view of the object `load` returns, loaded when first asked for: every read, key list and descriptor goes
 * through, but for the reads `early` answers (with something other than undefined) while nothing is loaded.
 * The target stays an empty object: V8 checks each answer against the target's own properties.
 */
function deferredObject(load: () => object, early: (key: string | symbol) => unknown = () => undefined): object {
  return new Proxy(Object.create(null) as object, {
    get: (_target, key) => early(key) ?? Reflect.get(load(), key),
    has: (_target, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    // Reported configurable: a proxy may not call a property non-configurable that its (empty) target lacks.
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key)
      return descriptor && {...descriptor, configurable: true}
    },
    set: (_target, key, value) => Reflect.set(load(), key, value),
  })
}

/**
 * What the SDK's handler gets for node:http2: `constants` stays deferred until one of its keys is read;
 * every other property loads the module (`load`, called once) and is the module's own.
 */
export function deferredHttp2(load: () => Http2): Http2 {
  let http2: Http2 | undefined
  const module = (): Http2 => (http2 ??= load())
  const constants = deferredObject(() => module().constants)
  return deferredObject(module, (key) => (key === 'constants' && http2 === undefined ? constants : undefined)) as Http2
}

/** From now on the SDK's HTTP handler gets node:http2 deferred (deferredHttp2). Called once, before the SDK loads. */
export function deferHttp2ForSdk(): void {
  if (installed) return
  installed = true
  const loader = Module as unknown as ModuleLoader
  const load = loader._load
  let deferred: Http2 | undefined
  loader._load = function (this: unknown, request, parent) {
    if (isSdkHttp2Request(request, parent?.filename)) {
      return (deferred ??= deferredHttp2(() => load.call(this, 'node:http2', parent, false) as Http2))
    }
    // eslint-disable-next-line prefer-rest-params -- Node passes more arguments than it declares (options); pass them all on.
    return Reflect.apply(load, this, arguments)
  }
}
