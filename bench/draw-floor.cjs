// The least a tree-with-timeline drawing of a saved BatchGetTraces response can cost, beyond parse-floor.cjs: read
// and parse the file and each Document, index every node (documents and their nested subsegments) by id, hang each
// document under its parent_id, then write one line a node, depth first: indentation, name, duration and a 30-cell
// bar. None of what `show` adds: no checks of the input, no sanitising, no critical path, self time or Lambda facts,
// no fitting of labels to the width, no folding, no colour. bench/run.ts times it beside `show --file` of the same
// file, so that a render's ratio to `node -e ''` can be told apart from what drawing any tree at all costs.
// CommonJS, like bin/run.cjs, so that it starts the way xtrace does; output to fd 1 with writeSync, as `show` writes
// to a file or /dev/null.
const {readFileSync, writeSync} = require('node:fs')

const response = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const byId = new Map()
const documents = []
let first = Infinity
let last = -Infinity
const index = (node) => {
  byId.set(node.id, node)
  if (node.start_time < first) first = node.start_time
  if (node.end_time > last) last = node.end_time
  const subsegments = node.subsegments
  if (subsegments) for (let i = 0; i < subsegments.length; i++) index(subsegments[i])
}
for (const trace of response.Traces) {
  for (const segment of trace.Segments) {
    const document = JSON.parse(segment.Document)
    documents.push(document)
    index(document)
  }
}
const roots = []
for (const document of documents) {
  const parent = document.parent_id === undefined ? undefined : byId.get(document.parent_id)
  if (parent) (parent.subsegments ??= []).push(document)
  else roots.push(document)
}

const CELLS = 30
const span = last - first || 1
let lines = []
const flush = () => {
  writeSync(1, `${lines.join('\n')}\n`)
  lines = []
}
const stack = roots.map((node) => [node, 0]).reverse()
while (stack.length > 0) {
  const [node, depth] = stack.pop()
  const from = Math.min(CELLS - 1, Math.floor(((node.start_time - first) / span) * CELLS))
  const to = Math.min(CELLS, Math.max(from + 1, Math.ceil(((node.end_time - first) / span) * CELLS)))
  const duration = `${((node.end_time - node.start_time) * 1000).toFixed(1)} ms`
  lines.push(`${'  '.repeat(Math.min(depth, 16))}${String(node.name).padEnd(40)} ${duration.padStart(10)} |${' '.repeat(from)}${'='.repeat(to - from)}${' '.repeat(CELLS - to)}|`)
  if (lines.length >= 1000) flush()
  const subsegments = node.subsegments
  if (subsegments) for (let i = subsegments.length - 1; i >= 0; i--) stack.push([subsegments[i], depth + 1])
}
flush()
