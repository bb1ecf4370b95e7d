import {AwsCallError, XtraceError} from '../errors.js'
import {callContextOf, isRegionMissing} from './call-context.js'
import {sanitize, sanitizeLines} from '../text/sanitize.js'

/**
 * SDK errors mapped, once, to messages that say what happened and what to do next.
 * `operation` names the API call (e.g. `xray:BatchGetTraces`) so AccessDenied can name the action.
 */

interface SdkErrorShape {
  name?: string
  message?: string
  code?: string
  Code?: string
  $metadata?: {httpStatusCode?: number; requestId?: string; attempts?: number}
  $fault?: string
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException'])
const BAD_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
])
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired'])
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
])
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'])

function shortMessage(message: string | undefined): string {
  const text = sanitize((message ?? '').split('\n')[0] ?? '')
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}

export interface AwsErrorContext {
  /** IAM action of the failed call, e.g. `xray:BatchGetTraces`. */
  action: string
  /** Override what the client stamped on the error (call-context.ts). */
  profile?: string
  endpointUrl?: string
}

/** Names the SDK makes up when an answer carries no AWS error code: the HTTP reason, or nothing. */
const NOT_AN_AWS_CODE = new Set(['Unknown', 'UnknownError', 'NotFound', 'Forbidden', 'BadRequest', 'BadGateway', 'GatewayTimeout', 'MethodNotAllowed', 'MovedPermanently', 'Found', 'TemporaryRedirect', 'PermanentRedirect', 'NotImplemented', 'Unauthorized', 'ProxyAuthenticationRequired'])

function seconds(value: number): string {
  return `${Math.round(value * 10) / 10} s`
}

/** Whether an answer came from something that is not AWS: an undecodable body, or an error with no AWS code and no request id. */
function notAnAwsAnswer(e: SdkErrorShape, name: string, message: string): boolean {
  if (name === 'SyntaxError' || /Deserialization error|not valid JSON|Unexpected token|XML parse error/.test(message)) return true
  const status = e.$metadata?.httpStatusCode
  return status !== undefined && !e.$metadata?.requestId && (NOT_AN_AWS_CODE.has(name) || /^Unknown(Error)?$/.test(message))
}

