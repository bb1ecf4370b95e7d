import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {LocalAws} from '../harness/local-aws.js'

/**
 * The local endpoint must speak the real wire protocols: here the unmodified AWS SDK talks to it
 * over query/XML (STS, the protocol IAM uses too) and REST-JSON (X-Ray), faults included.
 */

const aws = new LocalAws()
const credentials = {accessKeyId: 'AKIAHARNESS', secretAccessKey: 'harness-secret'}

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  await aws.start()
})
afterAll(() => aws.stop())

describe('local AWS endpoint', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(aws.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers STS GetCallerIdentity (query/XML) and its errors as the SDK expects', async () => {
    const {STSClient, GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
    const sts = new STSClient({region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1})
    const identity = await sts.send(new GetCallerIdentityCommand({}))
    expect(identity).toMatchObject({Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/xtrace-test'})
    aws.inject({kind: 'access-denied', service: 'sts', times: 1})
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({name: 'AccessDenied', $metadata: {httpStatusCode: 403}})
    aws.inject({kind: 'throttle', service: 'sts', times: 1})
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({name: 'Throttling'})
    sts.destroy()
  })

  it('stores PutTraceSegments documents and serves them with BatchGetTraces (REST-JSON)', async () => {
    const {XRayClient, PutTraceSegmentsCommand, BatchGetTracesCommand} = await import('@aws-sdk/client-xray')
    const xray = new XRayClient({region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1})
    const doc = {id: '0123456789abcdef', name: 'svc', trace_id: '1-6b500000-000000000000000000000001', start_time: 1, end_time: 2}
    await xray.send(new PutTraceSegmentsCommand({TraceSegmentDocuments: [JSON.stringify(doc)]}))
    const result = await xray.send(new BatchGetTracesCommand({TraceIds: [doc.trace_id]}))
    expect(result.Traces?.[0]?.Segments?.[0]?.Document).toBe(JSON.stringify(doc))
    await expect(xray.send(new BatchGetTracesCommand({TraceIds: Array.from({length: 6}, () => doc.trace_id)}))).rejects.toMatchObject({
      name: 'InvalidRequestException',
    })
    aws.inject({kind: 'throttle', service: 'xray', times: 1})
    await expect(xray.send(new BatchGetTracesCommand({TraceIds: [doc.trace_id]}))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: {httpStatusCode: 429},
    })
    expect(aws.calls('BatchGetTraces', 'xray').map((call) => call.fault ?? 'ok')).toEqual(['ok', 'ok', 'throttle'])
    xray.destroy()
  })

  it('says plainly when an operation is not implemented', async () => {
    const {XRayClient, GetSamplingRulesCommand} = await import('@aws-sdk/client-xray')
    const xray = new XRayClient({region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1})
    await expect(xray.send(new GetSamplingRulesCommand({}))).rejects.toMatchObject({message: expect.stringContaining('local endpoint does not implement xray')})
    xray.destroy()
  })
})
