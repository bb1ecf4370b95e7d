import type {AwsOptions} from '../aws/clients.js'
import {buildShowModel, type ShowModel} from './model.js'
import {mergeParsedInputs, parseTraceValue} from './parse.js'
import {readTraceInputs} from './input.js'
import {InputError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'
import type {TimeRangeType} from './search.js'
import type {ParsedInput} from './types.js'
import {iso, type TimeWindow} from './window.js'

/** The service behind `xtrace show`: read files, fetch ids, build the one model. Prints nothing. */

export interface ShowRequest {
  traceIds: string[]
  files: string[]
  /**
   * Where `-` reads from: the command's standard input. Asked for only then: making the stdin
   * stream costs ~2.5 ms, a tenth of what `show --file` of a small trace costs.
   */
  stdin: () => NodeJS.ReadStream
  aws: AwsOptions
  waitSeconds?: number
  pollIntervalMs?: number
  onWait?: (pending: string[], secondsLeft: number) => void
  /** `--function` and the search flags: the traces to draw are found first. */
  search?: ShowSearch
}

export interface ShowSearch {
  window: TimeWindow
  filter?: string
  timeRangeType: TimeRangeType
  pick: 'latest' | 'slowest'
  count: number
}

/** The ids a `show --function …` search picks: the newest (or slowest) `count` of the window. */
export async function pickTraceIds(aws: AwsOptions, search: ShowSearch): Promise<string[]> {
  const [{createXRayClient}, {listTraces}] = await Promise.all([import('../aws/clients.js'), import('./list.js')])
  const client = await createXRayClient(aws)
  const ids: string[] = []
  try {
    await listTraces(
      client,
      {window: search.window, ...(search.filter ? {filter: search.filter} : {}), timeRangeType: search.timeRangeType, sample: false, limit: search.count, sort: search.pick === 'latest' ? '-start' : '-duration', documents: 'none', functions: []},
      (listings) => ids.push(...listings.map((listing) => listing.id)),
    )
  } finally {
    client.destroy()
  }
  if (ids.length === 0) {
    throw new InputError(`no traces from ${iso(search.window.start)} to ${iso(search.window.end)}${search.filter ? ` matching ${sanitize(search.filter)}` : ''}`, [
      'a longer window (--since 2h), or fewer filters; is tracing Active and are traces arriving? xtrace doctor FUNCTION',
    ], 'NO_TRACES')
  }
  return ids
}

export async function loadShowModel(request: ShowRequest): Promise<ShowModel> {
  const inputs: ParsedInput[] = []
  if (request.files.length > 0) {
    const read = await readTraceInputs(request.files, request.stdin)
    inputs.push(read)
    // A piped `xtrace traces --ids` lists ids: they are fetched like ids given as arguments.
    if (read.idsToFetch) request.traceIds = [...new Set([...request.traceIds, ...read.idsToFetch])]
  }
  if (request.search) request.traceIds = [...new Set([...request.traceIds, ...(await pickTraceIds(request.aws, request.search))])]
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
