import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {fixture, runCli} from '../harness/cli.js'
import {readFixture} from '../harness/fixtures.js'
import {motoAvailable, type Moto, startMoto} from '../harness/moto.js'
import {generateTraffic} from '../harness/traffic.js'

/**
 * The same real documents stored in moto with PutTraceSegments and read back with `xtrace show`:
 * the fetched trace must give exactly the JSON that the saved BatchGetTraces file gives.
 */

const available = motoAvailable()
if (!available) console.warn('moto interop suite skipped: python3 -m moto.server is not installed (pip install "moto[server]")')

const SOURCES = [
  'xray/awsdocs-batch-get-traces-beanstalk-lambda-sns-dynamodb.json',
  'drawn/lambda-async-retry.batch-get-traces.json',
  'xray/sdk-generated/node-xray-sdk-checkout-inventory-streamed.batch-get-traces.json',
]

function tracesIn(path: string): {Id: string; Segments: {Document: string}[]}[] {
  return (JSON.parse(readFixture(path)) as {Traces: {Id: string; Segments: {Document: string}[]}[]}).Traces
}

describe.skipIf(!available)('moto interop: PutTraceSegments, then xtrace show', () => {
  let moto: Moto
  beforeAll(async () => {
    moto = await startMoto()
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
    const {XRayClient, PutTraceSegmentsCommand} = await import('@aws-sdk/client-xray')
    const client = new XRayClient({region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'test', secretAccessKey: 'test'}})
    for (const path of SOURCES) {
      const documents = tracesIn(path).flatMap((trace) => trace.Segments.map((segment) => segment.Document))
      for (let i = 0; i < documents.length; i += 50) {
        const response = await client.send(new PutTraceSegmentsCommand({TraceSegmentDocuments: documents.slice(i, i + 50)}))
        expect(response.UnprocessedTraceSegments ?? []).toEqual([])
      }
    }
    client.destroy()
  }, 60_000)
  afterAll(() => moto?.stop())

  it.each(SOURCES)('reads back %s exactly as the saved file renders', async (path) => {
    const ids = tracesIn(path).map((trace) => trace.Id)
    const fetched = await runCli(['show', ...ids, '--json', '--endpoint-url', moto.url])
    expect(fetched.stderr).toBe('')
    expect(fetched.code).toBe(0)
    const saved = await runCli(['show', '--file', fixture(path), '--json'])
    expect(JSON.parse(fetched.stdout)).toEqual(JSON.parse(saved.stdout))
  })

  it('draws the Lambda trace fetched from moto', async () => {
    const result = await runCli(['show', '1-59602603-23fc5b688855d396af79b496', '--endpoint-url', moto.url, '--ascii', '--width', '100'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('* |     `- random-name AWS::Lambda::Function [cold start]      1.74 s |')
  })

  it('reports an id moto does not have and exits 1', async () => {
    const unknown = '1-6b3fffff-000000000000000000000042'
    const result = await runCli(['show', '1-59602603-23fc5b688855d396af79b496', unknown, '--endpoint-url', moto.url])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('Trace 1-59602603-23fc5b688855d396af79b496')
    expect(result.stdout).toContain(unknown)
    expect(result.stderr).toContain(`not returned by X-Ray: ${unknown}`)
  })
})

describe.skipIf(!available)('moto interop: xtrace traces over what moto stores', () => {
  let moto: Moto
  const now = Date.now() / 1000
  const traffic = generateTraffic({count: 8, seed: 21, start: now - 600, end: now - 60})
  beforeAll(async () => {
    moto = await startMoto()
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
    const {XRayClient, PutTraceSegmentsCommand} = await import('@aws-sdk/client-xray')
    const client = new XRayClient({region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'test', secretAccessKey: 'test'}})
    const documents = [...traffic.documents.values()].flat().map((document) => JSON.stringify(document))
    const response = await client.send(new PutTraceSegmentsCommand({TraceSegmentDocuments: documents}))
    expect(response.UnprocessedTraceSegments ?? []).toEqual([])
    client.destroy()
  }, 60_000)
  afterAll(() => moto?.stop())

  it('lists every trace of the window, with their ids and fault flags', async () => {
    const result = await runCli(['traces', '--since', '1h', '--limit', '0', '--json', '--endpoint-url', moto.url])
    expect(result.code, result.stderr).toBe(0)
    const json = JSON.parse(result.stdout) as {traces: {id: string; fault: boolean}[]}
    expect(json.traces.map((t) => t.id).sort()).toEqual(traffic.manifest.map((t) => t.id).sort())
    for (const item of json.traces) expect(item.fault).toBe(traffic.manifest.find((t) => t.id === item.id)!.fault)
  })

  it('moto has no filter expressions (it answers 500): xtrace says it was a server error, exit 1', async () => {
    const result = await runCli(['traces', 'orders-api', '--since', '1h', '--endpoint-url', moto.url], {env: {AWS_MAX_ATTEMPTS: '1'}})
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: AWS answered xray:GetTraceSummaries with a server error \(InternalFailure, HTTP 500\)/)
  })
})
