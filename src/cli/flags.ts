import {Args, Flags} from '@oclif/core'

import {DEFAULT_ROLE_NAME} from '../aws/accounts.js'
import {DEFAULT_CONNECT_TIMEOUT_SECONDS, DEFAULT_READ_TIMEOUT_SECONDS} from '../aws/clients.js'
import {LAMBDA_QUOTAS} from '../aws/pacing.js'
import {DEFAULT_CONCURRENCY} from './flag-values.js'

export {
  type AccountFlagValues,
  accountScopeFrom,
  type AwsFlagValues,
  awsOptionsFrom,
  DEFAULT_CONCURRENCY,
  filterFlagsFrom,
  iacTagsFrom,
  ratesFrom,
  type SearchFlagValues,
  timeRangeTypeOf,
} from './flag-values.js'

/** Flags shared by every command that talks to AWS. */
export const awsFlags = {
  profile: Flags.string({
    description: 'AWS profile from your shared config (default: $AWS_PROFILE or "default")',
    helpGroup: 'AWS',
    helpValue: 'NAME',
  }),
  region: Flags.string({
    description: 'AWS region (default: $AWS_REGION or the profile\'s region)',
    helpGroup: 'AWS',
    helpValue: 'REGION',
  }),
  'endpoint-url': Flags.string({
    description: 'send AWS calls to this endpoint instead (also $AWS_ENDPOINT_URL, $AWS_ENDPOINT_URL_XRAY…)',
    helpGroup: 'AWS',
    helpValue: 'URL',
  }),
  'cli-connect-timeout': Flags.integer({
    description: `seconds to wait for a connection to AWS; 0 waits forever (default: $XTRACE_CONNECT_TIMEOUT or ${DEFAULT_CONNECT_TIMEOUT_SECONDS})`,
    helpGroup: 'AWS',
    helpValue: 'SECONDS',
    min: 0,
  }),
  'cli-read-timeout': Flags.integer({
    description: `seconds to wait for each answer from AWS; 0 waits forever (default: $XTRACE_READ_TIMEOUT or ${DEFAULT_READ_TIMEOUT_SECONDS})`,
    helpGroup: 'AWS',
    helpValue: 'SECONDS',
    min: 0,
  }),
}

/** The AWS flags, with --region repeatable for commands that work across regions. */
export const multiRegionAwsFlags = {
  ...awsFlags,
  region: Flags.string({
    description: 'AWS region; repeat to work in several (default: $AWS_REGION or the profile\'s region)',
    helpGroup: 'AWS',
    helpValue: 'REGION',
    multiple: true,
  }),
}

/** Which functions: names and ARNs come as arguments; these pick by listing. */
export const selectionFlags = {
  all: Flags.boolean({description: 'every function in the region(s)', helpGroup: 'SELECTION'}),
  match: Flags.string({description: 'functions whose name matches this glob, e.g. "orders-*" (repeatable: any of them)', multiple: true, helpValue: 'GLOB', helpGroup: 'SELECTION'}),
  tag: Flags.string({description: 'functions tagged KEY=VALUE (repeatable: all of them)', multiple: true, helpValue: 'KEY=VALUE', helpGroup: 'SELECTION'}),
}

/** Many accounts: which, and how each is reached. */
export const accountFlags = {
  accounts: Flags.string({description: 'work in these accounts, each reached by assuming --role-name (comma-separated or repeated)', multiple: true, helpValue: 'ID', helpGroup: 'ACCOUNTS'}),
  org: Flags.boolean({description: "every active member account of the organization (from the management or a delegated administrator account); yours only when named in --accounts", helpGroup: 'ACCOUNTS'}),
  ou: Flags.string({description: 'with --org: only accounts under this organizational unit, at any depth (repeatable)', multiple: true, helpValue: 'OU_ID', helpGroup: 'ACCOUNTS', dependsOn: ['org']}),
  exclude: Flags.string({description: 'leave these accounts out (comma-separated or repeated)', multiple: true, helpValue: 'ID', helpGroup: 'ACCOUNTS'}),
  'role-name': Flags.string({description: `role assumed in each account (default ${DEFAULT_ROLE_NAME}, which AWS Organizations creates)`, helpValue: 'NAME', helpGroup: 'ACCOUNTS'}),
  'external-id': Flags.string({description: "the external id the role's trust policy asks for", helpValue: 'ID', helpGroup: 'ACCOUNTS'}),
}

/** Lambda's quotas, which every Lambda call is paced to (aws/pacing.ts). */
export const pacingFlags = {
  'lambda-rate': Flags.integer({
    description: `Lambda control-plane calls a second per account and region (default ${LAMBDA_QUOTAS.control}, Lambda's quota; lower it to leave room for others)`,
    helpGroup: 'AWS',
    helpValue: 'N',
    min: 1,
  }),
}

