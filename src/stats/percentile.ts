/**
 * Percentiles by the nearest-rank method: the p-th percentile of n sorted values is the value at
 * rank ⌈p/100 · n⌉ (1-based), so it is always one of the values seen, never an interpolation — the
 * method CloudWatch's and X-Ray's own percentile statistics describe, and the one a reader can check
 * by counting. Pure.
 */

export const PERCENTILES = [50, 90, 95, 99] as const

export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(sorted.length, rank) - 1]!
}

export interface Distribution {
  count: number
  p50: number | null
  p90: number | null
  p95: number | null
  p99: number | null
  max: number | null
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    count: sorted.length,
    p50: nearestRank(sorted, 50),
    p90: nearestRank(sorted, 90),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : null,
  }
}

/** The same from a histogram (X-Ray's `{Value, Count}` entries): nearest rank over the counted values. */
export function histogramDistribution(histogram: readonly {value: number; count: number}[]): Distribution {
  const entries = [...histogram].filter((e) => e.count > 0).sort((a, b) => a.value - b.value)
  const count = entries.reduce((sum, e) => sum + e.count, 0)
  const at = (p: number): number | null => {
    if (count === 0) return null
    const rank = Math.max(1, Math.ceil((p / 100) * count))
    let seen = 0
    for (const entry of entries) {
      seen += entry.count
      if (seen >= rank) return entry.value
    }
    return entries[entries.length - 1]!.value
  }
  return {count, p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: count > 0 ? entries[entries.length - 1]!.value : null}
}

/**
 * Log-scaled buckets for a terminal histogram: 1-2-5 steps (1 ms, 2 ms, 5 ms, 10 ms, …) from the
 * smallest value's decade to the largest's. Each bucket counts values in [from, to).
 */
export function logBuckets(values: readonly number[], weights?: readonly number[]): {from: number; to: number; count: number}[] {
  const positive = values.filter((v) => v > 0)
  if (positive.length === 0) return []
  const min = Math.min(...positive)
  const max = Math.max(...positive)
  const edges: number[] = []
  let decade = 10 ** Math.floor(Math.log10(min))
  while (edges.length === 0 || edges[edges.length - 1]! <= max) {
    for (const step of [1, 2, 5]) {
      const edge = step * decade
      if (edge <= min && edges.length > 0 && edges[edges.length - 1]! <= min) edges.pop()
      edges.push(edge)
      if (edge > max) break
    }
    decade *= 10
  }
  const buckets = edges.slice(0, -1).map((from, i) => ({from, to: edges[i + 1]!, count: 0}))
  values.forEach((value, index) => {
    if (!(value > 0)) return
    const bucket = buckets.find((b) => value >= b.from && value < b.to) ?? buckets[buckets.length - 1]!
    bucket.count += weights?.[index] ?? 1
  })
  // Empty buckets at either end say nothing.
  while (buckets.length > 1 && buckets[0]!.count === 0) buckets.shift()
  while (buckets.length > 1 && buckets[buckets.length - 1]!.count === 0) buckets.pop()
  return buckets
}
