import type {CloudFormationClient} from '@aws-sdk/client-cloudformation'
import type {IAMClient} from '@aws-sdk/client-iam'
import type {LambdaClient} from '@aws-sdk/client-lambda'
import type {OrganizationsClient} from '@aws-sdk/client-organizations'
import type {ResourceGroupsTaggingAPIClient} from '@aws-sdk/client-resource-groups-tagging-api'
import type {STSClient} from '@aws-sdk/client-sts'
import type {XRayClient} from '@aws-sdk/client-xray'

import {attachCallContext} from './call-context.js'
import {collectAnswerBody} from './collect-body.js'
import {attachPacing, type LambdaPacer} from './pacing.js'

/**
 * The only place that builds AWS SDK clients. Modules are imported here, lazily, so that
 * `--help`, `--version` and offline rendering never pay for loading the SDK.
 *
 * Region, credentials and endpoint follow the SDK's standard resolution: the flags first, then
 * AWS_PROFILE / AWS_REGION / AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> and the shared config
 * files (SSO and credential-process profiles included). Retries use the SDK's standard strategy.
 * Every call has a connect and a read timeout (an endpoint that accepts and never answers must not
 * hang a command), and every failure carries where it went and how long it took (call-context.ts).
 */

/** Temporary credentials, as the SDK takes them from a provider function. */
export interface TemporaryCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** The SDK asks the provider again in the last 5 minutes before it. */
  expiration?: Date
}

export interface AwsOptions {
  profile?: string
  region?: string
  endpointUrl?: string
  /** Attempts per call, including the first (SDK standard retry strategy). */
  maxAttempts?: number
  /** Seconds to establish a connection; 0 waits forever. */
  connectTimeout?: number
  /** Seconds to wait for an answer (and between bytes of it); 0 waits forever. */
  readTimeout?: number
  /** Credentials of another account (an assumed role); default: the SDK's chain. */
  credentials?: () => Promise<TemporaryCredentials>
  /** The account the credentials reach, when known: named in errors. */
  account?: string
}

/** Defaults: a few seconds to connect, tens of seconds for an answer (the largest X-Ray pages take a few). */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 5
export const DEFAULT_READ_TIMEOUT_SECONDS = 20
const DEFAULT_ATTEMPTS = 5

function secondsFrom(flag: number | undefined, variable: string | undefined, fallback: number): number {
  if (flag !== undefined) return flag
  const parsed = Number.parseFloat(variable ?? '')
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback
}

/** The timeouts a call runs with: flags, then XTRACE_CONNECT_TIMEOUT / XTRACE_READ_TIMEOUT, then the defaults. */
export function timeoutsOf(options: AwsOptions, env: NodeJS.ProcessEnv = process.env): {connectSeconds: number; readSeconds: number} {
  return {
    connectSeconds: secondsFrom(options.connectTimeout, env.XTRACE_CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT_SECONDS),
    readSeconds: secondsFrom(options.readTimeout, env.XTRACE_READ_TIMEOUT, DEFAULT_READ_TIMEOUT_SECONDS),
  }
}

/**
 * The SDK's default logger drops everything, but it has an `info` method, and the SDK's logger
 * middleware builds a redacted copy of every response for `info` before dropping it: walking each
 * response against its schema cost `traces` ~50 ms a run. Without `info` that copy is never made;
 * nothing else in the SDK calls `info`, and the rest stay silent as before.
 */
const SILENT_LOGGER = {trace() {}, debug() {}, warn() {}, error() {}}

