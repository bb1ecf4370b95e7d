/**
 * What manages a function, from the marks the tools leave. CloudFormation tags every resource it
 * creates with `aws:cloudformation:stack-name`, `…:stack-id` and `…:logical-id` (so do SAM, CDK, the
 * Serverless Framework and Amplify, which deploy through it); SAM adds `lambda:createdBy = SAM`;
 * Amplify (Gen 2) `created-by = amplify`, and Amplify Gen 1 names its stacks `amplify-…` and tags
 * `user:Application`. CDK and the Serverless Framework are told apart by their templates
 * (template.ts). Terraform leaves no mark by default: a team's own tag (`--iac-tag KEY=VALUE`, such
 * as its `default_tags`) says so; otherwise the answer is "unknown", never "not managed".
 */

export type IacTool = 'cloudformation' | 'sam' | 'cdk' | 'serverless' | 'amplify' | 'terraform'

export interface ManagedBy {
  tool: IacTool | 'unknown'
  /** The stack that holds the function (a nested stack's own name). */
  stack?: string
  stackId?: string
  logicalId?: string
  /** CDK: the construct path (`aws:cdk:path`). */
  path?: string
  /** A nested stack's root stack, where a deploy starts. */
  rootStack?: string
  /** Terraform: the --iac-tag that matched. */
  tag?: string
}

export interface IacTag {
  key: string
  /** Undefined: any value. */
  value?: string
}

/** `KEY=VALUE` or `KEY` (any value). */
export function parseIacTag(text: string): IacTag | undefined {
  const at = text.indexOf('=')
  const key = (at === -1 ? text : text.slice(0, at)).trim()
  if (!key) return undefined
  return at === -1 ? {key} : {key, value: text.slice(at + 1)}
}

export function managedByFromTags(tags: Readonly<Record<string, string>> | undefined, iacTags: readonly IacTag[] = []): ManagedBy {
  if (!tags) return {tool: 'unknown'}
  const stack = tags['aws:cloudformation:stack-name']
  if (stack) {
    const found: ManagedBy = {tool: 'cloudformation', stack}
    if (tags['aws:cloudformation:stack-id']) found.stackId = tags['aws:cloudformation:stack-id']
    if (tags['aws:cloudformation:logical-id']) found.logicalId = tags['aws:cloudformation:logical-id']
    if (tags['lambda:createdBy'] === 'SAM') found.tool = 'sam'
    else if (tags['created-by'] === 'amplify' || 'amplify:deployment-type' in tags || (stack.startsWith('amplify-') && 'user:Application' in tags)) found.tool = 'amplify'
    return found
  }
  for (const tag of iacTags) {
    const value = tags[tag.key]
    if (value !== undefined && (tag.value === undefined || tag.value === value)) {
      return {tool: 'terraform', tag: tag.value === undefined ? tag.key : `${tag.key}=${tag.value}`}
    }
  }
  return {tool: 'unknown'}
}

const SHORT: Record<IacTool, string> = {cloudformation: 'cfn', sam: 'sam', cdk: 'cdk', serverless: 'serverless', amplify: 'amplify', terraform: 'terraform'}

/** The status column: `cfn:orders-stack/OrdersFn`, `cdk:OrdersStack/OrdersFn`, `terraform:team=orders`, `?`. */
export function managedByLabel(managed: ManagedBy | undefined): string {
  if (!managed || managed.tool === 'unknown') return '?'
  if (managed.tool === 'terraform') return `terraform:${managed.tag ?? ''}`
  if (managed.tool === 'cdk' && managed.path) return `cdk:${managed.path.replace(/\/Resource$/, '')}`
  return `${SHORT[managed.tool]}:${managed.stack ?? '?'}${managed.logicalId ? `/${managed.logicalId}` : ''}`
}

/** The names a person knows the tool by. */
export const TOOL_NAMES: Record<IacTool, string> = {
  cloudformation: 'CloudFormation',
  sam: 'AWS SAM',
  cdk: 'the AWS CDK',
  serverless: 'the Serverless Framework',
  amplify: 'Amplify',
  terraform: 'Terraform',
}

/** Whether a deploy of something else will set the function's tracing: everything but "unknown". */
export function isManaged(managed: ManagedBy | undefined): managed is ManagedBy & {tool: IacTool} {
  return managed !== undefined && managed.tool !== 'unknown'
}
