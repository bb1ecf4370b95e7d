import {type AccountScope, DEFAULT_ROLE_NAME, parseAccountIds} from '../aws/accounts.js'
import type {AwsOptions} from '../aws/clients.js'
import {type LambdaQuota, ratesFromEnvironment} from '../aws/pacing.js'
import {UsageError} from '../errors.js'
import {type IacTag, parseIacTag} from '../iac/managed.js'
import {sanitize} from '../text/sanitize.js'
import type {FilterFlags} from '../traces/filter.js'

/**
 * Flag values → what the services take. Apart from the flag definitions (flags.ts), which need oclif:
 * the lean entry runs commands without loading it.
 */

/** In flight at once per account and region: enough to keep Lambda's 15 updates a second busy while each settles (1–3 s). */
export const DEFAULT_CONCURRENCY = 50

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

export interface AccountFlagValues {
  accounts?: string[]
  org?: boolean
  ou?: string[]
  exclude?: string[]
  'role-name'?: string
  'external-id'?: string
}

/** The accounts the command line asks for; undefined for the caller's own account alone. */
export function accountScopeFrom(flags: AccountFlagValues, command: string): AccountScope | undefined {
  const accounts = parseAccountIds(flags.accounts ?? [], '--accounts')
  const exclude = parseAccountIds(flags.exclude ?? [], '--exclude')
  if (accounts.length === 0 && !flags.org) {
    const stray = (['exclude', 'role-name', 'external-id'] as const).find((name) => flags[name] !== undefined && (name !== 'exclude' || exclude.length > 0))
    if (stray) throw new UsageError(`--${stray} applies only with --accounts or --org`, ['e.g. xtrace status --org --exclude 111122223333'])
    return undefined
  }
  const roleName = flags['role-name'] ?? DEFAULT_ROLE_NAME
  if (!/^[\w+=,.@-]{1,64}$/.test(roleName)) throw new UsageError(`--role-name ${sanitize(roleName)}: not an IAM role name`, ['e.g. --role-name OrganizationAccountAccessRole'])
  return {
    accounts,
    org: flags.org ?? false,
    ous: flags.ou ?? [],
    exclude,
    roleName,
    ...(flags['external-id'] ? {externalId: flags['external-id']} : {}),
    command,
  }
}

export function iacTagsFrom(flags: {'iac-tag'?: string[]}, env: NodeJS.ProcessEnv = process.env): IacTag[] {
  const texts = [...(flags['iac-tag'] ?? []), ...(env.XTRACE_IAC_TAG ? env.XTRACE_IAC_TAG.split(',') : [])]
  return texts.map((text) => {
    const tag = parseIacTag(text)
    if (!tag) throw new UsageError(`--iac-tag ${sanitize(text)}: expected KEY=VALUE or KEY`, ['e.g. --iac-tag managed-by=terraform'])
    return tag
  })
}

/** The rates: --lambda-rate, then XTRACE_LAMBDA_RATE / XTRACE_GETFUNCTION_RATE, then the quotas. */
export function ratesFrom(flags: {'lambda-rate'?: number}): Partial<Record<LambdaQuota, number>> {
  return {...ratesFromEnvironment(), ...(flags['lambda-rate'] ? {control: flags['lambda-rate']} : {})}
}
