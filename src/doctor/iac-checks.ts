import {templateMode} from '../iac/drift.js'
import {isManaged, type ManagedBy} from '../iac/managed.js'
import {stickSnippets} from '../iac/snippets.js'
import type {StackFacts} from '../iac/stacks.js'
import {tracingInTemplate} from '../iac/template.js'
import type {TracingMode} from '../tracing/refs.js'
import {check, type Check, REASONS, undecided} from './checks.js'

/**
 * `iac.template`: does the template of the stack that deploys a function set the tracing mode the
 * function has now? If not, the next deploy changes it back. Pure: the stack was read once, before.
 * Terraform's configuration cannot be read from AWS: no check for it.
 */
export function templateCheck(fn: {name: string; mode: TracingMode}, managed: ManagedBy, stack: StackFacts | undefined): Check | undefined {
  if (!isManaged(managed) || managed.tool === 'terraform' || !managed.stack) return undefined
  const where = `stack ${managed.stack}${managed.rootStack && managed.rootStack !== managed.stack ? ` nested in ${managed.rootStack}` : ''}${managed.logicalId ? `, ${managed.logicalId}` : ''}`
  if (!stack || stack.error || !stack.template) {
    const why = stack?.error ? `${stack.error.message}` : 'it was not read'
    return undecided('iac.template', REASONS.template, `cannot read the template of stack ${managed.stack}: ${why}`, stack?.error ? `allow ${stack.error.action} for the caller` : undefined)
  }
  if (!managed.logicalId) return undecided('iac.template', REASONS.template, `the function's tags do not name its logical id in ${where}`)
  const tracing = tracingInTemplate(stack.template, managed.logicalId, stack.parameters)
  const snippet = stickSnippets([{function: fn.name, managedBy: managed}], fn.mode)[0]
  const fix = snippet ? `to keep ${fn.mode}, ${snippet.place}: ${snippet.lines.map((line) => line.trim()).join(' ')}` : undefined
  if (tracing.kind === 'missing') return undecided('iac.template', REASONS.template, `the template of stack ${managed.stack} has no resource ${managed.logicalId}: the tags may be stale`)
  if (tracing.kind === 'computed') {
    const parameters = tracing.parameters.map((name) => `${name} = ${stack.parameters[name] ?? '(default)'}`).join(', ')
    const outcome = tracing.resolved
      ? `; with the stack's parameters now (${parameters}) it gives ${tracing.resolved}${tracing.resolved === fn.mode ? ', as live' : `, not ${fn.mode} as live: a deploy with them turns tracing ${tracing.resolved === 'Active' ? 'on' : 'off'}`}`
      : `${parameters ? ` (parameters now: ${parameters})` : ''}; xtrace cannot work out what it gives`
    return undecided('iac.template', REASONS.template, `the template computes the mode: ${tracing.expression} (${where})${outcome}`, tracing.resolved === fn.mode ? undefined : fix)
  }
  const mode = templateMode(tracing)!
  const says = tracing.kind === 'absent' ? `the template sets no TracingConfig (PassThrough)` : `the template sets ${mode}`
  if (mode === fn.mode) return check('iac.template', 'ok', `${says}, as live (${where})`)
  return check('iac.template', 'warn', `live ${fn.mode}, template ${mode} (${where}): the next deploy turns tracing ${mode === 'Active' ? 'on' : 'off'}`, fix)
}
