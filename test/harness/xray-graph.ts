/**
 * GetServiceGraph for the local endpoint, computed from stored documents as the X-Ray developer guide
 * describes the service map: a node per service (each segment's name and origin), an inferred node per
 * downstream call that sent no segment of its own (`aws` and `remote` subsegments: DynamoDB tables,
 * SQS queues, databases…), a `client` node before each entry service, an edge per call with its counts
 * (ok, 4xx with 429 among them, 5xx) and a response-time histogram.
 */

type Doc = Record<string, unknown>

interface Counts {
  total: number
  ok: number
  throttle: number
  error: number
  fault: number
  time: number
  histogram: Map<number, number>
}

interface Node extends Counts {
  name: string
  type: string
  root: boolean
  start: number
  end: number
  duration: Map<number, number>
}

const empty = (): Counts => ({total: 0, ok: 0, throttle: 0, error: 0, fault: 0, time: 0, histogram: new Map()})
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)

function count(into: Counts, doc: Doc): void {
  const start = num(doc.start_time) ?? 0
  const seconds = Math.max(0, (num(doc.end_time) ?? start) - start)
  into.total++
  if (doc.fault === true) into.fault++
  else if (doc.throttle === true) {
    into.throttle++
    into.error++
  } else if (doc.error === true) into.error++
  else into.ok++
  into.time += seconds
  // X-Ray's histograms bucket by value; milliseconds are fine for a test double.
  const bucket = Math.round(seconds * 1000) / 1000
  into.histogram.set(bucket, (into.histogram.get(bucket) ?? 0) + 1)
}

function walk(doc: Doc, visit: (node: Doc, owner: Doc) => void, owner: Doc = doc): void {
  const stack: [Doc, Doc][] = [[doc, owner]]
  while (stack.length > 0) {
    const [node, segment] = stack.pop()!
    visit(node, segment)
    for (const sub of Array.isArray(node.subsegments) ? (node.subsegments as Doc[]) : []) stack.push([sub, segment])
  }
}

function inferredType(sub: Doc): string {
  if (sub.namespace === 'remote') return 'remote'
  const aws = sub.aws as Doc | undefined
  if (typeof aws?.table_name === 'string') return 'AWS::DynamoDB::Table'
  if (typeof aws?.queue_url === 'string') return 'AWS::SQS::Queue'
  if (typeof aws?.topic_arn === 'string') return 'AWS::SNS::Topic'
  return `AWS::${String(sub.name)}`
}

export function serviceGraph(traces: Iterable<string[]>, window: {start: number; end: number}, account: string): Record<string, unknown>[] {
  const nodes = new Map<string, Node>()
  const edges = new Map<string, Counts & {from: string; to: string}>()
  const node = (name: string, type: string, at: number): Node => {
    const id = `${name}|${type}`
    let found = nodes.get(id)
    if (!found) {
      found = {name, type, root: false, start: at, end: at, duration: new Map(), ...empty()}
      nodes.set(id, found)
    }
    return found
  }
  const edge = (from: Node, to: Node): Counts => {
    const id = `${from.name}|${from.type}->${to.name}|${to.type}`
    let found = edges.get(id)
    if (!found) {
      found = {from: `${from.name}|${from.type}`, to: `${to.name}|${to.type}`, ...empty()}
      edges.set(id, found)
    }
    return found
  }
  for (const texts of traces) {
    const documents = texts.flatMap((text) => {
      try {
        return [JSON.parse(text) as Doc]
      } catch {
        return []
      }
    })
    const segments = documents.filter((doc) => doc.type !== 'subsegment')
    const start = Math.min(...segments.map((s) => num(s.start_time) ?? Infinity))
    if (!(start >= window.start && start <= window.end)) continue
    // Which subsegment each id belongs to, and the segment that owns it.
    const owners = new Map<string, {node: Doc; segment: Doc}>()
    for (const segment of segments) walk(segment, (n, owner) => owners.set(String(n.id), {node: n, segment: owner}))
    const called = new Set(segments.map((s) => s.parent_id).filter((id): id is string => typeof id === 'string'))
    for (const segment of segments) {
      const at = num(segment.start_time) ?? 0
      const service = node(String(segment.name), typeof segment.origin === 'string' ? segment.origin : 'service', at)
      count(service, segment)
      const duration = Math.round(Math.max(0, (num(segment.end_time) ?? at) - at) * 1000) / 1000
      service.duration.set(duration, (service.duration.get(duration) ?? 0) + 1)
      const parent = typeof segment.parent_id === 'string' ? owners.get(segment.parent_id) : undefined
      if (parent) {
        const caller = node(String(parent.segment.name), typeof parent.segment.origin === 'string' ? parent.segment.origin : 'service', at)
        count(edge(caller, service), parent.node.id === parent.segment.id ? segment : parent.node)
      } else {
        service.root = true
        const client = node(String(segment.name), 'client', at)
        count(edge(client, service), segment)
      }
      walk(segment, (sub) => {
        if (sub === segment || (sub.namespace !== 'aws' && sub.namespace !== 'remote') || called.has(String(sub.id))) return
        const target = node(String(sub.name), inferredType(sub), num(sub.start_time) ?? at)
        count(target, sub)
        count(edge(service, target), sub)
      })
    }
  }
  const ids = [...nodes.keys()]
  const histogram = (counts: Counts) => [...counts.histogram].map(([Value, Count]) => ({Value, Count}))
  const stats = (counts: Counts) => ({
    OkCount: counts.ok,
    ErrorStatistics: {ThrottleCount: counts.throttle, OtherCount: counts.error - counts.throttle, TotalCount: counts.error},
    FaultStatistics: {OtherCount: counts.fault, TotalCount: counts.fault},
    TotalCount: counts.total,
    TotalResponseTime: Math.round(counts.time * 1000) / 1000,
  })
  return [...nodes.entries()].map(([id, n], index) => ({
    ReferenceId: index,
    Name: n.name,
    Names: [n.name],
    ...(n.type === 'client' ? {} : {Root: n.root}),
    AccountId: account,
    Type: n.type,
    State: 'active',
    StartTime: window.start,
    EndTime: window.end,
    Edges: [...edges.values()].filter((e) => e.from === id).map((e) => ({
      ReferenceId: ids.indexOf(e.to),
      StartTime: window.start,
      EndTime: window.end,
      SummaryStatistics: stats(e),
      ResponseTimeHistogram: histogram(e),
      Aliases: [],
    })),
    ...(n.type === 'client' ? {} : {SummaryStatistics: stats(n), DurationHistogram: [...n.duration].map(([Value, Count]) => ({Value, Count})), ResponseTimeHistogram: histogram(n)}),
  }))
}
