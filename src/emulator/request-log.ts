/**
 * The request log: a bounded ring of every Genesys API call answered (not the control API), the
 * per-status and per-route counters, and the filtered listing and request-rate queries over it.
 */
import { fail } from './checks';
import type { EmulatorStats, RequestFilter, RequestLogEntry, RequestRate, RequestRateQuery } from './types';

export class RequestLog {
  private entries: RingBuffer<RequestLogEntry>;
  private seq = 0;
  private counters = freshCounters();
  private resets = 0;

  constructor(capacity: number) {
    this.entries = new RingBuffer(capacity);
  }

  /** Empty, counters at zero, numbering from 1 again. */
  reset(): void {
    this.resets++;
    this.entries.clear();
    this.seq = 0;
    this.counters = freshCounters();
  }

  /** Take it when a request arrives and hand it to log(): a reset in between means "not ours any more". */
  get epoch(): number {
    return this.resets;
  }

  /**
   * Logs an answered call. A call that arrived before a reset (its answer held by a latency fault, say) is
   * dropped: logging it would put an old arrival into the fresh log and the fresh counters.
   */
  log(e: Omit<RequestLogEntry, 'seq'>, arrivedInEpoch = this.resets): void {
    if (arrivedInEpoch !== this.resets) return;
    const entry: RequestLogEntry = { seq: ++this.seq, ...e };
    this.entries.push(entry);
    const c = this.counters;
    c.total++;
    const s = String(e.status);
    c.byStatus[s] = (c.byStatus[s] ?? 0) + 1;
    const r = (c.byRoute[e.route] ??= { total: 0, byStatus: {} });
    r.total++;
    r.byStatus[s] = (r.byStatus[s] ?? 0) + 1;
  }

  list(filter: RequestFilter = {}): RequestLogEntry[] {
    const out: RequestLogEntry[] = [];
    for (const e of this.entries) if (matches(e, filter)) out.push({ ...e });
    return filter.limit !== undefined && filter.limit >= 0
      ? out.slice(Math.max(0, out.length - filter.limit))
      : out;
  }

  /**
   * Requests per window of arrival time. The log is in answer order and entries carry their arrival
   * time, so a slow request can follow a later one: the windows start at the earliest arrival.
   */
  rate(query: RequestRateQuery = {}): RequestRate {
    const windowMs = query.windowMs ?? 1000;
    if (!(windowMs > 0)) fail(400, 'invalid.value', 'windowMs must be > 0');
    const arrivals: number[] = [];
    for (const e of this.entries) if (matches(e, query)) arrivals.push(e.at);
    if (arrivals.length === 0) return { windowMs, buckets: [], max: 0, total: 0 };
    // A loop, not Math.min(...arrivals): the log holds up to 100 000 entries, too many arguments.
    let first = arrivals[0]!;
    let last = first;
    for (const at of arrivals) {
      if (at < first) first = at;
      if (at > last) last = at;
    }
    const buckets = Array.from({ length: Math.floor((last - first) / windowMs) + 1 }, (_, i) => ({
      start: first + i * windowMs,
      count: 0,
    }));
    for (const at of arrivals) buckets[Math.floor((at - first) / windowMs)]!.count++;
    return {
      windowMs,
      buckets,
      max: buckets.reduce((m, b) => Math.max(m, b.count), 0),
      total: arrivals.length,
    };
  }

  /** stats().requests */
  stats(): EmulatorStats['requests'] {
    const c = this.counters;
    return { total: c.total, byStatus: { ...c.byStatus }, byRoute: structuredClone(c.byRoute) };
  }
}

function freshCounters(): EmulatorStats['requests'] {
  return { total: 0, byStatus: {}, byRoute: {} };
}

function matches(e: RequestLogEntry, f: RequestFilter | RequestRateQuery): boolean {
  const rf = f as RequestFilter & RequestRateQuery;
  if (rf.sinceSeq !== undefined && e.seq <= rf.sinceSeq) return false;
  if (rf.since !== undefined && e.at < rf.since) return false;
  if (rf.pathPrefix !== undefined && !e.path.startsWith(rf.pathPrefix)) return false;
  if (rf.method !== undefined && e.method !== rf.method.toUpperCase()) return false;
  if (rf.status !== undefined && e.status !== rf.status) return false;
  if (rf.statuses !== undefined && !rf.statuses.includes(e.status)) return false;
  if (rf.clientId !== undefined && e.clientId !== rf.clientId) return false;
  return true;
}

/** Fixed-capacity FIFO: pushing beyond capacity drops the oldest entry. */
class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private len = 0;
  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }
  push(item: T): void {
    if (this.len < this.capacity) {
      this.items[(this.start + this.len) % this.capacity] = item;
      this.len++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }
  /** Oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.len; i++) yield this.items[(this.start + i) % this.capacity] as T;
  }
  clear(): void {
    this.items = new Array<T | undefined>(this.capacity);
    this.start = 0;
    this.len = 0;
  }
}
