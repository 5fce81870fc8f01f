import type { Logger } from 'pino';
import type { CallbackInbox } from './inbox';

export interface InboxRetentionOptions {
  inbox: Pick<CallbackInbox, 'pruneApplied'>;
  logger: Logger;
  /** Applied callbacks older than this are deleted; 0 keeps everything (the retention never runs). */
  days: number;
  /** How often to look (default hourly; the first look is one interval after start). */
  intervalMs?: number;
  /** Rows per delete: small enough that a callback's insert never waits long for the write lock. */
  batchSize?: number;
  onPruned?: (n: number) => void;
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Keeps the callback inbox from growing forever: applied callbacks are deleted once they are `days` old.
 * Dead letters stay until an operator replays them; received ones until the relay applies them. Deletes go
 * in small batches with a turn of the event loop between them, so callback answers are never held up.
 */
export class InboxRetention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private closed = false;

  constructor(private readonly o: InboxRetentionOptions) {}

  start(): this {
    if (this.o.days <= 0) return this;
    this.timer = setInterval(() => void this.runOnce(), this.o.intervalMs ?? 60 * 60 * 1000);
    this.timer.unref();
    return this;
  }

  /** One pass: delete in batches until nothing old is left. Returns how many rows went. */
  runOnce(): Promise<number> {
    this.running ??= this.prune().finally(() => (this.running = undefined));
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async prune(): Promise<number> {
    if (this.o.days <= 0) return 0;
    const before = new Date((this.o.now ?? Date.now)() - this.o.days * DAY_MS);
    const batch = this.o.batchSize ?? 1000;
    let total = 0;
    try {
      for (;;) {
        const n = this.o.inbox.pruneApplied(before, batch);
        total += n;
        if (n < batch || this.closed) break;
        await new Promise<void>((r) => setImmediate(r));
      }
    } catch (err) {
      this.o.logger.error({ err }, 'callback inbox retention failed; will try again');
    }
    if (total > 0) {
      this.o.onPruned?.(total);
      this.o.logger.info(
        { pruned: total, before: before.toISOString(), retentionDays: this.o.days },
        'old applied callbacks deleted from the inbox',
      );
    }
    return total;
  }
}
