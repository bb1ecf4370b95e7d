import type {IAMClient} from '@aws-sdk/client-iam'

import type {RegionClients} from '../tracing/select.js'
import {type AwsOptions, createIamClient, createLambdaClient, createTaggingClient} from './clients.js'
import {mapAwsError} from './errors.js'

/**
 * Clients for each region a command works in, built once and on first use; IAM (global) once.
 * With no --region, the SDK's own resolution (AWS_REGION, the profile) picks the one region.
 */
export class RegionalClients {
  private readonly byRegion = new Map<string, Promise<RegionClients>>()
  private iamClient: Promise<IAMClient> | undefined
  private readonly taggings: ReturnType<RegionClients['tagging']>[] = []

  constructor(private readonly options: AwsOptions) {}

  /** The regions named on the command line, or the SDK's default one. */
  async selected(regions: readonly string[]): Promise<RegionClients[]> {
    if (regions.length > 0) return Promise.all([...new Set(regions)].map((region) => this.forRegion(region)))
    const lambda = await createLambdaClient(this.options)
    let region: string
    try {
      region = await lambda.config.region()
    } catch (error) {
      throw mapAwsError(error, {action: 'lambda:ListFunctions'})
    }
    if (!region) throw mapAwsError(new Error('Region is missing'), {action: 'lambda:ListFunctions'})
    const clients = this.wrap(region, lambda)
    this.byRegion.set(region, Promise.resolve(clients))
    return [clients]
  }

  forRegion(region: string): Promise<RegionClients> {
    let pending = this.byRegion.get(region)
    if (!pending) {
      pending = createLambdaClient({...this.options, region}).then((lambda) => this.wrap(region, lambda))
      this.byRegion.set(region, pending)
    }
    return pending
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

  async destroy(): Promise<void> {
    for (const clients of await this.all()) clients[1].lambda.destroy()
    for (const tagging of this.taggings) (await tagging).destroy()
    if (this.iamClient) (await this.iamClient).destroy()
  }

  private wrap(region: string, lambda: RegionClients['lambda']): RegionClients {
    let tagging: ReturnType<RegionClients['tagging']> | undefined
    return {
      region,
      lambda,
      tagging: () => {
        if (!tagging) {
          tagging = createTaggingClient({...this.options, region})
          this.taggings.push(tagging)
        }
        return tagging
      },
    }
  }
}
