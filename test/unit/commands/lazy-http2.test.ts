import http2 from 'node:http2'

import {describe, expect, it} from 'vitest'

import {deferredHttp2, isSdkHttp2Request} from '../../../src/cli/lazy-http2.js'

/** The facade over the real module, with a count of the times it was loaded. */
function facade() {
  let loads = 0
  const module = deferredHttp2(() => {
    loads++
    return http2
  })
  return {module, loads: () => loads}
}

describe('deferredHttp2', () => {
  it('does not load node:http2 for the read of constants the SDK makes as it loads', () => {
    const {module, loads} = facade()
    const {constants} = module
    expect(loads()).toBe(0)
    // ...and loads it, once, when a constant is read.
    expect(constants.HTTP2_HEADER_PATH).toBe(':path')
    expect(constants.HTTP2_HEADER_METHOD).toBe(http2.constants.HTTP2_HEADER_METHOD)
    expect(constants.NGHTTP2_CANCEL).toBe(http2.constants.NGHTTP2_CANCEL)
    expect(loads()).toBe(1)
    expect(Object.keys(constants)).toEqual(Object.keys(http2.constants))
  })

  it('is the module itself for everything else', () => {
    const {module, loads} = facade()
    expect(module.connect).toBe(http2.connect)
    expect(loads()).toBe(1)
    expect(module.sensitiveHeaders).toBe(http2.sensitiveHeaders)
    expect(module.constants).toBe(http2.constants)
    expect(module.getDefaultSettings()).toEqual(http2.getDefaultSettings())
    expect('createServer' in module).toBe(true)
    expect('noSuchExport' in module).toBe(false)
    expect(Object.keys(module)).toEqual(Object.keys(http2))
    expect({...module}.connect).toBe(http2.connect)
    expect(Object.getOwnPropertyDescriptor(module, 'connect')?.value).toBe(http2.connect)
    expect(loads()).toBe(1)
  })

  it('lists its keys by loading the module, as a bundler copying exports would', () => {
    const {module, loads} = facade()
    expect(Object.getOwnPropertyNames(module)).toEqual(Object.getOwnPropertyNames(http2))
    expect(loads()).toBe(1)
  })
})

describe('isSdkHttp2Request', () => {
  it("is node:http2 asked for by the SDK's HTTP handler only", () => {
    const handler = '/usr/lib/node_modules/xtrace/node_modules/@smithy/node-http-handler/dist-cjs/index.js'
    expect(isSdkHttp2Request('node:http2', handler)).toBe(true)
    expect(isSdkHttp2Request('http2', handler)).toBe(true)
    expect(isSdkHttp2Request('http2', 'C:\\xtrace\\node_modules\\@smithy\\node-http-handler\\dist-cjs\\index.js')).toBe(true)
    expect(isSdkHttp2Request('node:https', handler)).toBe(false)
    expect(isSdkHttp2Request('node:http2', '/app/node_modules/@smithy/fetch-http-handler/dist-cjs/index.js')).toBe(false)
    expect(isSdkHttp2Request('node:http2', '/app/src/server.js')).toBe(false)
    expect(isSdkHttp2Request('node:http2', undefined)).toBe(false)
  })
})
