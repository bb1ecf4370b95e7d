import type {IAMClient} from '@aws-sdk/client-iam'
import type {LambdaClient} from '@aws-sdk/client-lambda'
import type {ResourceGroupsTaggingAPIClient} from '@aws-sdk/client-resource-groups-tagging-api'
import type {STSClient} from '@aws-sdk/client-sts'
import type {XRayClient} from '@aws-sdk/client-xray'

/**
 * The only place that builds AWS SDK clients. Modules are imported here, lazily, so that
 * `--help`, `--version` and offline rendering never pay for loading the SDK.
 *
 * Region, credentials and endpoint follow the SDK's standard resolution: the flags first, then
 * AWS_PROFILE / AWS_REGION / AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> and the shared config
 * files (SSO and credential-process profiles included). Retries use the SDK's standard strategy.
 */

export interface AwsOptions {
  profile?: string
  region?: string
  endpointUrl?: string
  /** Attempts per call, including the first (SDK standard retry strategy). */
  maxAttempts?: number
}

function commonConfig(options: AwsOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {retryMode: 'standard'}
  // Five attempts ride out short throttling bursts; AWS_MAX_ATTEMPTS (the SDK's own setting) wins.
  const attempts = options.maxAttempts ?? (process.env.AWS_MAX_ATTEMPTS ? undefined : 5)
  if (attempts !== undefined) config.maxAttempts = attempts
  if (options.profile) config.profile = options.profile
  if (options.region) config.region = options.region
  if (options.endpointUrl) config.endpoint = options.endpointUrl
  return config
}

/**
 * The SDK warns on every run under Node 20 that its 2027 releases will need Node 22. xtrace pins
 * its SDK version in the lockfile and states its own Node support, so users need not see that.
 */
function quietSdk(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
}

export async function createXRayClient(options: AwsOptions): Promise<XRayClient> {
  quietSdk()
  const {XRayClient} = await import('@aws-sdk/client-xray')
  return new XRayClient(commonConfig(options))
}

export async function createLambdaClient(options: AwsOptions): Promise<LambdaClient> {
  quietSdk()
  const {LambdaClient} = await import('@aws-sdk/client-lambda')
  return new LambdaClient(commonConfig(options))
}

/** IAM is global: the SDK picks the partition's IAM endpoint from whichever region is set. */
export async function createIamClient(options: AwsOptions): Promise<IAMClient> {
  quietSdk()
  const {IAMClient} = await import('@aws-sdk/client-iam')
  return new IAMClient(commonConfig(options))
}

export async function createTaggingClient(options: AwsOptions): Promise<ResourceGroupsTaggingAPIClient> {
  quietSdk()
  const {ResourceGroupsTaggingAPIClient} = await import('@aws-sdk/client-resource-groups-tagging-api')
  return new ResourceGroupsTaggingAPIClient(commonConfig(options))
}

export async function createStsClient(options: AwsOptions): Promise<STSClient> {
  quietSdk()
  const {STSClient} = await import('@aws-sdk/client-sts')
  return new STSClient(commonConfig(options))
}
