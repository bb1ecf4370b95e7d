/**
 * Calls paced to Lambda's quotas instead of retried after throttling. Lambda allows each account and
 * region 15 control-plane requests a second (UpdateFunctionConfiguration, ListFunctions, ListAliases,
 * GetFunctionConfiguration…) and 100 a second for GetFunction
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html#api-requests). Every Lambda
 * client carries a token bucket per quota: a call (each attempt of it, as the pacing sits inside the
 * SDK's retries) waits for a token, so a run alone in an account is never throttled, however many
 * functions are in flight. When throttling still happens — someone else is spending the same quota —
 * the bucket halves its rate and creeps back up as calls succeed (additive increase, multiplicative
 * decrease, as TCP does).
 */

export type LambdaQuota = 'control' | 'getFunction'

/** Calls a second per account and region: Lambda's documented quotas, not adjustable on AWS's side. */
export const LAMBDA_QUOTAS: Readonly<Record<LambdaQuota, number>> = {control: 15, getFunction: 100}

/** The quota an operation of the Lambda API spends. */
export function quotaOf(commandName: string): LambdaQuota {
  return commandName === 'GetFunctionCommand' ? 'getFunction' : 'control'
}

/** Calls a bucket lets go at once after a quiet spell, unless told otherwise. */
export function defaultBurst(rate: number): number {
  return Math.min(2, Math.floor(rate))
}

/**
 * The least time `calls` of one quota can take from a full bucket at `rate` calls a second: what pacing
 * alone makes a run last, however fast the API answers.
 */
export function quotaFloorMs(calls: number, rate: number): number {
  return (Math.max(0, calls - Math.max(1, defaultBurst(rate))) / rate) * 1000
}

export interface BucketOptions {
  /** Calls a second at most (the quota, or less when told). */
  rate: number
  /** Calls that may go at once after a quiet spell; small, so that a window of one second never holds much more than `rate`. */
  burst?: number
  now?: () => number
  /** Waits `ms`; a stand-in in unit tests. */
  delay?: (ms: number) => Promise<void>
}

/** A call given up while it waited for its turn: it never reached AWS. */
export class NotSentError extends Error {
  override readonly name = 'NotSentError'
  constructor() {
    super('not sent: stopped while waiting for its turn under the Lambda quota')
  }
}

/**
 * Commands that are given up, unsent, if `signal` aborts while they wait for their turn. Commands
 * already sent are left to finish: their outcome is what the user is told about.
 */
const givenUpOnAbort = new WeakMap<object, AbortSignal>()

export function unsentIfAborted<C extends object>(command: C, signal: AbortSignal): C {
  givenUpOnAbort.set(command, signal)
  return command
}

const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Milliseconds on a monotonic clock. Not `performance.now()`: the first read of the global `performance` loads
 * node:perf_hooks (~1.5 ms on Node 20), and the first bucket is made before a command's first request.
 */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6

export class TokenBucket {
  readonly ceiling: number
  private current: number
  private readonly burst: number
  private tokens: number
  private updated: number
  private lastCut = -Infinity
  private queue: Promise<void> = Promise.resolve()
  private readonly now: () => number
  private readonly delay: (ms: number) => Promise<void>
  /** Calls that came back throttled, for the run's summary and the benchmarks. */
  throttles = 0

  constructor(options: BucketOptions) {
    if (!(options.rate > 0)) throw new RangeError('a rate must be above 0')
    this.ceiling = options.rate
    this.current = options.rate
    this.burst = Math.max(1, options.burst ?? defaultBurst(options.rate))
    this.tokens = this.burst
    this.now = options.now ?? monotonicMs
    this.delay = options.delay ?? realDelay
    this.updated = this.now()
  }

  /** Calls a second now: the ceiling, or less after throttling. */
  get rate(): number {
    return this.current
  }

