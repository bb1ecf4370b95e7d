import type {XRayClient} from '@aws-sdk/client-xray'

import {mapAwsError} from '../aws/errors.js'
import {fetchTraces} from './fetch.js'
import {micro} from './listing.js'
import {buildShowModel, type ShowModel} from './model.js'
import {parseTraceValue} from './parse.js'
import type {TraceModel} from './types.js'

/**
 * What summaries cannot say, from the documents: cold starts. Fetched with BatchGetTraces (5 ids a
 * call, a few calls at once, fetch.ts) and read through the same pipeline as `xtrace show`.
 */

export interface ColdStart {
  /** null: the trace has no Lambda function segment (of the selected functions) to tell by. */
  coldStart: boolean | null
  initDuration?: number
}

/** Ids → the assembled and analysed traces, in the order asked. */
export async function fetchModels(client: XRayClient, ids: string[]): Promise<ShowModel> {
  try {
    const fetched = await fetchTraces(client, ids)
    return buildShowModel(parseTraceValue(fetched, 'X-Ray'), ids)
  } catch (error) {
    throw mapAwsError(error, {action: 'xray:BatchGetTraces'})
  }
}

/**
 * Whether a trace started cold: a function segment (of `functions`, when given) with an
 * `Initialization` subsegment. A trace with function segments but none cold is warm; one without any
 * is unknown, never "warm".
 */
export function coldStartOf(trace: TraceModel, functions: readonly string[]): ColdStart {
  const invocations = trace.lambda.filter((invocation) => invocation.functionSegmentId !== undefined && (functions.length === 0 || functions.includes(invocation.functionName)))
  if (invocations.length === 0) return {coldStart: null}
  const cold = invocations.filter((invocation) => invocation.coldStart)
  if (cold.length === 0) return {coldStart: false}
  const init = cold.reduce((sum, invocation) => sum + (invocation.initDuration ?? 0), 0)
  return {coldStart: true, ...(cold.some((invocation) => invocation.initDuration !== undefined) ? {initDuration: micro(init)} : {})}
}

/** Cold-start facts for each id; ids X-Ray did not return are unknown. */
export async function coldStarts(client: XRayClient, ids: string[], functions: readonly string[]): Promise<Map<string, ColdStart>> {
  const model = await fetchModels(client, ids)
  const out = new Map<string, ColdStart>(ids.map((id) => [id, {coldStart: null}]))
  for (const trace of model.traces) out.set(trace.id, coldStartOf(trace, functions))
  return out
}
