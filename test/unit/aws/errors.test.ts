import {describe, expect, it} from 'vitest'

import {describeForDebug, mapAwsError, redactSecrets} from '../../../src/aws/errors.js'

const sdkError = (name: string, message: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), {name, ...(status ? {$metadata: {httpStatusCode: status, attempts: 5}} : {}), ...extra})

describe('mapping SDK errors', () => {
  it.each([
    [sdkError('Error', 'Region is missing'), 'NO_REGION', 'no AWS region is set'],
    [sdkError('CredentialsProviderError', 'Could not load credentials from any providers'), 'NO_CREDENTIALS', 'no AWS credentials found'],
    [sdkError('ExpiredTokenException', 'expired', 403), 'EXPIRED_CREDENTIALS', 'the AWS credentials have expired'],
    [sdkError('UnrecognizedClientException', 'bad', 403), 'BAD_CREDENTIALS', 'AWS rejected the credentials (UnrecognizedClientException)'],
    [sdkError('AccessDeniedException', 'no', 403), 'ACCESS_DENIED', 'access denied: the caller may not call lambda:ListFunctions'],
    [sdkError('TooManyRequestsException', 'Rate exceeded', 429), 'THROTTLED', 'lambda:ListFunctions was throttled (gave up after 5 attempts)'],
    [sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:1', undefined, {code: 'ECONNREFUSED'}), 'NETWORK', 'could not reach the AWS endpoint (connect ECONNREFUSED 127.0.0.1:1)'],
    [sdkError('SyntaxError', 'Unexpected token \'<\', "<!doctype "... is not valid JSON'), 'BAD_RESPONSE', 'the endpoint answered lambda:ListFunctions with something that is not an AWS response'],
    [sdkError('ServiceException', 'boom', 503), 'SERVER_ERROR', 'AWS answered lambda:ListFunctions with a server error (ServiceException, HTTP 503)'],
    [sdkError('ValidationException', 'bad input \u001B[31mred', 400), 'AWS_ERROR', 'lambda:ListFunctions failed: ValidationException: bad input \\x1b[31mred'],
  ])('%#: %s', (error, code, message) => {
    const mapped = mapAwsError(error, {action: 'lambda:ListFunctions'})
    expect(mapped.code).toBe(code)
    expect(mapped.message).toBe(message)
    expect(mapped.message).not.toContain('\u001B')
  })

  it('never shows a secret, also in --debug', () => {
    const env = {AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'}
    const error = sdkError('Error', `signing with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY failed`)
    expect(describeForDebug(error, env)).not.toContain('wJalrXUtnFEMI')
    expect(redactSecrets('key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', env)).toBe('key=[redacted]')
  })
})
