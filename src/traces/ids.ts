import {UsageError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import {shellWord} from '../text/shell.js'

/** What `xtrace show` accepts as a trace id, shown when an argument matches none of them. */
export const ACCEPTED_TRACE_ID_FORMS = [
  'X-Ray trace id            1-5759e988-bd862e3fe1be46a994272793',
  'W3C / OpenTelemetry id    5759e988bd862e3fe1be46a994272793 (or a whole traceparent 00-…-…-01)',
  'tracing header            Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  'Lambda log line           … XRAY TraceId: 1-5759e988-bd862e3fe1be46a994272793 SegmentId: …',
]

const XRAY_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/i
const W3C_ID = /^[0-9a-f]{32}$/i
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/i
const ROOT_FIELD = /(?:^|[;\s:=])Root=(1-[0-9a-f]{8}-[0-9a-f]{24})(?![0-9a-z])/i
const LOG_LINE = /TraceId:\s*(1-[0-9a-f]{8}-[0-9a-f]{24})(?![0-9a-z])/i

function fromW3c(hex: string): string | undefined {
  // An all-zero trace id is invalid in W3C trace context.
  if (/^0+$/.test(hex)) return undefined
  const lower = hex.toLowerCase()
  return `1-${lower.slice(0, 8)}-${lower.slice(8)}`
}

/** The X-Ray trace id in one of the accepted forms, or undefined. */
export function extractTraceId(input: string): string | undefined {
  const text = input.trim()
  if (XRAY_ID.test(text)) return text.toLowerCase()
  if (W3C_ID.test(text)) return fromW3c(text)
  const parent = TRACEPARENT.exec(text)
  if (parent?.[1]) return fromW3c(parent[1])
  const root = ROOT_FIELD.exec(text) ?? LOG_LINE.exec(text)
  return root?.[1]?.toLowerCase()
}

/**
 * Every argument as an X-Ray trace id, de-duplicated in order; a usage error names the first bad one.
 * `isFile` tells a saved trace given without --file from a mistyped id.
 */
export function parseTraceIdArguments(args: string[], isFile: (arg: string) => boolean = () => false): string[] {
  const ids: string[] = []
  for (const arg of args) {
    const id = extractTraceId(arg)
    if (!id && isFile(arg)) {
      throw new UsageError(`${sanitize(arg)} is a file, not a trace id: saved traces are read with --file`, [`xtrace show --file ${shellWord(arg)}`], 'BAD_TRACE_ID')
    }
    if (!id) {
      const shown = arg.length > 80 ? `${arg.slice(0, 77)}...` : arg
      throw new UsageError(
        `'${sanitize(shown)}' is not a trace id. Accepted forms:\n  ${ACCEPTED_TRACE_ID_FORMS.join('\n  ')}`,
        ['xtrace show --help'],
        'BAD_TRACE_ID',
      )
    }
    if (!ids.includes(id)) ids.push(id)
  }
  return ids
}