export function mapAwsError(error: unknown, context: AwsErrorContext): XtraceError {
  if (error instanceof XtraceError) return error
  const e = (typeof error === 'object' && error !== null ? error : {message: String(error)}) as SdkErrorShape
  const name = e.name ?? e.code ?? e.Code ?? 'Error'
  const code = e.code ?? ''
  const message = e.message ?? ''
  const status = e.$metadata?.httpStatusCode
  const call = callContextOf(error)
  const profile = context.profile ?? call?.profile
  const endpoint = context.endpointUrl ?? call?.endpoint
  const where = endpoint ? sanitize(endpoint) : 'the AWS endpoint'
  const profileHint = profile ? ` --profile ${sanitize(profile)}` : ''
  const attempts = e.$metadata?.attempts
  const credentialsHelp = `set AWS_PROFILE or pass --profile, run \`aws configure\` or \`aws sso login\`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`
  const regionHelp = 'pass --region us-east-1 (or your region), or set AWS_REGION, or add region to your profile'

  if (isRegionMissing(error)) {
    if (call?.credentialsMissingToo) {
      return new AwsCallError(`no AWS region is set, and no AWS credentials were found${profile ? ` for profile ${sanitize(profile)}` : ''}`, {
        code: 'NO_REGION',
        suggestions: [regionHelp, credentialsHelp],
        cause: error,
      })
    }
    return new AwsCallError('no AWS region is set', {code: 'NO_REGION', suggestions: [regionHelp], cause: error})
  }
  if (/sso/i.test(message) && /(expired|refresh|token)/i.test(message)) {
    return new AwsCallError(`the SSO session has expired or is not logged in: ${shortMessage(message)}`, {
      code: 'SSO_EXPIRED',
      suggestions: [`aws sso login${profileHint}`],
      cause: error,
    })
  }
  const unknownProfile = /profile (\S+) could not be found/i.exec(message)
  if (unknownProfile) {
    return new AwsCallError(`there is no AWS profile ${sanitize(unknownProfile[1]!)} in your AWS config or credentials file`, {
      code: 'NO_CREDENTIALS',
      suggestions: ['list your profiles with `aws configure list-profiles`, then pass one with --profile (or set AWS_PROFILE)'],
      cause: error,
    })
  }
  if (name === 'CredentialsProviderError' || /could not load credentials|could not resolve credentials/i.test(message)) {
    return new AwsCallError(`no AWS credentials found${profile ? ` for profile ${sanitize(profile)}` : ''}`, {
      code: 'NO_CREDENTIALS',
      suggestions: [credentialsHelp],
      cause: error,
    })
  }
  if (EXPIRED.has(name)) {
    return new AwsCallError('the AWS credentials have expired', {
      code: 'EXPIRED_CREDENTIALS',
      suggestions: [`refresh them (e.g. aws sso login${profileHint}) and try again`],
      cause: error,
    })
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new AwsCallError(`AWS rejected the credentials (${name})`, {
      code: 'BAD_CREDENTIALS',
      suggestions: ['check the access key, secret and session token, and that the clock is right'],
      cause: error,
    })
  }
  // The SDK names a reset connection a TimeoutError too; it is a dropped connection, not silence.
  if ((name === 'TimeoutError' && code !== 'ECONNRESET' && code !== 'EPIPE') || code === 'ETIMEDOUT') {
    const tries = attempts && attempts > 1 ? `, ${attempts} attempts` : ''
    const connecting = /establish a connection/i.test(message)
    const limit = connecting ? call?.connectSeconds : call?.readSeconds
    const took = call ? ` after ${seconds(call.elapsedMs / 1000)}` : ''
    return new AwsCallError(
      connecting
        ? `could not connect to ${where}${took} (${limit === undefined ? 'timed out' : `${seconds(limit)} to connect`}${tries})`
        : `no answer from ${where}${took} (${limit === undefined ? 'timed out' : `${seconds(limit)} to answer`}${tries})`,
      {
        code: 'TIMEOUT',
        suggestions: [
          `check the network, the region and any --endpoint-url / AWS_ENDPOINT_URL; if the endpoint is only slow, allow it more time with ${connecting ? '--cli-connect-timeout' : '--cli-read-timeout'} SECONDS`,
        ],
        cause: error,
      },
    )
  }
  if (notAnAwsAnswer(e, name, message)) {
    const endpointWhere = endpoint ? sanitize(endpoint) : 'the endpoint'
    return new AwsCallError(`${endpointWhere} answered ${context.action} with something that is not an AWS response${status ? ` (HTTP ${status})` : ''}`, {
      code: 'BAD_RESPONSE',
      suggestions: [
        endpoint
          ? `check --endpoint-url / AWS_ENDPOINT_URL (now ${endpointWhere}): it may point at something other than AWS (a proxy, an emulator without this call)`
          : 'a proxy between you and AWS may have answered instead: check HTTPS_PROXY and the network',
      ],
      cause: error,
    })
  }
  if ((ACCESS_DENIED.has(name) || status === 403) && /service control polic/i.test(message)) {
    return new AwsCallError(`access denied: a service control policy of the organization denies ${context.action}${call?.account ? ` in account ${call.account}` : ''}`, {
      code: 'SCP_DENIED',
      suggestions: ['an SCP overrides every IAM policy of the account: ask the organization\'s administrators to allow it (or leave the account out)'],
      cause: error,
    })
  }
  if (ACCESS_DENIED.has(name) || status === 403) {
    return new AwsCallError(`access denied: the caller may not call ${context.action}`, {
      code: 'ACCESS_DENIED',
      suggestions: [`allow ${context.action} in the IAM policy of the user or role you run xtrace as`],
      cause: error,
    })
  }
  if (THROTTLED.has(name) || status === 429) {
    return new AwsCallError(
      `${context.action} was throttled${attempts ? ` (gave up after ${attempts} attempts)` : ''}`,
      {code: 'THROTTLED', suggestions: ['wait a moment and run the command again'], cause: error},
    )
  }
  if (NETWORK.has(code) || NETWORK.has(name) || /socket hang up|connect ECONNREFUSED/i.test(message)) {
    return new AwsCallError(`could not reach ${where} (${shortMessage(message) || name})`, {
      code: 'NETWORK',
      suggestions: ['check the network, the region and any --endpoint-url / AWS_ENDPOINT_URL setting'],
      cause: error,
    })
  }
  if ((status !== undefined && status >= 500) || e.$fault === 'server') {
    return new AwsCallError(`AWS answered ${context.action} with a server error (${sanitize(name)}${status ? `, HTTP ${status}` : ''})`, {
      code: 'SERVER_ERROR',
      suggestions: ['this is usually temporary: try again in a moment'],
      cause: error,
    })
  }
  return new AwsCallError(`${context.action} failed: ${sanitize(name)}${message ? `: ${shortMessage(message)}` : ''}`, {
    code: 'AWS_ERROR',
    suggestions: ['run again with --debug for the request id and details'],
    cause: error,
  })
}

/** What `--debug` may show of an error: name, status, request id — never credentials. */
export function describeForDebug(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const seen = new Set<unknown>()
  const lines: string[] = []
  let current: unknown = error
  while (current && !seen.has(current)) {
    seen.add(current)
    const e = current as SdkErrorShape & {stack?: string; cause?: unknown}
    const meta = e.$metadata
    lines.push(
      `${lines.length > 0 ? 'caused by ' : ''}${e.name ?? 'Error'}: ${e.message ?? ''}` +
        (meta ? ` [http ${meta.httpStatusCode ?? '-'}, request id ${meta.requestId ?? '-'}, attempts ${meta.attempts ?? '-'}]` : ''),
    )
    if (e.stack) lines.push(...e.stack.split('\n').slice(1, 8))
    current = e.cause
  }
  return redactSecrets(lines.join('\n'), env)
}

/** Removes the values of secret environment variables wherever they appear. */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text
  for (const key of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN']) {
    const value = env[key]
    if (value && value.length >= 8) out = out.split(value).join('[redacted]')
  }
  return sanitizeLines(out)
}
