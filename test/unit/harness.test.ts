import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {LocalAws} from '../harness/local-aws.js'

/**
 * The local endpoint must speak the real wire protocols: here the unmodified AWS SDK talks to it
 * over query/XML (STS, the protocol IAM uses too) and REST-JSON (X-Ray), faults included.
 */

const aws = new LocalAws()
const credentials = {accessKeyId: 'AKIAHARNESS', secretAccessKey: 'harness-secret'}

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  await aws.start()
})
afterAll(() => aws.stop())

describe('local AWS endpoint', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(aws.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers STS GetCallerIdentity (query/XML) and its errors as the SDK expects', async () => {
    const {STSClient, GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
    const sts = new STSClient({region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1})
    const identity = await sts.send(new GetCallerIdentityCommand({}))
    expect(identity).toMatchObject({Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/xtrace-test'})
    aws.inject({kind: 'access-denied', service: 'sts', times: 1})
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({name: 'AccessDenied', $metadata: {httpStatusCode: 403}})
    aws.inject({kind: 'throttle', service: 'sts', times: 1})
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({name: 'Throttling'})
    sts.destroy()
  })

  it('stores PutTraceSegments documents and serves them with BatchGetTraces (REST-JSON)', async () => {
    const {XRayClient, PutTraceSegmentsCommand, BatchGetTracesCommand} = await import('@aws-sdk/client-xray')
    const xray = new XRayClient({region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1})
    const doc = {id: '0123456789abcdef', name: 'svc', trace_id: '1-6b500000-000000000000000000000001', start_time: 1, end_time: 2}
    await xray.send(new PutTraceSegmentsCommand({TraceSegmentDocuments: [JSON.stringify(doc)]}))
    const result = await xray.send(new BatchGetTracesCommand({TraceIds: [doc.trace_id]}))
    expect(result.Traces?.[0]?.Segments?.[0]?.Document).toBe(JSON.stringify(doc))
    await expect(xray.send(new BatchGetTracesCommand({TraceIds: Array.from({length: 6}, () => doc.trace_id)}))).rejects.toMatchObject({
      name: 'InvalidRequestException',
    })
    aws.inject({kind: 'throttle', service: 'xray', times: 1})
    await expect(xray.send(new BatchGetTracesCommand({TraceIds: [doc.trace_id]}))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: {httpStatusCode: 429},
    })
    expect(aws.calls('BatchGetTraces', 'xray').map((call) => call.fault ?? 'ok')).toEqual(['ok', 'ok', 'throttle'])
    xray.destroy()
  })

  it('says plainly when an operation is not implemented', async () => {
    const {XRayClient, GetGroupsCommand} = await import('@aws-sdk/client-xray')
    const xray = new XRayClient({region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1})
    await expect(xray.send(new GetGroupsCommand({}))).rejects.toMatchObject({message: expect.stringContaining('local endpoint does not implement xray')})
    xray.destroy()
  })
})

