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
  const config: Record<string, unknown> = {retryMode: 'standard', maxAttempts: options.maxAttempts ?? 5}
  if (options.profile) config.profile = options.profile
  if (options.region) config.region = options.region
  if (options.endpointUrl) config.endpoint = options.endpointUrl
  return config
}

export async function createXRayClient(options: AwsOptions): Promise<XRayClient> {
  const {XRayClient} = await import('@aws-sdk/client-xray')
  return new XRayClient(commonConfig(options))
}
