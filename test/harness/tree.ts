import type {TraceNode} from '../../src/traces/types.js'

/**
 * Every node, parents before children, siblings in order: the plain walk the tests hold the tree to (assembly makes
 * its own, sorting children on the way, src/traces/assemble.ts walkInStartOrder).
 */
export function walk(roots: TraceNode[]): TraceNode[] {
  const out: TraceNode[] = []
  const stack: TraceNode[] = []
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i]!)
  while (stack.length > 0) {
    const node = stack.pop()!
    out.push(node)
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!)
  }
  return out
}