  /**
   * Resolves when the caller may send one call; callers are served in the order they asked. A caller
   * whose `signal` aborts while it waits gives up its place without spending a token (NotSentError).
   */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken(signal))
    this.queue = turn.catch(() => undefined)
    return turn
  }

  /** The call was throttled anyway: someone else shares the quota. At most one cut a second, as throttles come in bursts. */
  throttled(): void {
    this.throttles++
    const now = this.now()
    if (now - this.lastCut < 1000) return
    this.lastCut = now
    this.current = Math.max(this.ceiling / 20, this.current / 2)
  }

  /**
   * The call went through: win back a little of the rate given up — slowly (a hundredth of the
   * ceiling a call, about 7 s from half to full at 15 a second), so that whoever else spends the quota
   * keeps a share of it. A faster climb (a fiftieth) left another client at 5 calls a second with
   * more than half of its calls throttled (bench/bulk.ts).
   */
  succeeded(): void {
    if (this.current < this.ceiling) this.current = Math.min(this.ceiling, this.current + this.ceiling / 100)
  }

  private refill(): void {
    const now = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updated) / 1000) * this.current)
    this.updated = now
  }

  private async waitForToken(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new NotSentError()
      this.refill()
      if (this.tokens >= 1) {
        this.tokens -= 1
        return
      }
      await this.delay(Math.max(1, Math.ceil(((1 - this.tokens) / this.current) * 1000)))
    }
  }
}

/** The buckets of one account and region. */
export class LambdaPacer {
  private readonly buckets: Record<LambdaQuota, TokenBucket>

  constructor(rates: Partial<Record<LambdaQuota, number>> = {}) {
    this.buckets = {
      control: new TokenBucket({rate: rates.control ?? LAMBDA_QUOTAS.control}),
      getFunction: new TokenBucket({rate: rates.getFunction ?? LAMBDA_QUOTAS.getFunction}),
    }
  }

  bucket(quota: LambdaQuota): TokenBucket {
    return this.buckets[quota]
  }

  get throttles(): number {
    return this.buckets.control.throttles + this.buckets.getFunction.throttles
  }
}

const THROTTLE_NAMES = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestLimitExceeded'])

function isThrottle(error: unknown): boolean {
  const e = error as {name?: string; $metadata?: {httpStatusCode?: number}}
  return THROTTLE_NAMES.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429
}

interface Stackable {
  middlewareStack: {addRelativeTo: (middleware: unknown, options: {name: string; relation: 'before' | 'after'; toMiddleware: string}) => void}
}

type Next = (args: unknown) => Promise<unknown>

/** `SMITHY_CONTEXT_KEY` of @smithy/types: the SDK puts the command being sent there. */
const SMITHY_CONTEXT = '__smithy_context'

interface PacedContext {
  commandName?: string
  [SMITHY_CONTEXT]?: {commandInstance?: object}
}

/**
 * Paces every attempt of every call of a Lambda client. It sits inside the retry middleware (each
 * retry waits for a token too) and before signing (a signature is not left to age in the queue).
 */
export function attachPacing(client: object, pacer: LambdaPacer): void {
  const pace = (next: Next, context: PacedContext) => async (args: unknown) => {
    const bucket = pacer.bucket(quotaOf(context.commandName ?? ''))
    const command = context[SMITHY_CONTEXT]?.commandInstance
    await bucket.take(command ? givenUpOnAbort.get(command) : undefined)
    try {
      const output = await next(args)
      bucket.succeeded()
      return output
    } catch (error) {
      if (isThrottle(error)) bucket.throttled()
      throw error
    }
  }
  ;(client as Stackable).middlewareStack.addRelativeTo(pace, {name: 'xtracePacing', relation: 'before', toMiddleware: 'httpSigningMiddleware'})
}

/** Rates from the environment: XTRACE_LAMBDA_RATE (control plane) and XTRACE_GETFUNCTION_RATE, calls a second. */
export function ratesFromEnvironment(env: NodeJS.ProcessEnv = process.env): Partial<Record<LambdaQuota, number>> {
  const rates: Partial<Record<LambdaQuota, number>> = {}
  const control = Number.parseFloat(env.XTRACE_LAMBDA_RATE ?? '')
  const getFunction = Number.parseFloat(env.XTRACE_GETFUNCTION_RATE ?? '')
  if (control > 0) rates.control = control
  if (getFunction > 0) rates.getFunction = getFunction
  return rates
}
