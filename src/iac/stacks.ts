import type {CloudFormationClient} from '@aws-sdk/client-cloudformation'
import type {ResourceGroupsTaggingAPIClient} from '@aws-sdk/client-resource-groups-tagging-api'

import {mapAwsError} from '../aws/errors.js'
import type {RegionalClients} from '../aws/regions.js'
import {runPool} from '../util/pool.js'
import {type IacTag, type ManagedBy, managedByFromTags} from './managed.js'
import type {ManagedFacts} from './drift.js'
import {parseTemplate, type Template, toolOfTemplate, tracingInTemplate} from './template.js'

/**
 * What CloudFormation says about the stacks that hold some functions: each stack's template (at the
 * Processed stage: SAM's transform applied) and parameters, read once per stack however many
 * functions it holds, and the stack a nested one belongs to.
 */

export interface StackFacts {
  /** As the functions' tags name it. */
  name: string
  template?: Template
  /** Current parameter values (ResolvedValue for SSM parameters). */
  parameters: Record<string, string>
  rootStack?: string
  /** Why the template (or the stack) could not be read. */
  error?: {code: string; message: string; action: string}
}

const STACK_READS_AT_ONCE = 4

/** The tags of these functions (GetResources takes 100 ARNs a call; untagged functions are left out), by ARN. */
export async function functionTags(tagging: ResourceGroupsTaggingAPIClient, arns: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const {GetResourcesCommand} = await import('@aws-sdk/client-resource-groups-tagging-api')
  const tags = new Map<string, Record<string, string>>()
  try {
    for (let i = 0; i < arns.length; i += 100) {
      let token: string | undefined
      do {
        const page = await tagging.send(new GetResourcesCommand({ResourceARNList: arns.slice(i, i + 100), ...(token ? {PaginationToken: token} : {})}))
        for (const mapping of page.ResourceTagMappingList ?? []) {
          if (mapping.ResourceARN) tags.set(mapping.ResourceARN, Object.fromEntries((mapping.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])))
        }
        token = page.PaginationToken || undefined
      } while (token)
    }
  } catch (error) {
    throw mapAwsError(error, {action: 'tag:GetResources'})
  }
  return tags
}

function stackNameOfId(id: string | undefined): string | undefined {
  return id ? /:stack\/([^/]+)\//.exec(id)?.[1] : undefined
}

async function readStack(cfn: CloudFormationClient, name: string): Promise<StackFacts> {
  const {DescribeStacksCommand, GetTemplateCommand} = await import('@aws-sdk/client-cloudformation')
  const facts: StackFacts = {name, parameters: {}}
  try {
    const described = await cfn.send(new DescribeStacksCommand({StackName: name}))
    const stack = described.Stacks?.[0]
    for (const parameter of stack?.Parameters ?? []) {
      if (parameter.ParameterKey) facts.parameters[parameter.ParameterKey] = parameter.ResolvedValue ?? parameter.ParameterValue ?? ''
    }
    const root = stackNameOfId(stack?.RootId)
    if (root && stack?.ParentId) facts.rootStack = root
  } catch (error) {
    const mapped = mapAwsError(error, {action: 'cloudformation:DescribeStacks'})
    facts.error = {code: mapped.code, message: mapped.message, action: 'cloudformation:DescribeStacks'}
    return facts
  }
  try {
    const got = await cfn.send(new GetTemplateCommand({StackName: name, TemplateStage: 'Processed'}))
    const body = got.TemplateBody
    const template = typeof body === 'string' ? await parseTemplate(body) : isTemplate(body) ? body : undefined
    if (template) facts.template = template
    else facts.error = {code: 'UNREADABLE_TEMPLATE', message: `the template of stack ${name} is neither JSON nor YAML`, action: 'cloudformation:GetTemplate'}
  } catch (error) {
    const mapped = mapAwsError(error, {action: 'cloudformation:GetTemplate'})
    facts.error = {code: mapped.code, message: mapped.message, action: 'cloudformation:GetTemplate'}
  }
  return facts
}

