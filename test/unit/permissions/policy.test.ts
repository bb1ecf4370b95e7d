import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {evaluateActions, iamPatternMatches, parsePolicyDocument, type PolicySource, XRAY_WRITE_ACTIONS} from '../../../src/permissions/policy.js'
import {partitionOf, roleNameFromArn, verdictFor, xrayWritePolicyArn} from '../../../src/permissions/role.js'
import {ROOT} from '../../harness/cli.js'

/** The real AWS managed policy documents (test/fixtures/iam/SOURCES.md). */
function managed(name: string): PolicySource {
  const policy = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/iam', `${name}.json`), 'utf8')) as {Document: unknown}
  return {kind: 'managed', label: `managed policy ${name}`, document: policy.Document}
}

function inline(statement: Record<string, unknown> | Record<string, unknown>[], label = 'inline policy p'): PolicySource {
  return {kind: 'inline', label, document: {Version: '2012-10-17', Statement: statement}}
}

const boundary = (statement: Record<string, unknown>): PolicySource => ({kind: 'boundary', label: 'permissions boundary b', document: {Version: '2012-10-17', Statement: [statement]}})

function verdict(sources: PolicySource[]) {
  return verdictFor('app-role', evaluateActions(sources, XRAY_WRITE_ACTIONS)).verdict
}

describe('X-Ray write permission of an execution role', () => {
  it.each([
    ['AWSXRayDaemonWriteAccess (managed)', [managed('AWSLambdaBasicExecutionRole'), managed('AWSXRayDaemonWriteAccess')], 'allowed'],
    ['AWSXrayWriteOnlyAccess (the older managed policy)', [managed('AWSXrayWriteOnlyAccess')], 'allowed'],
    ['AWSXrayFullAccess (xray:*)', [managed('AWSXrayFullAccess')], 'allowed'],
    ['AWSXrayReadOnlyAccess: reads only', [managed('AWSXrayReadOnlyAccess')], 'missing'],
    ['AWSLambdaBasicExecutionRole alone', [managed('AWSLambdaBasicExecutionRole')], 'missing'],
    ['AWSLambda_ReadOnlyAccess: lambda and iam reads', [managed('AWSLambda_ReadOnlyAccess')], 'missing'],
    ['inline, exact actions', [inline({Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*'})], 'allowed'],
    ['inline, only one of the two', [inline({Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*'})], 'missing'],
    ['inline xray:Put*', [inline({Effect: 'Allow', Action: 'xray:Put*', Resource: '*'})], 'allowed'],
    ['inline *', [inline({Effect: 'Allow', Action: '*', Resource: '*'})], 'allowed'],
    ['case-insensitive action names', [inline({Effect: 'Allow', Action: 'XRay:puttracesegments', Resource: '*'}), inline({Effect: 'Allow', Action: 'xray:PutTelemetryRecords', Resource: ['*']})], 'allowed'],
    ['NotAction that leaves xray allowed', [inline({Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*'})], 'allowed'],
    ['NotAction that excludes xray', [inline({Effect: 'Allow', NotAction: 'xray:*', Resource: '*'})], 'missing'],
    ['explicit Deny beats the managed Allow', [managed('AWSXRayDaemonWriteAccess'), inline({Effect: 'Deny', Action: 'xray:*', Resource: '*'})], 'denied'],
    ['boundary without xray', [managed('AWSXRayDaemonWriteAccess'), boundary({Effect: 'Allow', Action: ['logs:*'], Resource: '*'})], 'denied'],
    ['boundary that allows xray', [managed('AWSXRayDaemonWriteAccess'), boundary({Effect: 'Allow', Action: ['xray:*', 'logs:*'], Resource: '*'})], 'allowed'],
    ['Allow with a Condition', [inline({Effect: 'Allow', Action: 'xray:*', Resource: '*', Condition: {StringEquals: {'aws:RequestedRegion': 'us-east-1'}}})], 'unknown'],
    ['Deny with a Condition', [managed('AWSXRayDaemonWriteAccess'), inline({Effect: 'Deny', Action: 'xray:*', Resource: '*', Condition: {Bool: {'aws:SecureTransport': 'false'}}})], 'unknown'],
    ['Allow scoped to a resource other than *', [inline({Effect: 'Allow', Action: 'xray:*', Resource: 'arn:aws:xray:us-east-1:123456789012:group/g'})], 'unknown'],
    ['no policy at all', [], 'missing'],
    ['a malformed document', [{kind: 'inline', label: 'inline policy junk', document: {Statement: 'nope'}} as PolicySource], 'missing'],
  ] as const)('%s → %s', (_name, sources, expected) => {
    expect(verdict([...sources])).toBe(expected)
  })

  it('names the policy and statement behind a Deny', () => {
    const check = verdictFor('app-role', evaluateActions([managed('AWSXRayDaemonWriteAccess'), inline({Sid: 'NoTracing', Effect: 'Deny', Action: 'xray:Put*', Resource: '*'}, 'inline policy guard')], XRAY_WRITE_ACTIONS))
    expect(check.detail).toBe('role app-role: xray:PutTraceSegments is denied by inline policy guard (statement NoTracing)')
  })

  it('matches IAM wildcards', () => {
    expect(iamPatternMatches('xray:Put*', 'xray:PutTraceSegments')).toBe(true)
    expect(iamPatternMatches('xray:Put?raceSegments', 'xray:PutTraceSegments')).toBe(true)
    expect(iamPatternMatches('xray:Get*', 'xray:PutTraceSegments')).toBe(false)
    expect(iamPatternMatches('x.ay:*', 'xray:PutTraceSegments')).toBe(false)
  })

  it('parses URL-encoded documents as IAM returns them', () => {
    expect(parsePolicyDocument('%7B%22Statement%22%3A%5B%5D%7D')).toEqual({Statement: []})
    expect(parsePolicyDocument('{"Statement":[]}')).toEqual({Statement: []})
  })

  it('takes role names and partitions from ARNs', () => {
    expect(roleNameFromArn('arn:aws:iam::123456789012:role/service-role/my-fn-role-abc')).toBe('my-fn-role-abc')
    expect(xrayWritePolicyArn('arn:aws-cn:iam::123456789012:role/r')).toBe('arn:aws-cn:iam::aws:policy/AWSXRayDaemonWriteAccess')
    expect(xrayWritePolicyArn('arn:aws-us-gov:iam::123456789012:role/r')).toBe('arn:aws-us-gov:iam::aws:policy/AWSXRayDaemonWriteAccess')
    expect(partitionOf('not an arn')).toBe('aws')
  })
})
