/**
 * Coalesces concurrent look-ups of many keys into few bulk calls: callers ask for one key, the
 * batcher waits `windowMs` (or until `maxBatch` keys are queued) and issues one call for all of them.
 * Concurrent requests for the same key share one pending result, whether it is still queued or already
 * being fetched: a key is never in two calls at once.
 */
export class Batcher<K, V> {
  private queue = new Map<K, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
  private timer: NodeJS.Timeout | undefined;
  /** Keys whose bulk call is in flight, and its result. */
  private inFlight = new Map<K, Promise<V | undefined>>();

  constructor(
    private readonly fetch: (keys: K[]) => Promise<Map<K, V>>,
    private readonly opts: {
      windowMs: number;
      maxBatch: number;
      extraKeys?: (room: number, queued: Set<K>) => K[];
    },
  ) {}

  get(key: K): Promise<V | undefined> {
    const fetching = this.inFlight.get(key);
    if (fetching) return fetching;
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
    const extra = (this.opts.extraKeys?.(this.opts.maxBatch - keys.length, new Set(keys)) ?? []).filter(
      (k) => !this.inFlight.has(k),
    );
    const all = [...keys, ...extra];
    const call = this.fetch(all);
    for (const k of all) {
      const result = call.then((found) => found.get(k));
      // Only handed to later callers, who see a failure themselves: not an unhandled rejection here.
      result.catch(() => undefined);
      this.inFlight.set(k, result);
    }
    const done = () => {
      for (const k of all) this.inFlight.delete(k);
    };
    call.then(
      (found) => {
        done();
        batch.forEach((ws, k) => ws.forEach((w) => w.resolve(found.get(k))));
      },
      (err) => {
        done();
        batch.forEach((ws) => ws.forEach((w) => w.reject(err)));
      },
    );
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
