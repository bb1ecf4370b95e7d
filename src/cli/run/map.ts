import type {Interfaces} from '@oclif/core'

import type ServiceMap from '../../commands/map.js'
import type {ServiceGraph} from '../../map/graph.js'
import {functionNameOf} from '../../traces/filter.js'
import {resolveWindow} from '../../traces/window.js'
import {awsOptionsFrom} from '../flag-values.js'
import {printToStderr, printToStdout} from '../io.js'
import {currentTerminal, makeChalk, outputWidth, supportsUnicode} from '../output.js'
import type {CommandRun} from './command-run.js'

/**
 * The body of `xtrace map`, whichever entry runs it: oclif's (commands/map.ts) or the lean one
 * (cli/lean.ts).
 */

export interface MapJson {
  window: {start: string; end: string}
  nodes: {id: string; name: string; type: string; root: boolean; requests: number; perMinute: number; faults: number; errors: number; throttles: number; responseTime: {avg: number | null; p95: number | null}}[]
  edges: {from: string; to: string; requests: number; faults: number; errors: number; throttles: number; responseTime: {avg: number | null; p95: number | null}}[]
}

export type MapFlags = Interfaces.InferredFlags<(typeof ServiceMap)['flags'] & (typeof ServiceMap)['baseFlags']>

export async function runMap(command: CommandRun<MapFlags>): Promise<MapJson | undefined> {
  const {argv, flags} = await command.parse(command.argv)
  const functions = (argv as string[]).map(functionNameOf)
  const {window, notes} = resolveWindow(flags, Date.now() / 1000)
  for (const note of notes) printToStderr(`note: ${note}`)
  const [{createXRayClient}, {fetchServiceGraph, responseTimeOf}, {layoutMap, keptNodes}, {renderMap}] = await Promise.all([
    import('../../aws/clients.js'),
    import('../../map/graph.js'),
    import('../../map/layout.js'),
    import('../../render/map.js'),
  ])
  const client = await createXRayClient(awsOptionsFrom(flags))
  let graph: ServiceGraph
  try {
    graph = await fetchServiceGraph(client, window, flags.group)
  } finally {
    client.destroy()
  }
  const options = {functions, depth: flags.depth, problems: flags.problems === true}
  if (graph.nodes.length === 0) printToStderr(`no traces from ${new Date(window.start * 1000).toISOString()} to ${new Date(window.end * 1000).toISOString()}: the service graph is empty`)
  else if (functions.length > 0 && !graph.nodes.some((node) => functions.includes(node.name))) printToStderr(`note: ${functions.join(', ')} ${functions.length === 1 ? 'is' : 'are'} not in the service graph of the window`)
  if (command.json) {
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
  printToStdout(renderMap(graph, layoutMap(graph, options), {chalk: makeChalk(terminal), ascii: flags.ascii ?? !supportsUnicode(terminal), width: outputWidth(terminal)}))
  return undefined
}
