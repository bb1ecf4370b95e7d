import type {TracingMode} from '../tracing/refs.js'
import {type IacTool, isManaged, type ManagedBy, TOOL_NAMES} from './managed.js'

/**
 * The change that makes a tracing mode stick, in the words of the tool that manages the functions:
 * one snippet per stack (or per --iac-tag), naming the functions it applies to.
 */

export interface ManagedFunction {
  function: string
  managedBy: ManagedBy
}

export interface StickSnippet {
  tool: IacTool
  /** The stack (or the tag) the snippet is for. */
  where: string
  /** Logical ids (CDK: construct paths; Terraform: function names) it applies to. */
  targets: string[]
  /** Where in the source the lines go. */
  place: string
  lines: string[]
}

function body(tool: IacTool, mode: TracingMode, several: boolean, names: string[]): {place: string; lines: string[]} {
  const active = mode === 'Active'
  switch (tool) {
    case 'cloudformation':
      return {place: "in each function's Properties", lines: ['TracingConfig:', `  Mode: ${mode}`]}
    case 'sam':
      return several
        ? {place: 'in the template, for every function of it', lines: ['Globals:', '  Function:', `    Tracing: ${mode}`]}
        : {place: "in the function's Properties", lines: [`Tracing: ${mode}`]}
    case 'cdk':
      return {place: "in each function's props", lines: [`tracing: lambda.Tracing.${active ? 'ACTIVE' : 'PASS_THROUGH'},`]}
    case 'serverless':
      return {place: 'in serverless.yml', lines: ['provider:', '  tracing:', `    lambda: ${active ? 'true' : 'PassThrough'}`]}
    case 'amplify':
      return {
        place: 'in amplify/backend.ts, for each function',
        lines: names.map((name) => `backend.${amplifyName(name)}.resources.cfnResources.cfnFunction.tracingConfig = {mode: '${mode}'}`),
      }
    case 'terraform':
      return {place: 'in each aws_lambda_function resource', lines: ['tracing_config {', `  mode = "${mode}"`, '}']}
  }
}

/** Amplify's backend key of a function: its logical id without CloudFormation's hash suffix, a guess the user can correct. */
function amplifyName(logicalId: string): string {
  const trimmed = logicalId.replace(/[0-9A-F]{8}$/, '').replace(/LambdaFunction$|Function$/, '')
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1) || logicalId
}

export function stickSnippets(functions: readonly ManagedFunction[], mode: TracingMode): StickSnippet[] {
  const groups = new Map<string, {tool: IacTool; where: string; targets: string[]}>()
  for (const {function: name, managedBy} of functions) {
    if (!isManaged(managedBy)) continue
    const where = managedBy.tool === 'terraform' ? `functions tagged ${managedBy.tag ?? '?'}` : `stack ${managedBy.rootStack && managedBy.rootStack !== managedBy.stack ? `${managedBy.stack} (nested in ${managedBy.rootStack})` : (managedBy.stack ?? '?')}`
    const key = `${managedBy.tool}\u0000${where}`
    const target = managedBy.tool === 'terraform' ? name : managedBy.tool === 'cdk' && managedBy.path ? managedBy.path.replace(/\/Resource$/, '') : (managedBy.logicalId ?? name)
    const group = groups.get(key) ?? {tool: managedBy.tool, where, targets: []}
    if (!group.targets.includes(target)) group.targets.push(target)
    groups.set(key, group)
  }
  return [...groups.values()].map((group) => ({...group, ...body(group.tool, mode, group.targets.length > 1, group.targets)}))
}

/** One snippet as text: what it is for, where it goes, the lines indented. */
export function formatSnippet(snippet: StickSnippet): string {
  return [`${TOOL_NAMES[snippet.tool]}, ${snippet.where} (${snippet.targets.join(', ')}): ${snippet.place}`, ...snippet.lines.map((line) => `    ${line}`)].join('\n')
}