function commonConfig(options: AwsOptions): Record<string, unknown> {
  const {connectSeconds, readSeconds} = timeoutsOf(options)
  const config: Record<string, unknown> = {
    retryMode: 'standard',
    logger: SILENT_LOGGER,
    // Options, not a handler instance: the SDK builds its own NodeHttpHandler from them, so the
    // handler module is not imported here a second time.
    requestHandler: {
      connectionTimeout: Math.round(connectSeconds * 1000),
      requestTimeout: Math.round(readSeconds * 1000),
      throwOnRequestTimeout: true,
      // The request timeout ends when the headers arrive; a body that stalls is caught by this one.
      socketTimeout: Math.round(readSeconds * 1000),
    },
    streamCollector: collectAnswerBody,
  }
  // Five attempts ride out short throttling bursts; AWS_MAX_ATTEMPTS (the SDK's own setting) wins.
  const attempts = options.maxAttempts ?? (process.env.AWS_MAX_ATTEMPTS ? undefined : DEFAULT_ATTEMPTS)
  if (attempts !== undefined) config.maxAttempts = attempts
  if (options.profile) config.profile = options.profile
  if (options.region) config.region = options.region
  if (options.endpointUrl) config.endpoint = options.endpointUrl
  if (options.credentials) config.credentials = options.credentials
  return config
}

/**
 * The SDK warns on every run under Node 20 that its 2027 releases will need Node 22. xtrace pins
 * its SDK version in the lockfile and states its own Node support, so users need not see that.
 */
function quietSdk(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
}

function built<T extends object>(client: T, service: string, options: AwsOptions): T {
  attachCallContext(client, service, options, timeoutsOf(options))
  return client
}

export async function createXRayClient(options: AwsOptions): Promise<XRayClient> {
  quietSdk()
  // One import a line, naming what it takes: the lean bundle's SDK then holds only that (scripts/bundle-lean.mjs).
  const {XRayClient} = await import('@aws-sdk/client-xray')
  const {FastJsonProtocol} = await import('./json-body.js')
  return built(new XRayClient({...commonConfig(options), protocol: FastJsonProtocol}), 'xray', options)
}

/** With a pacer, every call waits for Lambda's quota of the account and region (pacing.ts). */
export async function createLambdaClient(options: AwsOptions, pacer?: LambdaPacer): Promise<LambdaClient> {
  quietSdk()
  const {LambdaClient} = await import('@aws-sdk/client-lambda')
  const {FastJsonProtocol} = await import('./json-body.js')
  const client = built(new LambdaClient({...commonConfig(options), protocol: FastJsonProtocol}), 'lambda', options)
  if (pacer) attachPacing(client, pacer)
  return client
}

/** IAM is global: the SDK picks the partition's IAM endpoint from whichever region is set. */
export async function createIamClient(options: AwsOptions): Promise<IAMClient> {
  quietSdk()
  const {IAMClient} = await import('@aws-sdk/client-iam')
  return built(new IAMClient(commonConfig(options)), 'iam', options)
}

export async function createTaggingClient(options: AwsOptions): Promise<ResourceGroupsTaggingAPIClient> {
  quietSdk()
  const {ResourceGroupsTaggingAPIClient} = await import('@aws-sdk/client-resource-groups-tagging-api')
  return built(new ResourceGroupsTaggingAPIClient(commonConfig(options)), 'tagging', options)
}

export async function createCloudFormationClient(options: AwsOptions): Promise<CloudFormationClient> {
  quietSdk()
  const {CloudFormationClient} = await import('@aws-sdk/client-cloudformation')
  return built(new CloudFormationClient(commonConfig(options)), 'cloudformation', options)
}

export async function createStsClient(options: AwsOptions): Promise<STSClient> {
  quietSdk()
  const {STSClient} = await import('@aws-sdk/client-sts')
  return built(new STSClient(commonConfig(options)), 'sts', options)
}

/** Organizations is global: its endpoint lives in us-east-1 whatever region is set. */
export async function createOrganizationsClient(options: AwsOptions): Promise<OrganizationsClient> {
  quietSdk()
  const {OrganizationsClient} = await import('@aws-sdk/client-organizations')
  return built(new OrganizationsClient(commonConfig({...options, region: options.region ?? 'us-east-1'})), 'organizations', options)
}
