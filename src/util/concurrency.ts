/** The one concurrency helper: at most `size` tasks hold a slot at a time. */
export function limiter(size: number): <R>(task: () => Promise<R>) => Promise<R> {
  let free = Math.max(1, size);
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  const acquire = () =>
    new Promise<void>((resolve) => {
      if (free > 0) {
        free--;
        resolve();
      } else waiting.push(resolve);
    });
  return async (task) => {
    await acquire();
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/** Runs fn over items with at most `limit` in flight; results in the items' order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const slot = limiter(limit);
  return Promise.all(items.map((item) => slot(() => fn(item))));
}
