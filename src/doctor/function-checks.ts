import {roleNameFromArn} from '../permissions/role.js'
import {sanitize} from '../text/sanitize.js'
import type {FunctionState} from '../tracing/select.js'
import type {PublishedAlias} from '../tracing/status.js'
import {type Check, check, daemonMemoryMb, REASONS, undecided} from './checks.js'

/**
 * Checks that need nothing but the function's configuration and aliases. Pure. Environment values are
 * shown only for the X-Ray variables (the only ones xtrace keeps), cut short and sanitised.
 */

const CONTEXT_MISSING_VALUES = ['RUNTIME_ERROR', 'LOG_ERROR', 'IGNORE_ERROR']
/** Above this share of the function's memory, the daemon's reservation is worth a warning. */
const DAEMON_SHARE_WARNING = 0.1

function shown(value: string): string {
  const text = sanitize(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

export function functionChecks(fn: FunctionState, aliases: PublishedAlias[] | undefined, bin: string): Check[] {
  const checks: Check[] = []
  const name = fn.name
  checks.push(check('function.exists', 'ok', `${fn.runtime ?? 'unknown runtime'}, ${fn.memory ?? '?'} MB, role ${sanitize(roleNameFromArn(fn.role))}`))

  checks.push(
    fn.mode === 'Active'
      ? check('function.tracing', 'ok', 'Active: Lambda samples requests itself and sends the function\'s segments')
      : check(
          'function.tracing',
          'warn',
          'PassThrough: traced only when an upstream service (API Gateway, another traced function…) sends a sampled tracing header',
          `${bin} doctor ${name} --fix   (or: ${bin} enable ${name})`,
        ),
  )

  const status = fn.lastUpdateStatus
  if (status === 'Failed') {
    checks.push(check('function.update', 'fail', `the last update Failed${fn.lastUpdateStatusReason ? `: ${shown(fn.lastUpdateStatusReason)}` : ''}`, 'fix the cause, then update the function again'))
  } else if (status === 'InProgress') {
    checks.push(check('function.update', 'warn', 'an update is in progress: the configuration may still change', `check again shortly: ${bin} status ${name}`))
  } else {
    checks.push(status ? check('function.update', 'ok', `last update ${status}`) : undecided('function.update', REASONS.lambdaSilent, 'Lambda did not say how the last update went'))
  }

  if (aliases === undefined) {
    checks.push(undecided('function.versions', REASONS.awsCall, 'aliases could not be listed (lambda:ListAliases failed)'))
  } else {
    const frozen = aliases.filter((alias) => alias.mode !== null && alias.mode !== fn.mode)
    checks.push(
      frozen.length === 0
        ? check('function.versions', 'ok', aliases.length === 0 ? 'no alias points at a published version' : `aliases on published versions have the same mode (${aliases.map((a) => `${sanitize(a.alias)}→${a.version}`).join(', ')})`)
        : check(
            'function.versions',
            'warn',
            `${frozen.map((a) => `${sanitize(a.alias)}→${a.version} (${a.mode})`).join(', ')}: published versions keep the mode they were published with`,
            'publish a new version and point the alias at it',
          ),
    )
  }

  const env = fn.xrayEnvironment ?? {}
  const contextMissing = env.AWS_XRAY_CONTEXT_MISSING
  if (contextMissing === undefined) {
    checks.push(check('env.context-missing', 'ok', 'AWS_XRAY_CONTEXT_MISSING not set: Lambda\'s default LOG_ERROR applies'))
  } else if (contextMissing === 'RUNTIME_ERROR') {
    checks.push(check('env.context-missing', 'warn', 'AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR: instrumented calls outside a traced context throw instead of logging', 'unset it (Lambda defaults to LOG_ERROR) unless failing loudly is what you want'))
  } else if (CONTEXT_MISSING_VALUES.includes(contextMissing)) {
    checks.push(check('env.context-missing', 'ok', `AWS_XRAY_CONTEXT_MISSING=${contextMissing}`))
  } else {
    checks.push(check('env.context-missing', 'fail', `AWS_XRAY_CONTEXT_MISSING="${shown(contextMissing)}" is not a valid value (${CONTEXT_MISSING_VALUES.join(', ')})`, 'set it to LOG_ERROR or remove it'))
  }

  const handSet = ['AWS_XRAY_DAEMON_ADDRESS', '_X_AMZN_TRACE_ID'].filter((key) => key in env)
  checks.push(
    handSet.length === 0
      ? check('env.reserved', 'ok', 'AWS_XRAY_DAEMON_ADDRESS and _X_AMZN_TRACE_ID are left to Lambda')
      : check(
          'env.reserved',
          'warn',
          `${handSet.map((key) => `${key}=${shown(env[key]!)}`).join(', ')} set by hand: Lambda sets ${handSet.length > 1 ? 'these' : 'it'} for every invocation; a fixed value sends segments astray or ties invocations to one trace`,
          `remove ${handSet.join(' and ')} from the function's environment variables`,
        ),
  )

  if (fn.memory === undefined) {
    checks.push(undecided('env.daemon-memory', REASONS.lambdaSilent, 'memory size unknown'))
  } else {
    const daemon = daemonMemoryMb(fn.memory)
    const share = daemon / fn.memory
    const figure = `the X-Ray daemon takes ${daemon} MB of the function's ${fn.memory} MB (${(share * 100).toFixed(1)}%)`
    checks.push(
      share >= DAEMON_SHARE_WARNING && fn.mode === 'Active'
        ? check('env.daemon-memory', 'warn', figure, 'if the function runs close to its memory limit, give it more memory')
        : check('env.daemon-memory', 'ok', figure),
    )
  }
  return checks
}
