import {Args, Flags} from '@oclif/core'

import {XtraceCommand} from '../cli/base-command.js'
import {awsFlags, awsOptionsFrom, windowFlags} from '../cli/flags.js'
import type {ServiceGraph} from '../map/graph.js'
import {currentTerminal, makeChalk, outputWidth, supportsUnicode} from '../cli/output.js'
import {functionNameOf} from '../traces/filter.js'
import {resolveWindow} from '../traces/window.js'

export interface MapJson {
  window: {start: string; end: string}
  nodes: {id: string; name: string; type: string; root: boolean; requests: number; perMinute: number; faults: number; errors: number; throttles: number; responseTime: {avg: number | null; p95: number | null}}[]
  edges: {from: string; to: string; requests: number; faults: number; errors: number; throttles: number; responseTime: {avg: number | null; p95: number | null}}[]
}

export default class ServiceMap extends XtraceCommand {
  static override summary = 'Draw the service map: what calls what, and how well it goes.'

  static override description = [
    'Reads X-Ray\'s service graph (GetServiceGraph) over a window (default: the last 15 minutes) and draws it as a tree from the entry points down: each service with its requests, rate, fault, error and throttle shares and response times (average and p95, from X-Ray\'s own histograms), and the call that reached it. A service reached twice is shown once and referred to; cycles are cut. Lambda appears twice per function, as X-Ray records it: the Lambda service (time in Lambda, queueing and retries included) and the function (its execution).',
    'Functions named as arguments keep their neighbourhood: what calls them and what they call, --depth hops each way. --problems keeps what failed and the way to it from an entry point.',
    'EXIT CODES\n  0  the map was drawn (also an empty one)\n  1  an AWS call failed\n  2  usage error',
  ].join('\n\n')

  static override examples = [
    {description: 'The whole map of the last hour', command: '<%= config.bin %> <%= command.id %> --since 1h'},
    {description: 'What a function calls and what calls it', command: '<%= config.bin %> <%= command.id %> orders-api --depth 1'},
    {description: 'Only what failed, and the way to it', command: '<%= config.bin %> <%= command.id %> --problems --since 6h'},
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs: draw their neighbourhood', ignoreStdin: true}),
  }

  static override flags = {
    depth: Flags.integer({description: 'with functions: how many calls away from them to show, each way', default: 2, min: 1, max: 10, helpValue: 'N'}),
    problems: Flags.boolean({description: 'only services and calls with faults, errors or throttles, and the way to them'}),
    group: Flags.string({description: 'an X-Ray group\'s graph (default: the Default group)', helpValue: 'NAME'}),
    ascii: Flags.boolean({description: 'plain ASCII guides', allowNo: true}),
    since: windowFlags.since,
    start: windowFlags.start,
    end: windowFlags.end,
    ...awsFlags,
  }

  public async run(): Promise<MapJson | undefined> {
    const {argv, flags} = await this.parse(ServiceMap)
    const functions = (argv as string[]).map(functionNameOf)
    const {window, notes} = resolveWindow(flags, Date.now() / 1000)
    for (const note of notes) this.printToStderr(`note: ${note}`)
    const [{createXRayClient}, {fetchServiceGraph, responseTimeOf}, {layoutMap, keptNodes}, {renderMap}] = await Promise.all([
      import('../aws/clients.js'),
      import('../map/graph.js'),
      import('../map/layout.js'),
      import('../render/map.js'),
    ])
    const client = await createXRayClient(awsOptionsFrom(flags))
    let graph: ServiceGraph
    try {
      graph = await fetchServiceGraph(client, window, flags.group)
    } finally {
      client.destroy()
    }
    const options = {functions, depth: flags.depth, problems: flags.problems === true}
    if (graph.nodes.length === 0) this.printToStderr(`no traces from ${new Date(window.start * 1000).toISOString()} to ${new Date(window.end * 1000).toISOString()}: the service graph is empty`)
    else if (functions.length > 0 && !graph.nodes.some((node) => functions.includes(node.name))) this.printToStderr(`note: ${functions.join(', ')} ${functions.length === 1 ? 'is' : 'are'} not in the service graph of the window`)
    if (this.jsonEnabled()) {
      const kept = keptNodes(graph, options)
      const minutes = Math.max(1 / 60, (window.end - window.start) / 60)
      return {
        window: {start: new Date(window.start * 1000).toISOString(), end: new Date(window.end * 1000).toISOString()},
        nodes: graph.nodes.filter((node) => kept.has(node.id)).map((node) => ({
          id: node.id, name: node.name, type: node.type, root: node.root, requests: node.requests,
          perMinute: Math.round((node.requests / minutes) * 1000) / 1000,
          faults: node.faults, errors: node.errors, throttles: node.throttles, responseTime: responseTimeOf(node),
        })),
        edges: graph.edges.filter((edge) => kept.has(edge.from) && kept.has(edge.to)).map((edge) => ({
          from: edge.from, to: edge.to, requests: edge.requests, faults: edge.faults, errors: edge.errors, throttles: edge.throttles, responseTime: responseTimeOf(edge),
        })),
      }
    }
    if (graph.nodes.length === 0) return undefined
    const terminal = currentTerminal()
    this.log(renderMap(graph, layoutMap(graph, options), {chalk: makeChalk(terminal), ascii: flags.ascii ?? !supportsUnicode(terminal), width: outputWidth(terminal)}))
    return undefined
  }
}
