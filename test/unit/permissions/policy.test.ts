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

describe('X-Ray write permission of an execution role (the rule-by-rule matrix is in evaluator-matrix.test.ts)', () => {
  it('says what a partial grant can and cannot do, and names what leaves a verdict open', () => {
    const partial = verdictFor('app-role', evaluateActions([inline({Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*'})], XRAY_WRITE_ACTIONS))
    expect(partial).toMatchObject({verdict: 'partial', detail: 'role app-role allows xray:PutTraceSegments but lacks xray:PutTelemetryRecords'})
    const open = verdictFor('app-role', evaluateActions([inline({Sid: 'Office', Effect: 'Allow', Action: 'xray:*', Resource: '*', Condition: {IpAddress: {'aws:SourceIp': '10.0.0.0/8'}}})], XRAY_WRITE_ACTIONS))
    expect(open.detail).toBe('role app-role: whether it may call xray:PutTraceSegments depends on condition aws:SourceIp in inline policy p (statement Office)')
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
