/**
 * Coalesces concurrent look-ups of many keys into few bulk calls: callers ask for one key, the
 * batcher waits `windowMs` (or until `maxBatch` keys are queued) and issues one call for all of them.
 * Concurrent requests for the same key share one pending result.
 */
export class Batcher<K, V> {
  private queue = new Map<K, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fetch: (keys: K[]) => Promise<Map<K, V>>,
    private readonly opts: { windowMs: number; maxBatch: number; extraKeys?: (room: number, queued: Set<K>) => K[] },
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.queue.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.queue.set(key, [{ resolve, reject }]);
      if (this.queue.size >= this.opts.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.opts.windowMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = new Map([...this.queue].slice(0, this.opts.maxBatch));
    for (const k of batch.keys()) this.queue.delete(k);
    if (this.queue.size > 0) this.timer = setTimeout(() => this.flush(), 0);
    const keys = [...batch.keys()];
    const extra = this.opts.extraKeys?.(this.opts.maxBatch - keys.length, new Set(keys)) ?? [];
    this.fetch([...keys, ...extra]).then(
      (found) => batch.forEach((ws, k) => ws.forEach((w) => w.resolve(found.get(k)))),
      (err) => batch.forEach((ws) => ws.forEach((w) => w.reject(err))),
    );
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
