import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {StatusJson} from '../../src/tracing/status.js'
import {runCli} from '../harness/cli.js'
import {motoAvailable, type Moto, startMoto} from '../harness/moto.js'

/**
 * Infrastructure as code against moto: its CloudFormation creates a Lambda function from a template,
 * but — unlike AWS — does not tag it with aws:cloudformation:*, and its tagging API ignores
 * ResourceARNList (it answered with the stack itself). So xtrace, which knows a stack's functions by
 * those tags, must say "unknown" for them, never "not managed", and must not trip over the stray
 * answer. Our local endpoint (test/e2e/iac.test.ts) covers the tagged case.
 */

const available = motoAvailable()
if (!available) console.warn('moto IaC suite skipped: python3 -m moto.server is not installed (pip install "moto[server]")')

const credentials = {accessKeyId: 'test', secretAccessKey: 'test'}
const state = mkdtempSync(join(tmpdir(), 'xtrace-moto-state-'))
const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: 'sts:AssumeRole'}]}
  OrdersFn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: moto-orders
      Runtime: nodejs20.x
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "exports.handler = async () => 1"}
      TracingConfig: {Mode: PassThrough}
`

describe.skipIf(!available)('moto interop: a function deployed by a CloudFormation stack', () => {
  let moto: Moto
  beforeAll(async () => {
    moto = await startMoto()
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
    const {CloudFormationClient, CreateStackCommand} = await import('@aws-sdk/client-cloudformation')
    const cfn = new CloudFormationClient({region: 'us-east-1', endpoint: moto.url, credentials})
    await cfn.send(new CreateStackCommand({StackName: 'moto-stack', TemplateBody: TEMPLATE}))
    cfn.destroy()
  }, 60_000)
  afterAll(() => moto?.stop())

  it('status lists the function moto deployed, managed by "unknown" (moto leaves no tags), with no warning', async () => {
    const result = await runCli(['status', '--json', '--no-aliases', '--endpoint-url', moto.url], {env: {XDG_STATE_HOME: state}, timeoutMs: 60_000})
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout) as StatusJson
    expect(json.functions.map((fn) => [fn.function, fn.mode, fn.managedBy])).toEqual([['moto-orders', 'PassThrough', {tool: 'unknown'}]])
  })
})
