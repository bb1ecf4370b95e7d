/**
 * Runs `worker` over `items` with at most `concurrency` in flight, keeping results in input order.
 * When `shouldStart()` turns false (Ctrl-C), no new item starts; the items never started get
 * `undefined`, so callers can report them instead of losing them.
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
  shouldStart: () => boolean = () => true,
): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = Array.from({length: items.length})
  let next = 0
  const lane = async () => {
    while (next < items.length && shouldStart()) {
      const index = next++
      results[index] = await worker(items[index]!, index)
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(concurrency, items.length))}, lane))
  return results
}
