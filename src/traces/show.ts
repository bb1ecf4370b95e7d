import type {AwsOptions} from '../aws/clients.js'
import {buildShowModel, type ShowModel} from './model.js'
import {mergeParsedInputs, parseTraceValue} from './parse.js'
import {readTraceInputs} from './input.js'
import type {ParsedInput} from './types.js'

/** The service behind `xtrace show`: read files, fetch ids, build the one model. Prints nothing. */

export interface ShowRequest {
  traceIds: string[]
  files: string[]
  aws: AwsOptions
  waitSeconds?: number
  pollIntervalMs?: number
  onWait?: (pending: string[], secondsLeft: number) => void
}

export async function loadShowModel(request: ShowRequest): Promise<ShowModel> {
  const inputs: ParsedInput[] = []
  if (request.files.length > 0) inputs.push(await readTraceInputs(request.files))
  if (request.traceIds.length > 0) {
    // Loaded only when ids are given: offline rendering never touches the SDK.
    const [{createXRayClient}, {fetchTraces}, {mapAwsError}] = await Promise.all([
      import('../aws/clients.js'),
      import('./fetch.js'),
      import('../aws/errors.js'),
    ])
    const client = await createXRayClient(request.aws)
    try {
      const fetched = await fetchTraces(client, request.traceIds, {
        ...(request.waitSeconds === undefined ? {} : {waitSeconds: request.waitSeconds}),
        ...(request.pollIntervalMs === undefined ? {} : {pollIntervalMs: request.pollIntervalMs}),
        ...(request.onWait ? {onWait: request.onWait} : {}),
      })
      inputs.push(parseTraceValue(fetched, 'X-Ray'))
    } catch (error) {
      const context = {action: 'xray:BatchGetTraces', ...(request.aws.profile ? {profile: request.aws.profile} : {})}
      throw mapAwsError(error, request.aws.endpointUrl ? {...context, endpointUrl: request.aws.endpointUrl} : context)
    } finally {
      client.destroy()
    }
  }
  return buildShowModel(mergeParsedInputs(inputs), request.traceIds)
}
