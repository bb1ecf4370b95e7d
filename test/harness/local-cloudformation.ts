/**
 * CloudFormation (query protocol, API 2010-05-15) for the local AWS endpoint: stacks defined by a
 * test, with a template at the Original stage (as written: YAML with short-form intrinsics, a SAM
 * template with Globals) and at the Processed stage (after transforms; the same as Original for a
 * template without them), parameters, nested stacks (ParentId / RootId), and functions deployed by a
 * stack tagged as CloudFormation tags them.
 */
import {randomUUID} from 'node:crypto'

import {queryError, queryReply, type Routes, xmlEscape} from './local-aws.js'
import type {LocalFunction, LocalLambda} from './local-lambda.js'

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/'

export interface LocalStack {
  name: string
  id: string
  region: string
  original: string
  processed: string
  parameters: Record<string, string>
  parentId?: string
  rootId?: string
  /** Logical id → physical id. */
  resources: Map<string, {type: string; physicalId: string}>
}

export interface LocalCloudFormation {
  stacks: Map<string, LocalStack>
  /** Defines a stack; `processed` defaults to `original` (no transform). */
  addStack(name: string, options: {original: string; processed?: string; parameters?: Record<string, string>; parent?: LocalStack; region?: string}): LocalStack
  /** A function the stack created: in Lambda with CloudFormation's tags (and `extraTags`, e.g. SAM's). */
  deploy(stack: LocalStack, logicalId: string, name: string, options?: {mode?: 'Active' | 'PassThrough'; extraTags?: Record<string, string>; role?: string}): LocalFunction
  /** Calls answered AccessDenied: `GetTemplate`, `DescribeStacks`. */
  denied: Set<string>
}

export function installCloudFormation(aws: Routes, lambda: LocalLambda, account = '123456789012'): LocalCloudFormation {
  const stacks = new Map<string, LocalStack>()
  const denied = new Set<string>()
  const find = (nameOrId: string | null) => (nameOrId ? (stacks.get(nameOrId) ?? [...stacks.values()].find((s) => s.id === nameOrId)) : undefined)
  const missing = (name: string | null) => queryError(400, 'ValidationError', `Stack with id ${name ?? ''} does not exist`)
  const refuse = (action: string) =>
    queryError(403, 'AccessDenied', `User: arn:aws:iam::${account}:user/xtrace-test is not authorized to perform: cloudformation:${action} because no identity-based policy allows the cloudformation:${action} action`)

  const cfn: LocalCloudFormation = {
    stacks,
    denied,
    addStack(name, options) {
      const region = options.region ?? 'us-east-1'
      const stack: LocalStack = {
        name,
        id: `arn:aws:cloudformation:${region}:${account}:stack/${name}/${randomUUID()}`,
        region,
        original: options.original,
        processed: options.processed ?? options.original,
        parameters: options.parameters ?? {},
        resources: new Map(),
      }
      if (options.parent) {
        stack.parentId = options.parent.id
        stack.rootId = options.parent.rootId ?? options.parent.id
      }
      stacks.set(name, stack)
      return stack
    },
    deploy(stack, logicalId, name, options = {}) {
      const fn = lambda.add(name, {
        region: stack.region,
        ...(options.role ? {Role: options.role} : {}),
        TracingConfig: {Mode: options.mode ?? 'PassThrough'},
        tags: {
          'aws:cloudformation:stack-name': stack.name,
          'aws:cloudformation:stack-id': stack.id,
          'aws:cloudformation:logical-id': logicalId,
          ...options.extraTags,
        },
      })
      stack.resources.set(logicalId, {type: 'AWS::Lambda::Function', physicalId: name})
      return fn
    },
  }

  aws.route('cloudformation', 'GetTemplate', ({params}) => {
    if (denied.has('GetTemplate')) return refuse('GetTemplate')
    const stack = find(params.get('StackName'))
    if (!stack) return missing(params.get('StackName'))
    const stage = params.get('TemplateStage') ?? 'Original'
    const body = stage === 'Processed' ? stack.processed : stack.original
    return queryReply('GetTemplate', `<TemplateBody>${xmlEscape(body)}</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>`, NS)
  })

  aws.route('cloudformation', 'DescribeStacks', ({params}) => {
    if (denied.has('DescribeStacks')) return refuse('DescribeStacks')
    const stack = find(params.get('StackName'))
    if (!stack) return missing(params.get('StackName'))
    const parameters = Object.entries(stack.parameters)
      .map(([key, value]) => `<member><ParameterKey>${xmlEscape(key)}</ParameterKey><ParameterValue>${xmlEscape(value)}</ParameterValue></member>`)
      .join('')
    return queryReply(
      'DescribeStacks',
      `<Stacks><member><StackId>${xmlEscape(stack.id)}</StackId><StackName>${xmlEscape(stack.name)}</StackName>` +
        `<CreationTime>2026-11-01T00:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus>` +
        `<Parameters>${parameters}</Parameters>` +
        (stack.parentId ? `<ParentId>${xmlEscape(stack.parentId)}</ParentId><RootId>${xmlEscape(stack.rootId!)}</RootId>` : '') +
        `</member></Stacks>`,
      NS,
    )
  })

  aws.route('cloudformation', 'DescribeStackResource', ({params}) => {
    const stack = find(params.get('StackName'))
    if (!stack) return missing(params.get('StackName'))
    const logicalId = params.get('LogicalResourceId') ?? ''
    const resource = stack.resources.get(logicalId)
    if (!resource) return queryError(400, 'ValidationError', `Resource ${logicalId} does not exist for stack ${stack.name}`)
    return queryReply(
      'DescribeStackResource',
      `<StackResourceDetail><StackName>${xmlEscape(stack.name)}</StackName><StackId>${xmlEscape(stack.id)}</StackId>` +
        `<LogicalResourceId>${xmlEscape(logicalId)}</LogicalResourceId><PhysicalResourceId>${xmlEscape(resource.physicalId)}</PhysicalResourceId>` +
        `<ResourceType>${resource.type}</ResourceType><LastUpdatedTimestamp>2026-11-01T00:00:00Z</LastUpdatedTimestamp>` +
        `<ResourceStatus>UPDATE_COMPLETE</ResourceStatus></StackResourceDetail>`,
      NS,
    )
  })

  return cfn
}
