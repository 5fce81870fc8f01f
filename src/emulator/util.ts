import { createHash } from 'node:crypto';

/** ms epoch with sub-millisecond resolution. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Fixed-capacity FIFO: pushing beyond capacity drops the oldest entry. */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private len = 0;
  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }
  get size(): number {
    return this.len;
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

/** Sliding-window counter: at most `limit` events in any `windowMs` span. */
export class SlidingWindow {
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
  count(now: number): number {
    this.evict(now);
    return this.times.length - this.head;
  }
  /** Takes one slot if available. Otherwise returns the ms until the oldest slot frees. */
  take(
    now: number,
    limit: number,
  ): { ok: true; count: number; resetMs: number } | { ok: false; count: number; resetMs: number } {
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

/** Timers the emulator owns, all cancelled by close(). */
export class TimerSet {
  private timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  /** A sleep that resolves early (with false) when the set is closed. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(true);
      }, ms);
      this.timers.set(t, () => resolve(false));
    });
  }
  /** Runs fn after ms unless cancelled or closed. Returns a cancel function. */
  after(ms: number, fn: () => void): () => void {
    if (this.closed) return () => undefined;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.set(t, () => undefined);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }
  /** Cancels every pending timer (pending sleeps resolve with false). */
  cancelAll(): void {
    for (const [t, onCancel] of this.timers) {
      clearTimeout(t);
      onCancel();
    }
    this.timers.clear();
  }
  close(): void {
    this.closed = true;
    this.cancelAll();
  }
}

// --- presence & routing ---------------------------------------------------------------------------

export const SYSTEM_PRESENCES = [
  'Available',
  'Away',
  'Busy',
  'Offline',
  'Idle',
  'On Queue',
  'Meal',
  'Training',
  'Meeting',
  'Break',
] as const;
export const ROUTING_STATUSES = [
  'OFF_QUEUE',
  'IDLE',
  'INTERACTING',
  'NOT_RESPONDING',
  'COMMUNICATING',
] as const;

const presenceByKey = new Map<string, string>(
  SYSTEM_PRESENCES.map((p) => [p.toLowerCase().replace(/[\s_-]/g, ''), p]),
);

/** 'on_queue', 'ON QUEUE', 'OnQueue' -> 'On Queue'; undefined when unknown. */
export function canonicalPresence(input: string): string | undefined {
  return presenceByKey.get(input.toLowerCase().replace(/[\s_-]/g, ''));
}

export function canonicalRoutingStatus(input: string): string | undefined {
  const s = input.toUpperCase().replace(/[\s-]/g, '_');
  return (ROUTING_STATUSES as readonly string[]).includes(s) ? s : undefined;
}

/** Stable pseudo-id of a system presence definition. */
export function presenceDefinitionId(presence: string): string {
  const h = createHash('sha1').update(`presence:${presence}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// --- Genesys error bodies -------------------------------------------------------------------------

const defaultCodes: Record<number, [string, string]> = {
  400: ['bad.request', 'The request could not be understood by the server due to malformed syntax.'],
  401: ['bad.credentials', 'Invalid login credentials.'],
  403: ['not.authorized', 'You are not authorized to perform the requested action.'],
  404: ['not.found', 'The requested resource was not found.'],
  405: ['method.not.allowed', 'The requested method is not allowed on this resource.'],
  409: ['conflict', 'The request conflicts with the current state of the resource.'],
  413: ['request.entity.too.large', 'The request is too large.'],
  415: [
    'unsupported.media.type',
    'Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header.',
  ],
  429: [
    'too.many.requests.retry.after',
    'Rate limit exceeded the maximum. Retry the request in [%s] seconds',
  ],
  500: [
    'internal.server.error',
    'The server encountered an unexpected condition which prevented it from fulfilling the request.',
  ],
  502: ['bad.gateway', 'The server received an invalid response from an upstream server.'],
  503: [
    'service.unavailable',
    'Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).',
  ],
  504: ['gateway.timeout', 'The request timed out.'],
};

export interface GenesysErrorBody {
  message: string;
  code: string;
  status: number;
  contextId: string;
  details: unknown[];
  errors: unknown[];
}

export function genesysError(
  status: number,
  contextId: string,
  opts: { code?: string; message?: string; details?: unknown[]; errors?: unknown[] } = {},
): GenesysErrorBody {
  const [code, message] = defaultCodes[status] ?? (status >= 500 ? defaultCodes[500]! : defaultCodes[400]!);
  return {
    message: opts.message ?? message,
    code: opts.code ?? code,
    status,
    contextId,
    details: opts.details ?? [],
    errors: opts.errors ?? [],
  };
}

export function clampNumber(v: unknown, min: number, max: number, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new RangeError(`${name} must be a number between ${min} and ${max}`);
  }
  return v;
}