describe('local Lambda (REST-JSON)', () => {
  it('lists at 50 a page, updates tracing with InProgress, conflicts, revisions and the X-Ray permission refusal', async () => {
    const {installLambda} = await import('../harness/local-lambda.js')
    const lambda = installLambda(aws, {settleMs: 200, canWriteXRay: (role) => !role.includes('no-xray')})
    for (let i = 0; i < 120; i++) lambda.add(`fn-${String(i).padStart(3, '0')}`)
    lambda.add('locked', {Role: 'arn:aws:iam::123456789012:role/no-xray'})
    const {LambdaClient, GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand, paginateListFunctions} = await import('@aws-sdk/client-lambda')
    const client = new LambdaClient({region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1})

    const names: string[] = []
    for await (const page of paginateListFunctions({client}, {})) {
      expect(page.Functions!.length).toBeLessThanOrEqual(50)
      names.push(...page.Functions!.map((f) => f.FunctionName!))
    }
    expect(names).toHaveLength(121)
    expect(aws.calls('ListFunctions', 'lambda')).toHaveLength(3)

    const before = await client.send(new GetFunctionConfigurationCommand({FunctionName: 'fn-007'}))
    expect(before.TracingConfig?.Mode).toBe('PassThrough')
    const updated = await client.send(new UpdateFunctionConfigurationCommand({FunctionName: 'fn-007', TracingConfig: {Mode: 'Active'}, RevisionId: before.RevisionId}))
    expect(updated).toMatchObject({LastUpdateStatus: 'InProgress', TracingConfig: {Mode: 'Active'}})
    await expect(client.send(new UpdateFunctionConfigurationCommand({FunctionName: 'fn-007', TracingConfig: {Mode: 'PassThrough'}}))).rejects.toMatchObject({name: 'ResourceConflictException'})
    await new Promise((resolve) => setTimeout(resolve, 300))
    await expect(
      client.send(new UpdateFunctionConfigurationCommand({FunctionName: 'fn-007', TracingConfig: {Mode: 'PassThrough'}, RevisionId: before.RevisionId})),
    ).rejects.toMatchObject({name: 'PreconditionFailedException'})
    await expect(client.send(new UpdateFunctionConfigurationCommand({FunctionName: 'locked', TracingConfig: {Mode: 'Active'}}))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'The provided execution role does not have permissions to call PutTraceSegments on XRAY',
    })
    await expect(client.send(new UpdateFunctionConfigurationCommand({FunctionName: 'fn-001:3', TracingConfig: {Mode: 'Active'}}))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    })
    await expect(client.send(new GetFunctionConfigurationCommand({FunctionName: 'missing'}))).rejects.toMatchObject({name: 'ResourceNotFoundException'})
    aws.inject({kind: 'throttle', service: 'lambda', times: 1})
    await expect(client.send(new GetFunctionConfigurationCommand({FunctionName: 'fn-001'}))).rejects.toMatchObject({name: 'TooManyRequestsException'})
    client.destroy()
  })
})

describe('local IAM (query/XML)', () => {
  it('serves roles, attached and inline policies with URL-encoded documents, and records attachments', async () => {
    const {installIam} = await import('../harness/local-iam.js')
    const iam = installIam(aws)
    const managed = 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess'
    const document = {Version: '2012-10-17', Statement: [{Effect: 'Allow', Action: ['xray:PutTraceSegments'], Resource: ['*']}]}
    iam.policies.set(managed, {name: 'AWSXRayDaemonWriteAccess', document})
    iam.addRole('app-role', {inline: {'trace & log': {Version: '2012-10-17', Statement: [{Effect: 'Deny', Action: 'xray:*', Resource: '*'}]}}})
    const {IAMClient, GetRoleCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, GetRolePolicyCommand, GetPolicyCommand, GetPolicyVersionCommand, AttachRolePolicyCommand} =
      await import('@aws-sdk/client-iam')
    const client = new IAMClient({region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1})

    const role = await client.send(new GetRoleCommand({RoleName: 'app-role'}))
    expect(JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!))).toMatchObject({Statement: [{Principal: {Service: 'lambda.amazonaws.com'}}]})
    expect((await client.send(new ListRolePoliciesCommand({RoleName: 'app-role'}))).PolicyNames).toEqual(['trace & log'])
    const inline = await client.send(new GetRolePolicyCommand({RoleName: 'app-role', PolicyName: 'trace & log'}))
    expect(JSON.parse(decodeURIComponent(inline.PolicyDocument!)).Statement[0].Effect).toBe('Deny')
    expect((await client.send(new ListAttachedRolePoliciesCommand({RoleName: 'app-role'}))).AttachedPolicies).toEqual([])

    await client.send(new AttachRolePolicyCommand({RoleName: 'app-role', PolicyArn: managed}))
    expect((await client.send(new ListAttachedRolePoliciesCommand({RoleName: 'app-role'}))).AttachedPolicies).toEqual([{PolicyName: 'AWSXRayDaemonWriteAccess', PolicyArn: managed}])
    const policy = await client.send(new GetPolicyCommand({PolicyArn: managed}))
    const version = await client.send(new GetPolicyVersionCommand({PolicyArn: managed, VersionId: policy.Policy!.DefaultVersionId!}))
    expect(JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!))).toEqual(document)
    expect(aws.calls('AttachRolePolicy', 'iam')).toHaveLength(1)

    await expect(client.send(new GetRoleCommand({RoleName: 'missing'}))).rejects.toMatchObject({name: 'NoSuchEntityException'})
    aws.inject({kind: 'access-denied', service: 'iam', operation: 'GetRole', times: 1})
    await expect(client.send(new GetRoleCommand({RoleName: 'app-role'}))).rejects.toMatchObject({name: 'AccessDenied', $metadata: {httpStatusCode: 403}})
    client.destroy()
  })
})

