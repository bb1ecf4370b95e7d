import type {CloudFormationClient} from '@aws-sdk/client-cloudformation'
import type {IAMClient} from '@aws-sdk/client-iam'
import type {LambdaClient} from '@aws-sdk/client-lambda'
import type {ResourceGroupsTaggingAPIClient} from '@aws-sdk/client-resource-groups-tagging-api'
import type {STSClient} from '@aws-sdk/client-sts'
import type {XRayClient} from '@aws-sdk/client-xray'

import {type AwsOptions, createCloudFormationClient, createIamClient, createLambdaClient, createStsClient, createTaggingClient, createXRayClient} from './clients.js'
import {mapAwsError} from './errors.js'
import {LambdaPacer, type LambdaQuota} from './pacing.js'

/** The clients of one region of one account. */
export interface RegionClients {
  region: string
  /** The account, when known (always with --accounts / --org). */
  account?: string
  lambda: LambdaClient
  tagging: () => Promise<ResourceGroupsTaggingAPIClient>
}

/**
 * Every client one account's work needs, built once and on first use — Lambda (paced to the
 * account's quotas in each region, pacing.ts), tagging, X-Ray and STS per region, IAM (global) once —
 * and destroyed together by their one owner. With no --region, the SDK's own resolution
 * (AWS_REGION, the profile) picks the one region.
 */
export class RegionalClients {
  private readonly byRegion = new Map<string, Promise<RegionClients>>()
  private readonly pacers = new Map<string, LambdaPacer>()
  private iamClient: Promise<IAMClient> | undefined
  private readonly others: Promise<{destroy: () => void}>[] = []
  private readonly xrays = new Map<string, Promise<XRayClient>>()
  private readonly stss = new Map<string, Promise<STSClient>>()
  private readonly cloudformations = new Map<string, Promise<CloudFormationClient>>()

  constructor(
    readonly options: AwsOptions,
    private readonly rates: Partial<Record<LambdaQuota, number>> = {},
  ) {}

  get account(): string | undefined {
    return this.options.account
  }

  /** The regions named on the command line, or the SDK's default one. */
  async selected(regions: readonly string[]): Promise<RegionClients[]> {
    if (regions.length > 0) return Promise.all([...new Set(regions)].map((region) => this.forRegion(region)))
    const region = await this.defaultRegion()
    return [await this.forRegion(region)]
  }

  /** The region the SDK resolves without --region; refused clearly when there is none. */
  async defaultRegion(): Promise<string> {
    if (this.options.region) return this.options.region
    // A client that makes no call: only its configuration is read.
    const probe = await createLambdaClient(this.options)
    let region: string
    try {
      region = await probe.config.region()
    } catch (error) {
      throw mapAwsError(error, {action: 'lambda:ListFunctions'})
    } finally {
      probe.destroy()
    }
    if (!region) throw mapAwsError(new Error('Region is missing'), {action: 'lambda:ListFunctions'})
    return region
  }

  forRegion(region: string): Promise<RegionClients> {
    let pending = this.byRegion.get(region)
    if (!pending) {
      pending = createLambdaClient({...this.options, region}, this.pacer(region)).then((lambda) => this.wrap(region, lambda))
      this.byRegion.set(region, pending)
    }
    return pending
  }

  /** The quotas of this account in `region`, shared by every Lambda client of it. */
  pacer(region: string): LambdaPacer {
    let pacer = this.pacers.get(region)
    if (!pacer) {
      pacer = new LambdaPacer(this.rates)
      this.pacers.set(region, pacer)
    }
    return pacer
  }

  /** Calls that came back throttled despite the pacing (someone else spends the quota). */
  get throttles(): number {
    let sum = 0
    for (const pacer of this.pacers.values()) sum += pacer.throttles
    return sum
  }

  /** Clients already built, by region (for code that must not wait). */
  async all(): Promise<Map<string, RegionClients>> {
    const entries = await Promise.all([...this.byRegion.values()])
    return new Map(entries.map((clients) => [clients.region, clients]))
  }

  iam(region?: string): Promise<IAMClient> {
    this.iamClient ??= createIamClient({...this.options, ...(region ? {region} : {})})
    return this.iamClient
  }

  xray(region: string): Promise<XRayClient> {
    return this.memo(this.xrays, region, () => createXRayClient({...this.options, region}))
  }

  sts(region: string): Promise<STSClient> {
    return this.memo(this.stss, region, () => createStsClient({...this.options, region}))
  }

  cloudformation(region: string): Promise<CloudFormationClient> {
    return this.memo(this.cloudformations, region, () => createCloudFormationClient({...this.options, region}))
  }

  /** Closes every client built (idle keep-alive sockets would hold the process open). */
  async destroy(): Promise<void> {
    const built = await Promise.allSettled([
      ...this.byRegion.values(),
      ...this.others,
      ...(this.iamClient ? [this.iamClient] : []),
    ])
    for (const outcome of built) {
      if (outcome.status !== 'fulfilled') continue
      const value = outcome.value as RegionClients | {destroy: () => void}
      if ('lambda' in value) value.lambda.destroy()
      else value.destroy()
    }
  }

  private memo<T extends {destroy: () => void}>(cache: Map<string, Promise<T>>, region: string, build: () => Promise<T>): Promise<T> {
    let pending = cache.get(region)
    if (!pending) {
      pending = build()
      cache.set(region, pending)
      this.others.push(pending)
    }
    return pending
  }

  private wrap(region: string, lambda: LambdaClient): RegionClients {
    let tagging: Promise<ResourceGroupsTaggingAPIClient> | undefined
    return {
      region,
      ...(this.account ? {account: this.account} : {}),
      lambda,
      tagging: () => {
        if (!tagging) {
          tagging = createTaggingClient({...this.options, region})
          this.others.push(tagging)
        }
        return tagging
      },
    }
  }
}
