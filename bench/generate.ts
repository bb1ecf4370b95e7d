/**
 * Synthetic traces of any size for benchmarks: a Lambda-shaped root and a deterministic tree of
 * HTTP / AWS / custom subsegments, split across many documents the way X-Ray stores them (each
 * document a subtree of about 100 nodes, linked to the previous one by parent_id), as a
 * BatchGetTraces response with Documents as strings.
 */

const TRACE_ID = '1-6b300000-0123456789abcdef01234567'
const NODES_PER_DOCUMENT = 100

interface Doc {
  id: string
  name: string
  start_time: number
  end_time: number
  trace_id?: string
  parent_id?: string
  origin?: string
  namespace?: string
  http?: Record<string, unknown>
  aws?: Record<string, unknown>
  error?: boolean
  fault?: boolean
  annotations?: Record<string, unknown>
  subsegments?: Doc[]
}

function id(n: number): string {
  return n.toString(16).padStart(16, '0')
}

export function generateTrace(nodeCount: number): {Traces: {Id: string; Duration: number; Segments: {Id: string; Document: string}[]}[]} {
  const start = 1795500000
  const documents: Doc[] = []
  let made = 0
  let previousLeaf: string | undefined
  while (made < nodeCount) {
    const documentStart = made
    const offset = made / nodeCount
    made++
    const root: Doc = {
      id: id(made),
      name: made === 1 ? 'orders-api' : `worker-${documents.length}`,
      start_time: start + offset,
      end_time: start + offset + 0.9,
      trace_id: TRACE_ID,
      origin: made === 1 ? 'AWS::Lambda::Function' : 'AWS::ECS::Container',
      ...(previousLeaf ? {parent_id: previousLeaf} : {}),
      subsegments: [],
    }
    // Breadth first, four children a node, until the document holds its share.
    const queue: Doc[] = [root]
    let last = root
    for (let slot = 0; made < nodeCount && made - documentStart < NODES_PER_DOCUMENT; slot++) {
      const parent = queue[Math.floor(slot / 4)]!
      const n = ++made
      const kind = n % 5
      const childStart = parent.start_time + 0.001 * (n % 7)
      const child: Doc = {
        id: id(n),
        name: kind === 0 ? 'DynamoDB' : kind === 1 ? 'api.example.com' : kind === 2 ? 'SQS' : `step-${n}`,
        start_time: childStart,
        end_time: childStart + 0.05,
        ...(kind === 0 ? {namespace: 'aws', aws: {operation: 'GetItem', table_name: 'orders'}, http: {response: {status: 200}}} : {}),
        ...(kind === 1
          ? {namespace: 'remote', http: {request: {method: 'GET', url: 'https://api.example.com/v1/items'}, response: {status: n % 50 === 1 ? 503 : 200}}, fault: n % 50 === 1}
          : {}),
        ...(kind === 2 ? {namespace: 'aws', aws: {operation: 'SendMessage', queue_url: 'https://sqs.eu-west-1.amazonaws.com/1/jobs'}} : {}),
        ...(kind === 3 ? {annotations: {n}} : {}),
      }
      ;(parent.subsegments ??= []).push(child)
      queue.push(child)
      last = child
    }
    previousLeaf = last.id
    documents.push(root)
  }
  let end = start
  for (const doc of documents) end = Math.max(end, doc.end_time)
  return {
    Traces: [
      {
        Id: TRACE_ID,
        Duration: Math.round((end - start) * 1000) / 1000,
        Segments: documents.map((doc) => ({Id: doc.id, Document: JSON.stringify(doc)})),
      },
    ],
  }
}