describe('local Lambda: what enable and status read', () => {
  it('serves GetFunction (without leaking into the configuration), aliases, versions, regions and tag search', async () => {
    const {installLambda} = await import('../harness/local-lambda.js')
    const lambda = installLambda(aws)
    lambda.add('east', {tags: {team: 'a'}})
    lambda.add('west', {tags: {team: 'a'}, region: 'eu-west-1'})
    lambda.publish('east', 'prod')
    lambda.get('east')!.TracingConfig = {Mode: 'Active'}
    const {LambdaClient, GetFunctionCommand, GetFunctionConfigurationCommand, ListAliasesCommand, ListVersionsByFunctionCommand, ListFunctionsCommand} = await import('@aws-sdk/client-lambda')
    const east = new LambdaClient({region: 'us-east-1', endpoint: aws.url, credentials, maxAttempts: 1})
    const west = new LambdaClient({region: 'eu-west-1', endpoint: aws.url, credentials, maxAttempts: 1})

    const got = await east.send(new GetFunctionCommand({FunctionName: 'east'}))
    expect(got.Configuration).toMatchObject({FunctionName: 'east', LastUpdateStatus: 'Successful', TracingConfig: {Mode: 'Active'}})
    expect(got.Configuration).not.toHaveProperty('tags')
    expect(got.Tags).toEqual({team: 'a'})
    expect((await east.send(new ListAliasesCommand({FunctionName: 'east'}))).Aliases).toMatchObject([{Name: 'prod', FunctionVersion: '1'}])
    expect((await east.send(new GetFunctionConfigurationCommand({FunctionName: 'east', Qualifier: '1'}))).TracingConfig).toEqual({Mode: 'PassThrough'})
    expect((await east.send(new ListVersionsByFunctionCommand({FunctionName: 'east'}))).Versions!.map((v) => v.Version)).toEqual(['$LATEST', '1'])
    // ListFunctions leaves out the state fields, as Lambda does.
    const listed = (await east.send(new ListFunctionsCommand({}))).Functions!
    expect(listed.map((f) => f.FunctionName)).toEqual(['east'])
    expect(listed[0]).not.toHaveProperty('LastUpdateStatus')
    expect((await west.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName)).toEqual(['west'])
    await expect(east.send(new GetFunctionCommand({FunctionName: 'west'}))).rejects.toMatchObject({name: 'ResourceNotFoundException'})

    const {ResourceGroupsTaggingAPIClient, GetResourcesCommand} = await import('@aws-sdk/client-resource-groups-tagging-api')
    const tagging = new ResourceGroupsTaggingAPIClient({region: 'eu-west-1', endpoint: aws.url, credentials, maxAttempts: 1})
    const tagged = await tagging.send(new GetResourcesCommand({TagFilters: [{Key: 'team', Values: ['a']}], ResourceTypeFilters: ['lambda:function']}))
    expect(tagged.ResourceTagMappingList!.map((m) => m.ResourceARN)).toEqual(['arn:aws:lambda:eu-west-1:123456789012:function:west'])
    aws.inject({kind: 'throttle', service: 'tagging', times: 1})
    await expect(tagging.send(new GetResourcesCommand({}))).rejects.toMatchObject({name: 'ThrottlingException'})
    for (const client of [east, west, tagging]) client.destroy()
  })
})
