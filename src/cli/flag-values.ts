import type {AwsOptions} from '../aws/clients.js'
import type {FilterFlags} from '../traces/filter.js'

/**
 * Flag values → what the services take. Apart from the flag definitions (flags.ts), which need oclif:
 * the lean entry runs commands without loading it.
 */

export interface AwsFlagValues {
  profile?: string
  region?: string | string[]
  'endpoint-url'?: string
  'cli-connect-timeout'?: number
  'cli-read-timeout'?: number
}

export function awsOptionsFrom(flags: AwsFlagValues): AwsOptions {
  const options: AwsOptions = {}
  if (flags.profile) options.profile = flags.profile
  if (typeof flags.region === 'string' && flags.region) options.region = flags.region
  if (flags['endpoint-url']) options.endpointUrl = flags['endpoint-url']
  if (flags['cli-connect-timeout'] !== undefined) options.connectTimeout = flags['cli-connect-timeout']
  if (flags['cli-read-timeout'] !== undefined) options.readTimeout = flags['cli-read-timeout']
  return options
}

export interface SearchFlagValues {
  since?: string
  start?: string
  end?: string
  'time-range-type'?: string
  errors?: boolean
  faults?: boolean
  throttles?: boolean
  ok?: boolean
  status?: string[]
  'slower-than'?: string
  'response-slower-than'?: string
  annotation?: string[]
  'url-contains'?: string
  method?: string
  user?: string
  partial?: boolean
  filter?: string
}

/** The filter flags as the filter builder takes them, with the functions named as arguments. */
export function filterFlagsFrom(flags: SearchFlagValues, functions: readonly string[]): FilterFlags {
  const out: FilterFlags = {functions: [...functions]}
  if (flags.errors) out.errors = true
  if (flags.faults) out.faults = true
  if (flags.throttles) out.throttles = true
  if (flags.ok) out.ok = true
  if (flags.status) out.status = flags.status
  if (flags['slower-than'] !== undefined) out.slowerThan = flags['slower-than']
  if (flags['response-slower-than'] !== undefined) out.responseSlowerThan = flags['response-slower-than']
  if (flags.annotation) out.annotation = flags.annotation
  if (flags['url-contains'] !== undefined) out.urlContains = flags['url-contains']
  if (flags.method !== undefined) out.method = flags.method
  if (flags.user !== undefined) out.user = flags.user
  if (flags.partial) out.partial = true
  if (flags.filter !== undefined) out.filter = flags.filter
  return out
}

export function timeRangeTypeOf(flags: SearchFlagValues): 'TraceId' | 'Event' {
  return flags['time-range-type'] === 'event' ? 'Event' : 'TraceId'
}