/** Infrastructure as code that leaves no mark of its own (Terraform): the tag a team puts on what it deploys. */
export const iacFlags = {
  'iac-tag': Flags.string({
    description: 'functions with this tag are managed by Terraform (or another tool that leaves no mark of its own), e.g. a default_tags entry; KEY=VALUE or KEY (repeatable; also $XTRACE_IAC_TAG, comma-separated)',
    helpValue: 'KEY=VALUE',
    multiple: true,
  }),
}

/** enable / disable: what to do with functions a deploy manages. */
export const managedChangeFlags = {
  ...iacFlags,
  'skip-managed': Flags.boolean({description: 'leave alone the functions a CloudFormation stack (SAM, CDK, Serverless, Amplify) or an --iac-tag says are deployed by infrastructure as code; they are reported as skipped'}),
}

/** How changes are made: plan only, consent, pace. */
export const changeFlags = {
  'dry-run': Flags.boolean({description: 'show the plan and change nothing'}),
  yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation (needed for bulk changes without a terminal)'}),
  concurrency: Flags.integer({description: "functions in flight at once per account and region (the pace is Lambda's quota, see --lambda-rate)", default: DEFAULT_CONCURRENCY, min: 1, max: 200, helpValue: 'N'}),
  wait: Flags.boolean({description: 'wait until Lambda reports each update Successful (--no-wait: return once accepted)', default: true, allowNo: true}),
  'wait-timeout': Flags.integer({description: 'give up waiting for one update after this many seconds', default: 300, min: 1, helpValue: 'SECONDS'}),
}

/** The function arguments of enable and disable. */
export const functionArgs = {
  // ignoreStdin: oclif would otherwise take piped input as the first name; xtrace reads stdin itself for -.
  function: Args.string({description: 'function names or ARNs, or - to read names from stdin', ignoreStdin: true}),
}

/** Every flag of enable and disable (enable adds --attach-policy first): one list, so that the two stay alike. */
export const modeChangeFlags = {
  ...changeFlags,
  ...selectionFlags,
  ...accountFlags,
  ...multiRegionAwsFlags,
  ...pacingFlags,
  ...managedChangeFlags,
}

/** The window of a trace search: `traces`, `show --function`, `tail`, `stats`, `map`. One definition for all. */
export const windowFlags = {
  since: Flags.string({description: 'how far back to look: 90s, 15m, 2h, 3d (default 15m)', helpValue: 'DURATION', helpGroup: 'WINDOW'}),
  start: Flags.string({description: 'window start: ISO 8601 (UTC unless it has a zone), epoch seconds, or -2h', helpValue: 'TIME', helpGroup: 'WINDOW'}),
  end: Flags.string({description: 'window end (default: now), in the same forms', helpValue: 'TIME', helpGroup: 'WINDOW'}),
  'time-range-type': Flags.string({description: 'what the window is about: trace (its start) or event (its last update)', options: ['trace', 'event'], default: 'trace', helpGroup: 'WINDOW'}),
}

/** Filters of a trace search, each a shortcut for part of an X-Ray filter expression (AND-ed). */
export const filterFlags = {
  errors: Flags.boolean({description: 'traces with an error (4xx); with --faults or --throttles: any of them', helpGroup: 'FILTER'}),
  faults: Flags.boolean({description: 'traces with a fault (5xx)', helpGroup: 'FILTER'}),
  throttles: Flags.boolean({description: 'traces with a throttle (429)', helpGroup: 'FILTER'}),
  ok: Flags.boolean({description: 'traces without any error, fault or throttle', helpGroup: 'FILTER'}),
  status: Flags.string({description: 'HTTP status of the entry point: 404, 429, 5xx… (repeatable: any)', multiple: true, helpValue: 'CODE', helpGroup: 'FILTER'}),
  'slower-than': Flags.string({description: 'traces that took longer than this (duration), e.g. 1.5s', helpValue: 'DURATION', helpGroup: 'FILTER'}),
  'response-slower-than': Flags.string({description: 'traces whose entry point answered slower than this (responsetime)', helpValue: 'DURATION', helpGroup: 'FILTER'}),
  annotation: Flags.string({description: 'annotation KEY=VALUE (numbers and true/false typed, "…" forces a string; repeatable: all)', multiple: true, helpValue: 'KEY=VALUE', helpGroup: 'FILTER'}),
  'url-contains': Flags.string({description: 'entry point URL contains this text', helpValue: 'TEXT', helpGroup: 'FILTER'}),
  method: Flags.string({description: 'entry point HTTP method', helpValue: 'METHOD', helpGroup: 'FILTER'}),
  user: Flags.string({description: 'traces of this user (set by the instrumented code)', helpValue: 'NAME', helpGroup: 'FILTER'}),
  partial: Flags.boolean({description: 'traces still in progress (with segments not yet complete)', helpGroup: 'FILTER'}),
  filter: Flags.string({description: 'a raw X-Ray filter expression, AND-ed with the flags above', helpValue: 'EXPR', helpGroup: 'FILTER'}),
}
