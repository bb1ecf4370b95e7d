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

/**
 * The same limit for work that arrives over time (runPool needs every item at the start): a task given to the returned
 * function starts once fewer than `concurrency` run, in the order given, and the promise settles as the task does.
 */
export function limitConcurrency(concurrency: number): <R>(task: () => Promise<R>) => Promise<R> {
  let running = 0
  const waiting: (() => void)[] = []
  return async <R>(task: () => Promise<R>): Promise<R> => {
    // A task that ends hands its place to the next one waiting, so `running` only drops when nothing waits.
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve))
    else running++
    try {
      return await task()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else running--
    }
  }
}
