import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createLambdaClient} from '../../../src/aws/clients.js'
import {LambdaPacer, NotSentError, quotaFloorMs, quotaOf, TokenBucket, unsentIfAborted} from '../../../src/aws/pacing.js'
import {LocalAws} from '../../harness/local-aws.js'
import {installLambda} from '../../harness/local-lambda.js'

/** The token bucket on a fake clock, then a paced client against an endpoint that enforces Lambda's quotas. */

function fakeClock() {
  let now = 0
  const sent: number[] = []
  return {
    now: () => now,
    delay: async (ms: number) => {
      now += ms
    },
    sent,
    get time() {
      return now
    },
  }
}

describe('TokenBucket', () => {
  it('lets a small burst go, then one call every 1/rate seconds, in the order asked', async () => {
    const clock = fakeClock()
    const bucket = new TokenBucket({rate: 15, burst: 2, now: clock.now, delay: clock.delay})
    const order: number[] = []
    await Promise.all([...Array(32).keys()].map((i) => bucket.take().then(() => order.push(i) && clock.sent.push(clock.time))))
    expect(order).toEqual([...Array(32).keys()])
    expect(clock.sent.slice(0, 2)).toEqual([0, 0])
    // 30 more at 15 a second: two seconds, never more than the rate in any second after the burst.
    expect(clock.sent[31]).toBeGreaterThanOrEqual(2000)
    expect(clock.sent[31]).toBeLessThan(2100)
    for (let i = 2; i + 15 < clock.sent.length; i++) expect(clock.sent[i + 15]! - clock.sent[i]!).toBeGreaterThanOrEqual(999)
  })

  it('takes, with its default burst, exactly the floor quotaFloorMs says (what the benchmarks take away from status)', async () => {
    for (const [calls, rate] of [[200, 100], [4, 15], [1, 15], [0, 100], [7, 1]] as const) {
      const clock = fakeClock()
      const bucket = new TokenBucket({rate, now: clock.now, delay: clock.delay})
      await Promise.all(Array.from({length: calls}, () => bucket.take()))
      expect(clock.time, `${calls} calls at ${rate}/s`).toBeCloseTo(quotaFloorMs(calls, rate), -1)
    }
    expect(quotaFloorMs(200, 100)).toBe(1980)
  })

  it('halves its rate on a throttle (once a second at most) and wins it back as calls succeed', () => {
    const clock = fakeClock()
    const bucket = new TokenBucket({rate: 15, now: clock.now, delay: clock.delay})
    bucket.throttled()
    bucket.throttled()
    expect(bucket.rate).toBe(7.5)
    expect(bucket.throttles).toBe(2)
    void clock.delay(1000)
    bucket.throttled()
    expect(bucket.rate).toBe(3.75)
    for (let i = 0; i < 200; i++) bucket.succeeded()
    expect(bucket.rate).toBe(15)
  })

  it('lets waiters whose signal aborts give up their place without spending a token', async () => {
    const clock = fakeClock()
    const bucket = new TokenBucket({rate: 10, burst: 1, now: clock.now, delay: clock.delay})
    const controller = new AbortController()
    const outcomes: string[] = []
    const waiters = [...Array(6).keys()].map((i) =>
      bucket.take(i % 2 === 0 ? controller.signal : undefined).then(
        () => outcomes.push(`${i} at ${clock.time}`),
        (error: unknown) => outcomes.push(`${i} ${error instanceof NotSentError ? 'not sent' : String(error)} at ${clock.time}`),
      ),
    )
    await waiters[0]
    controller.abort()
    await Promise.all(waiters)
    // 0 went at once; the aborted ones (2, 4) gave up at their turn, the others kept their 100 ms spacing.
    expect(outcomes).toEqual(['0 at 0', '1 at 100', '2 not sent at 100', '3 at 200', '4 not sent at 200', '5 at 300'])
  })

  it('has a quota per kind of call', () => {
    expect(quotaOf('GetFunctionCommand')).toBe('getFunction')
    expect(quotaOf('UpdateFunctionConfigurationCommand')).toBe('control')
    expect(quotaOf('ListFunctionsCommand')).toBe('control')
    expect(quotaOf('GetFunctionConfigurationCommand')).toBe('control')
  })
})

describe('a paced Lambda client', () => {
  const aws = new LocalAws()
  const lambda = installLambda(aws)
  const saved = {...process.env}
  beforeAll(async () => {
    Object.assign(process.env, {AWS_ACCESS_KEY_ID: 'AKIAXTRACETESTKEY000', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_EC2_METADATA_DISABLED: 'true'})
    for (let i = 0; i < 3; i++) lambda.add(`fn-${i}`)
    aws.rateLimits = {control: 15, getFunction: 100}
    await aws.start()
  })
  afterAll(async () => {
    process.env = saved
    await aws.stop()
  })

  it('is never throttled by an endpoint that enforces 15 calls a second, where an unpaced one is', async () => {
    const {GetFunctionConfigurationCommand} = await import('@aws-sdk/client-lambda')
    // Every call settled before the next step: a call still retrying would land in the next burst, or the next test.
    const burst = async (client: Awaited<ReturnType<typeof createLambdaClient>>) => {
      aws.quotaThrottles = 0
      const outcomes = await Promise.allSettled([...Array(40).keys()].map((i) => client.send(new GetFunctionConfigurationCommand({FunctionName: `fn-${i % 3}`}))))
      return {throttles: aws.quotaThrottles, failed: outcomes.filter((outcome) => outcome.status === 'rejected').length}
    }
    const unpaced = await createLambdaClient({endpointUrl: aws.url, region: 'us-east-1'})
    // Throttled; whether the SDK's three attempts then get every call through depends on how the retries fall, and on a
    // busy machine some run out.
    expect((await burst(unpaced)).throttles).toBeGreaterThan(0)
    unpaced.destroy()
    await new Promise((resolve) => setTimeout(resolve, 1100)) // let the endpoint's bucket fill again
    const pacer = new LambdaPacer()
    const paced = await createLambdaClient({endpointUrl: aws.url, region: 'us-east-1'}, pacer)
    expect(await burst(paced)).toEqual({throttles: 0, failed: 0})
    expect(pacer.throttles).toBe(0)
    paced.destroy()
  }, 30_000)

  it('never sends a command marked unsent-if-aborted once its signal aborts in the queue; sent ones finish', async () => {
    const {GetFunctionConfigurationCommand} = await import('@aws-sdk/client-lambda')
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const client = await createLambdaClient({endpointUrl: aws.url, region: 'us-east-1'}, new LambdaPacer({control: 5}))
    const controller = new AbortController()
    aws.requests.length = 0
    const calls = [...Array(10).keys()].map((i) =>
      client.send(unsentIfAborted(new GetFunctionConfigurationCommand({FunctionName: `fn-${i % 3}`}), controller.signal)).then(
        () => 'sent',
        (error: unknown) => (error instanceof NotSentError ? 'not sent' : String(error)),
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, 450)) // 5 a second, 2 at once: 4 by now
    controller.abort()
    const outcomes = await Promise.all(calls)
    const sent = outcomes.filter((o) => o === 'sent').length
    expect(outcomes.every((o) => o === 'sent' || o === 'not sent')).toBe(true)
    expect(sent).toBeGreaterThanOrEqual(2)
    expect(sent).toBeLessThan(10)
    expect(aws.calls('GetFunctionConfiguration')).toHaveLength(sent)
    client.destroy()
  }, 30_000)
})
