import {functionNameOf} from '../traces/filter.js'
import type {GraphEdge, GraphNode, ServiceGraph} from './graph.js'
import {compareText} from '../text/compare.js'

/**
 * The service graph as a tree, from the entry points down (clients, API Gateway): each node under the
 * one that calls it, a node reached a second time shown once more as a reference (`↺ see above`), a
 * cycle cut and marked. `map FN` keeps the neighbourhood of the functions (what calls them, what they
 * call, `depth` hops each way); `--problems` keeps the nodes and edges with faults, errors or throttles
 * and their path from an entry. Pure.
 */

export interface MapRow {
  node: GraphNode
  /** The call this row was reached by (undefined for an entry point). */
  edge?: GraphEdge
  depth: number
  /** Already drawn above: a reference, not descended. */
  seen?: boolean
  /** The call goes back to a node on the way here: cut. */
  cycle?: boolean
}

export interface LayoutOptions {
  functions?: string[]
  depth?: number
  problems?: boolean
}

export function hasIssues(counts: {faults: number; errors: number; throttles: number}): boolean {
  return counts.faults > 0 || counts.errors > 0 || counts.throttles > 0
}

const FUNCTION_TYPES = new Set(['AWS::Lambda', 'AWS::Lambda::Function'])

/** The node ids a map keeps: all, a neighbourhood of functions, or the problems and their paths. */
export function keptNodes(graph: ServiceGraph, options: LayoutOptions): Set<string> {
  const out = new Map<string, GraphEdge[]>()
  const into = new Map<string, GraphEdge[]>()
  for (const edge of graph.edges) {
    out.set(edge.from, [...(out.get(edge.from) ?? []), edge])
    into.set(edge.to, [...(into.get(edge.to) ?? []), edge])
  }
  let kept = new Set(graph.nodes.map((node) => node.id))
  if (options.functions && options.functions.length > 0) {
    const names = new Set(options.functions.map(functionNameOf))
    const focus = graph.nodes.filter((node) => FUNCTION_TYPES.has(node.type) && names.has(node.name)).map((node) => node.id)
    const depth = options.depth ?? 2
    const near = new Set(focus)
    const spread = (links: Map<string, GraphEdge[]>, pick: (edge: GraphEdge) => string) => {
      let frontier = [...focus]
      // The Lambda service and function nodes of one function count as one hop.
      for (let hop = 0; hop <= depth && frontier.length > 0; hop++) {
        const next: string[] = []
        for (const id of frontier) {
          for (const edge of links.get(id) ?? []) {
            const other = pick(edge)
            if (near.has(other)) continue
            near.add(other)
            const target = graph.nodes.find((node) => node.id === other)
            const sameFunction = target && FUNCTION_TYPES.has(target.type) && names.has(target.name)
            if (hop < depth || sameFunction) next.push(other)
          }
        }
        frontier = next
      }
    }
    spread(out, (edge) => edge.to)
    spread(into, (edge) => edge.from)
    kept = new Set([...kept].filter((id) => near.has(id)))
  }
  if (options.problems) {
    const troubled = new Set<string>()
    for (const node of graph.nodes) if (kept.has(node.id) && hasIssues(node)) troubled.add(node.id)
    for (const edge of graph.edges) {
      if (kept.has(edge.from) && kept.has(edge.to) && hasIssues(edge)) {
        troubled.add(edge.from)
        troubled.add(edge.to)
      }
    }
    // And the way there from an entry point.
    const stack = [...troubled]
    while (stack.length > 0) {
      const id = stack.pop()!
      for (const edge of into.get(id) ?? []) {
        if (!kept.has(edge.from) || troubled.has(edge.from)) continue
        troubled.add(edge.from)
        stack.push(edge.from)
      }
    }
    kept = troubled
  }
  return kept
}

export function layoutMap(graph: ServiceGraph, options: LayoutOptions = {}): MapRow[] {
  const kept = keptNodes(graph, options)
  const byId = new Map(graph.nodes.map((node) => [node.id, node]))
  const edges = graph.edges.filter((edge) => kept.has(edge.from) && kept.has(edge.to))
  const out = new Map<string, GraphEdge[]>()
  const incoming = new Set<string>()
  for (const edge of edges) {
    out.set(edge.from, [...(out.get(edge.from) ?? []), edge])
    incoming.add(edge.to)
  }
  for (const list of out.values()) list.sort((a, b) => b.requests - a.requests || compareText(a.to, b.to))
  const nodes = graph.nodes.filter((node) => kept.has(node.id))
  // Entry points: clients and roots first, then any node nothing (kept) calls.
  const entries = nodes
    .filter((node) => !incoming.has(node.id))
    .sort((a, b) => Number(b.type === 'client') - Number(a.type === 'client') || Number(b.root) - Number(a.root) || b.requests - a.requests || compareText(a.id, b.id))
  const rows: MapRow[] = []
  const drawn = new Set<string>()
  const visit = (start: GraphNode) => {
    const stack: {node: GraphNode; edge?: GraphEdge; depth: number; path: Set<string>}[] = [{node: start, depth: 0, path: new Set()}]
    while (stack.length > 0) {
      const {node, edge, depth, path} = stack.pop()!
      if (path.has(node.id)) {
        rows.push({node, ...(edge ? {edge} : {}), depth, cycle: true})
        continue
      }
      if (drawn.has(node.id)) {
        rows.push({node, ...(edge ? {edge} : {}), depth, seen: true})
        continue
      }
      drawn.add(node.id)
      rows.push({node, ...(edge ? {edge} : {}), depth})
      const next = new Set(path).add(node.id)
      const children = out.get(node.id) ?? []
      for (let i = children.length - 1; i >= 0; i--) stack.push({node: byId.get(children[i]!.to)!, edge: children[i]!, depth: depth + 1, path: next})
    }
  }
  for (const entry of entries) visit(entry)
  // Whatever is left sits on a cycle no entry reaches: start from it.
  for (const node of nodes) if (!drawn.has(node.id)) visit(node)
  return rows
}
