import {AwsCallError, XtraceError} from '../errors.js'
import {sanitize, sanitizeLines} from '../render/sanitize.js'

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
  profile?: string
  endpointUrl?: string
}

export function mapAwsError(error: unknown, context: AwsErrorContext): XtraceError {
  if (error instanceof XtraceError) return error
  const e = (typeof error === 'object' && error !== null ? error : {message: String(error)}) as SdkErrorShape
  const name = e.name ?? e.code ?? e.Code ?? 'Error'
  const code = e.code ?? ''
  const message = e.message ?? ''
  const status = e.$metadata?.httpStatusCode
  const profileHint = context.profile ? ` --profile ${context.profile}` : ''

  if (/region is missing/i.test(message) || name === 'RegionMissing') {
    return new AwsCallError('no AWS region is set', {
      code: 'NO_REGION',
      suggestions: ['pass --region us-east-1 (or your region), or set AWS_REGION, or add region to your profile'],
      cause: error,
    })
  }
  if (/sso/i.test(message) && /(expired|refresh|token)/i.test(message)) {
    return new AwsCallError(`the SSO session has expired or is not logged in: ${shortMessage(message)}`, {
      code: 'SSO_EXPIRED',
      suggestions: [`aws sso login${profileHint}`],
      cause: error,
    })
  }
  if (name === 'CredentialsProviderError' || /could not load credentials|could not resolve credentials/i.test(message)) {
    return new AwsCallError(`no AWS credentials found${context.profile ? ` for profile ${sanitize(context.profile)}` : ''}`, {
      code: 'NO_CREDENTIALS',
      suggestions: [
        'set AWS_PROFILE or pass --profile, run `aws configure` or `aws sso login`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
      ],
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
  if (ACCESS_DENIED.has(name) || status === 403) {
    return new AwsCallError(`access denied: the caller may not call ${context.action}`, {
      code: 'ACCESS_DENIED',
      suggestions: [`allow ${context.action} in the IAM policy of the user or role you run xtrace as`],
      cause: error,
    })
  }
  if (THROTTLED.has(name) || status === 429) {
    const attempts = e.$metadata?.attempts
    return new AwsCallError(
      `${context.action} was throttled${attempts ? ` (gave up after ${attempts} attempts)` : ''}`,
      {code: 'THROTTLED', suggestions: ['wait a moment and run the command again'], cause: error},
    )
  }
  if (NETWORK.has(code) || NETWORK.has(name) || name === 'TimeoutError' || /socket hang up|connect ECONNREFUSED/i.test(message)) {
    const where = context.endpointUrl ? sanitize(context.endpointUrl) : 'the AWS endpoint'
    return new AwsCallError(`could not reach ${where} (${shortMessage(message) || name})`, {
      code: 'NETWORK',
      suggestions: ['check the network, the region and any --endpoint-url / AWS_ENDPOINT_URL setting'],
      cause: error,
    })
  }
  if (name === 'SyntaxError' || /Deserialization error|not valid JSON|Unexpected token/.test(message)) {
    const where = context.endpointUrl ? sanitize(context.endpointUrl) : 'the endpoint'
    return new AwsCallError(`${where} answered ${context.action} with something that is not an AWS response`, {
      code: 'BAD_RESPONSE',
      suggestions: ['check --endpoint-url / AWS_ENDPOINT_URL: a proxy or an emulator may not implement this call'],
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
