import type {TracingMode} from '../tracing/refs.js'
import {isManaged, type ManagedBy, TOOL_NAMES} from './managed.js'
import type {TemplateTracing} from './template.js'

/** What a deploy would do to a tracing change: the warning for one function, when there is one. */

export interface ManagedFacts {
  managedBy: ManagedBy
  /** What the stack's template sets, when it was read. */
  template?: TemplateTracing
}

/** The mode the template gives, when it is plain: written, CloudFormation's default, or decided by the stack's parameters. */
export function templateMode(template: TemplateTracing | undefined): TracingMode | undefined {
  if (!template) return undefined
  if (template.kind === 'literal') return template.mode
  if (template.kind === 'absent') return 'PassThrough'
  if (template.kind === 'computed') return template.resolved
  return undefined
}

/**
 * "orders-api is managed by stack orders-stack (logical id OrdersFn): the next deploy will set tracing
 * back to PassThrough unless the template sets it". None when the template already sets the new mode.
 */
export function driftWarning(name: string, facts: ManagedFacts | undefined, mode: TracingMode, previous: TracingMode): string | undefined {
  if (!facts || !isManaged(facts.managedBy)) return undefined
  const managed = facts.managedBy
  const fromTemplate = templateMode(facts.template)
  if (fromTemplate === mode) return undefined
  const back = fromTemplate ?? previous
  if (managed.tool === 'terraform') {
    return `${name} is managed by Terraform (tag ${managed.tag ?? '?'}): the next terraform apply will set tracing back to ${back} unless the configuration sets it`
  }
  const tool = managed.tool === 'cloudformation' ? '' : `${TOOL_NAMES[managed.tool]} `
  const nested = managed.rootStack && managed.rootStack !== managed.stack ? `, nested in ${managed.rootStack}` : ''
  const what = `${tool}stack ${managed.stack ?? '?'}${managed.logicalId ? ` (logical id ${managed.logicalId}${nested})` : nested ? ` (${nested.slice(2)})` : ''}`
  return `${name} is managed by ${what}: the next deploy will set tracing back to ${back} unless the template sets it`
}
