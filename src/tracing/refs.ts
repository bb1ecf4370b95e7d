import {UsageError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'

/**
 * Function references as users type them: `my-fn`, a partial ARN `123456789012:function:my-fn`, or
 * a full ARN. Only `$LATEST` can change — a published version's configuration is immutable — so a
 * qualifier (`my-fn:3`, `my-fn:prod`, `…:function:my-fn:prod`) is refused up front with the reason.
 */

export type TracingMode = 'Active' | 'PassThrough'

export interface FunctionRef {
  /** As the user wrote it, for messages. */
  input: string
  name: string
  /** From a full ARN: the function lives there, whatever --region says. */
  region?: string
  account?: string
  partition?: string
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/
const FULL_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([^:]+)(?::(.+))?$/
const PARTIAL_ARN = /^(\d{12}):function:([^:]+)(?::(.+))?$/

export function parseFunctionRef(raw: string): FunctionRef {
  const input = raw.trim()
  let name: string
  let qualifier: string | undefined
  let ref: Omit<FunctionRef, 'name' | 'input'> = {}
  const full = FULL_ARN.exec(input)
  const partial = PARTIAL_ARN.exec(input)
  if (full) {
    ref = {partition: full[1]!, region: full[2]!, account: full[3]!}
    name = full[4]!
    qualifier = full[5]
  } else if (partial) {
    ref = {account: partial[1]!}
    name = partial[2]!
    qualifier = partial[3]
  } else if (input.startsWith('arn:')) {
    throw new UsageError(`${sanitize(input)} is not a Lambda function ARN`, [
      'use a function name, or an ARN like arn:aws:lambda:us-east-1:123456789012:function:my-fn',
    ], 'BAD_FUNCTION')
  } else {
    const parts = input.split(':')
    name = parts[0]!
    qualifier = parts.length > 1 ? parts.slice(1).join(':') : undefined
  }
  if (!NAME.test(name)) {
    throw new UsageError(`${sanitize(input)} is not a valid Lambda function name (letters, digits, - and _, at most 64)`, [
      'check the name with: xtrace status',
    ], 'BAD_FUNCTION')
  }
  if (qualifier !== undefined && qualifier !== '$LATEST') {
    throw new UsageError(
      `${sanitize(input)} names a published version or alias: only $LATEST can change, a published version's configuration is immutable`,
      [`name the function without ":${sanitize(qualifier)}"; versions you publish afterwards carry the new mode`],
      'QUALIFIED_FUNCTION',
    )
  }
  return {input, name, ...ref}
}

/** Names from stdin or a file: whitespace or comma separated, `#` comments. */
export function namesFromText(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(/[\s,]+/))
    .filter((word) => word.length > 0)
}
