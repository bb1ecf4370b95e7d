import {Flags} from '@oclif/core'

import type {AwsOptions} from './aws/clients.js'

/** Flags shared by every command that talks to AWS. */
export const awsFlags = {
  profile: Flags.string({
    description: 'AWS profile from your shared config (default: $AWS_PROFILE or "default")',
    helpGroup: 'AWS',
  }),
  region: Flags.string({
    description: 'AWS region (default: $AWS_REGION or the profile\'s region)',
    helpGroup: 'AWS',
  }),
  'endpoint-url': Flags.string({
    description: 'send AWS calls to this endpoint instead (also $AWS_ENDPOINT_URL, $AWS_ENDPOINT_URL_XRAY…)',
    helpGroup: 'AWS',
  }),
}

export function awsOptionsFrom(flags: {profile?: string; region?: string; 'endpoint-url'?: string}): AwsOptions {
  const options: AwsOptions = {}
  if (flags.profile) options.profile = flags.profile
  if (flags.region) options.region = flags.region
  if (flags['endpoint-url']) options.endpointUrl = flags['endpoint-url']
  return options
}