function isTemplate(value: unknown): value is Template {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Reads each stack once, a few at a time. */
export async function readStacks(cfn: CloudFormationClient, names: Iterable<string>): Promise<Map<string, StackFacts>> {
  const unique = [...new Set(names)]
  const facts = new Map<string, StackFacts>()
  await runPool(unique, STACK_READS_AT_ONCE, async (name) => {
    facts.set(name, await readStack(cfn, name))
  })
  return facts
}

/** The tags' answer, made precise by the stack: CDK and the Serverless Framework from the template, a nested stack's root. */
export function managedBy(tags: Readonly<Record<string, string>> | undefined, iacTags: readonly IacTag[], stacks: ReadonlyMap<string, StackFacts>): ManagedBy {
  const found = managedByFromTags(tags, iacTags)
  if (!found.stack) return found
  const stack = stacks.get(found.stack)
  if (!stack) return found
  if (stack.rootStack) found.rootStack = stack.rootStack
  if (stack.template && found.logicalId) {
    const tool = toolOfTemplate(stack.template, found.logicalId)
    if (tool?.tool === 'cdk' && tool.path) found.path = tool.path
    if (tool && found.tool === 'cloudformation') found.tool = tool.tool
  }
  return found
}

export interface IacFacts {
  /** By function ARN. */
  managed: Map<string, ManagedBy>
  /** By region and stack name. */
  stacks: Map<string, StackFacts>
  /** What could not be read, once each. */
  warnings: string[]
}

const stackKey = (region: string, stack: string) => `${region}/${stack}`

/** What readIac found deploys the function with this ARN ("unknown" for one it was not asked about). */
export function managedByOf(managed: ReadonlyMap<string, ManagedBy>, arn: string): ManagedBy {
  return managed.get(arn) ?? {tool: 'unknown'}
}

/** What readIac found for one function: what deploys it, what its template sets, and its stack. */
export function managedFactsOf(iac: IacFacts, fn: {arn: string; region: string}): {facts: ManagedFacts; stack?: StackFacts} {
  const managedBy = managedByOf(iac.managed, fn.arn)
  const stack = managedBy.stack ? iac.stacks.get(stackKey(fn.region, managedBy.stack)) : undefined
  const template = stack?.template && managedBy.logicalId ? tracingInTemplate(stack.template, managedBy.logicalId, stack.parameters) : undefined
  return {facts: {managedBy, ...(template ? {template} : {})}, ...(stack ? {stack} : {})}
}

/**
 * What manages each of these functions: their tags (one call per 100 functions and region), then,
 * when `templates`, each stack that holds some of them (DescribeStacks and GetTemplate, once a stack).
 */
export async function readIac(
  regional: RegionalClients,
  functions: readonly {arn: string; region: string}[],
  options: {iacTags: readonly IacTag[]; templates: boolean},
): Promise<IacFacts> {
  const facts: IacFacts = {managed: new Map(), stacks: new Map(), warnings: []}
  const byRegion = new Map<string, string[]>()
  for (const fn of functions) byRegion.set(fn.region, [...(byRegion.get(fn.region) ?? []), fn.arn])
  await Promise.all(
    [...byRegion].map(async ([region, arns]) => {
      let tags: Map<string, Record<string, string>>
      try {
        tags = await functionTags(await (await regional.forRegion(region)).tagging(), arns)
      } catch (error) {
        facts.warnings.push(`cannot read the functions' tags in ${region} (${(error as Error).message}): what manages them is unknown`)
        for (const arn of arns) facts.managed.set(arn, {tool: 'unknown'})
        return
      }
      const stacks = new Map<string, StackFacts>()
      if (options.templates) {
        const names = arns.map((arn) => tags.get(arn)?.['aws:cloudformation:stack-name']).filter((name): name is string => Boolean(name))
        if (names.length > 0) {
          for (const [name, stack] of await readStacks(await regional.cloudformation(region), names)) {
            stacks.set(name, stack)
            facts.stacks.set(stackKey(region, name), stack)
            if (stack.error) facts.warnings.push(`cannot read stack ${name} in ${region} (${stack.error.message})`)
          }
        }
      }
      for (const arn of arns) facts.managed.set(arn, managedBy(tags.get(arn), options.iacTags, stacks))
    }),
  )
  return facts
}
