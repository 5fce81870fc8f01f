/**
 * The per-OAuth-client rate limit: a sliding 60 s window over all API calls, and the
 * `inin-ratelimit-*` / `Retry-After` values the answers carry.
 */

export interface RateLimitVerdict {
  limited: boolean;
  /** inin-ratelimit-allowed / -count / -reset, sent on every API answer while the limit is on. */
  headers: Record<string, string>;
  /** Seconds until a slot frees (at least 1). */
  retryAfter: number;
}

export class RateLimiter {
  private windows = new Map<string, SlidingWindow>();
  /** Calls refused since the last reset. */
  limited = 0;

  /** @param limitPerMinute the configured limit; 0 = off. */
  constructor(private readonly limitPerMinute: () => number) {}

  /** Spends one call of the client's budget; null when the limit is off. Refused calls spend nothing. */
  take(clientId: string, now: number): RateLimitVerdict | null {
    const limit = this.limitPerMinute();
    if (limit <= 0) return null;
    let w = this.windows.get(clientId);
    if (!w) {
      w = new SlidingWindow(60_000);
      this.windows.set(clientId, w);
    }
    const r = w.take(now, limit);
    const retryAfter = Math.max(1, Math.ceil(r.resetMs / 1000));
    const headers = {
      'inin-ratelimit-allowed': String(limit),
      'inin-ratelimit-count': String(r.ok ? r.count : r.count + 1),
      'inin-ratelimit-reset': String(retryAfter),
    };
    if (!r.ok) this.limited++;
    return { limited: !r.ok, headers, retryAfter };
  }

  /** Every client starts with a full budget (the limit changed). */
  clearWindows(): void {
    this.windows.clear();
  }

  reset(): void {
    this.windows.clear();
    this.limited = 0;
  }
}

/** Sliding-window counter: at most `limit` events in any `windowMs` span. */
class SlidingWindow {
  private times: number[] = [];
  private head = 0;
  constructor(readonly windowMs: number) {}
  private evict(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.times.length && (this.times[this.head] as number) <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
  /** Takes one slot if available. Otherwise returns the ms until the oldest slot frees. */
  take(now: number, limit: number): { ok: boolean; count: number; resetMs: number } {
    this.evict(now);
    const count = this.times.length - this.head;
    if (count >= limit) {
      const oldest = this.times[this.head] as number;
      return { ok: false, count, resetMs: Math.max(0, oldest + this.windowMs - now) };
    }
    this.times.push(now);
    const oldest = this.times[this.head] as number;
    return { ok: true, count: count + 1, resetMs: Math.max(0, oldest + this.windowMs - now) };
  }
}
