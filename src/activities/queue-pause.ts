/**
 * The cluster-wide 429 pause: one of the Genesys throttle's two jobs (./throttle.ts puts them together; the other is
 * the local priority pacer, ./pacer.ts). A 429 from Genesys pauses the Genesys task queue on the Temporal server for
 * every worker, and this process's own calls in memory; every worker lifts an expired pause of ours.
 */
import { temporal } from '@temporalio/proto';
import type { Logger } from '../observability/logger';
import { clampRetryAfter, DEFAULT_RETRY_AFTER_MAX_SECONDS } from '../genesys/errors';

/** The two Workflow Service calls the pause needs (a Connection's or NativeConnection's workflowService). */
export interface TaskQueueConfigService {
  describeTaskQueue(
    req: temporal.api.workflowservice.v1.IDescribeTaskQueueRequest,
  ): Promise<temporal.api.workflowservice.v1.IDescribeTaskQueueResponse>;
  updateTaskQueueConfig(
    req: temporal.api.workflowservice.v1.IUpdateTaskQueueConfigRequest,
  ): Promise<temporal.api.workflowservice.v1.IUpdateTaskQueueConfigResponse>;
}

export interface QueuePauseOptions {
  service: TaskQueueConfigService;
  namespace: string;
  /** The Genesys task queue whose dispatch is paused after a 429. */
  taskQueue: string;
  identity?: string;
  logger?: Logger;
  now?: () => number;
  /**
   * The longest pause a 429 can cause (GENESYS_RETRY_AFTER_MAX_SECONDS; default 300 s). Also applied to a pause
   * of ours found on the server, so nothing can shut the queue for good or overflow a timer.
   */
  maxPauseMs?: number;
  /** How often every worker looks for a pause left behind by a process that died before lifting it. */
  sweepMs?: number;
  /**
   * Told when this process's gate closes or its pause is extended (`until`, on `now`'s clock): 'rate-limited', on
   * a 429 here; 'adopted', on finding another worker's pause on the server. Tests use it to measure from when the
   * pause really took effect at each worker, not from a guess of how long it takes to get there.
   */
  onGateClosed?: (until: number, cause: 'rate-limited' | 'adopted') => void;
}

/** Marks a pause as ours in the queue config's `reason`, with the time it ends (ms since the epoch). */
const MARKER = 'desktop-alerts:genesys-429';
// `restore=`: the org rate (see setOrgRate) the pause ends at, so that whichever worker lifts it restores that rate.
const reasonFor = (until: number, restore?: number) =>
  `${MARKER} until=${until} (${new Date(until).toISOString()})${restore ? ` restore=${restore.toFixed(3)}` : ''}`;
export function pausedUntil(reason: string | null | undefined): number | undefined {
  const m = reason?.startsWith(MARKER) ? /until=(\d+)/.exec(reason) : null;
  return m ? Number(m[1]) : undefined;
}
/** Marks a rate of ours that follows the org's reported figure (inin-ratelimit-allowed), not a pause. */
const ORG_MARKER = 'desktop-alerts:genesys-org-rate';
const orgReason = (rps: number, why: string) => `${ORG_MARKER} ${rps.toFixed(3)}/s ${why}`;
/** The org rate a pause of ours ends at (written in its reason by whoever paused), if any. */
const restoreRateIn = (reason: string | null | undefined): number | undefined => {
  const m = reason?.startsWith(MARKER) ? /restore=([\d.]+)/.exec(reason) : null;
  const n = m ? Number(m[1]) : NaN;
  return n > 0 ? n : undefined;
};

const DEFAULT_MAX_PAUSE_MS = DEFAULT_RETRY_AFTER_MAX_SECONDS * 1000;
/** How far another worker's clock may run ahead of ours before its pause counts as beyond the ceiling. */
const CLOCK_SKEW_MS = 60_000;
/** setTimeout's largest delay: a longer one fires at once (Node's TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Thrown by the gate (./throttle.ts) when the pause is too long to wait out inside the activity. */
export class GatePausedError extends Error {
  override readonly name = 'GatePausedError';
  constructor(readonly remainingMs: number) {
    super(
      `Genesys calls are paused for another ${Math.ceil(remainingMs / 1000)} s after a 429 (Retry-After)`,
    );
  }
}

const ACTIVITY_QUEUE = temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;

/**
 * A `429` from Genesys slows every worker, not only the one that saw it: the budget is per OAuth client,
 * shared by all of them. On a 429 with Retry-After N s this
 *  - closes an in-process gate for N s, so this process's in-flight activities make no call meanwhile, and
 *  - sets the Genesys task queue's server-side rate limit to 0 (UpdateTaskQueueConfig), so the server
 *    dispatches no Genesys activity to any worker; the pause's end is written in the config's `reason`.
 * When the time has passed, the override is removed and the rate the workers set
 * (maxTaskQueueActivitiesPerSecond) applies again, or, where Genesys reports a lower budget than configured
 * (inin-ratelimit-allowed, see setOrgRate), the queue goes back to that lower rate.
 *
 * The API has no compare-and-set, so the writes are guarded by read-then-write: a pause is never shortened
 * on purpose, and the worst a race can do is lift it early (the next 429 closes it again). It can never
 * stay closed: every worker sweeps the config periodically and lifts an expired pause of ours, so a
 * process that dies mid-pause leaves nothing stuck. A rate limit set by someone else (no marker) is left alone.
 */
export class QueuePause {
  private until = 0;
  private restoreTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly now: () => number;
  private readonly identity: string;
  private readonly maxPauseMs: number;
  /**
   * The server-side rate that follows the org's reported figure (see setOrgRate; undefined: none, the workers'
   * own cap). What a lifted pause goes back to.
   */
  private orgRate: number | undefined;
  /** Whether this process has heard the org's figure at all (else a pause's own `restore=` is what it ends at). */
  private orgRateKnown = false;
  /** Pauses this process wrote and lifted (for tests and metrics). */
  readonly counters = { paused: 0, restored: 0 };

  constructor(private readonly o: QueuePauseOptions) {
    this.now = o.now ?? Date.now;
    this.identity = o.identity ?? `desktop-alerts-worker@${process.pid}`;
    this.maxPauseMs = Math.min(o.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS, MAX_TIMER_MS);
  }

  /** Look once for a pause left behind, then keep sweeping (timers are unref'd: they keep nothing alive). */
  start(): this {
    this.enqueue(() => this.sweep());
    const every = this.o.sweepMs ?? 10_000;
    if (every > 0) {
      this.sweepTimer = setInterval(() => this.enqueue(() => this.sweep()), every);
      this.sweepTimer.unref();
    }
    return this;
  }

  /** Milliseconds until this process may call Genesys again (0: open). */
  remainingMs(): number {
    return Math.max(0, this.until - this.now());
  }

  /** Genesys answered 429 with Retry-After: pause this process and, through the server, every worker. */
  onRateLimited(retryAfterSeconds: number | undefined): void {
    // Not finite: ignored (1 s, as without a header); too long: the ceiling (see maxPauseMs).
    const seconds = clampRetryAfter(retryAfterSeconds, this.maxPauseMs / 1000) ?? 1;
    const until = this.now() + Math.min(Math.max(1_000, seconds * 1000), this.maxPauseMs);
    if (until <= this.until) return; // already paused at least that long
    this.until = until;
    this.o.onGateClosed?.(until, 'rate-limited');
    this.o.logger?.warn(
      { taskQueue: this.o.taskQueue, until: new Date(until).toISOString() },
      'Genesys answered 429: pausing the Genesys task queue for every worker',
    );
    this.enqueue(() => this.pauseQueue(until));
  }

  /**
   * Genesys reports a lower budget than configured (inin-ratelimit-allowed): cap the Genesys task queue at
   * `requestsPerSecond` for every worker (all of them spend one token's budget); undefined when the figure is back
   * at the configured one: remove our cap, so the workers' own (maxTaskQueueActivitiesPerSecond) applies. A pause
   * in force is left as it is (it ends at this rate), and so is a rate limit someone else set.
   */
  setOrgRate(requestsPerSecond: number | undefined): void {
    this.orgRate = requestsPerSecond;
    this.orgRateKnown = true;
    this.enqueue(() => this.writeOrgRate());
  }

  private async writeOrgRate(): Promise<void> {
    if (this.closed) return;
    const d = await this.describe();
    const q = d.config?.queueRateLimit;
    const reason = q?.metadata?.reason ?? '';
    if (q?.rateLimit && !reason.startsWith(ORG_MARKER) && !reason.startsWith(MARKER)) return; // not ours
    const until = pausedUntil(reason);
    if (q?.rateLimit && until !== undefined && until > this.now()) return; // paused: restore() writes the rate
    const rps = this.orgRate;
    if (rps === undefined) {
      if (q?.rateLimit && reason.startsWith(ORG_MARKER))
        await this.write(undefined, `${ORG_MARKER} removed: the org allows the configured rate again`);
      return;
    }
    const current = q?.rateLimit?.requestsPerSecond;
    if (
      reason.startsWith(ORG_MARKER) &&
      current !== undefined &&
      current !== null &&
      Math.abs(current - rps) < 1e-3
    )
      return;
    await this.write({ requestsPerSecond: rps }, orgReason(rps, 'from inin-ratelimit-allowed'));
  }

  /** Stop the timers (a pause in force is lifted by whichever worker sweeps next, or by the restore timer of another). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.restoreTimer);
    await this.chain;
  }

  /** Serialise this process's reads and writes of the queue config, and never let one failure break the chain. */
  private enqueue(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch((err: unknown) => {
      this.o.logger?.warn(
        { err, taskQueue: this.o.taskQueue },
        'could not read or update the Genesys task queue config',
      );
    });
  }

  private describe(): Promise<temporal.api.workflowservice.v1.IDescribeTaskQueueResponse> {
    return this.o.service.describeTaskQueue({
      namespace: this.o.namespace,
      taskQueue: { name: this.o.taskQueue },
      taskQueueType: ACTIVITY_QUEUE,
      reportConfig: true,
    });
  }

  private async serverUntil(): Promise<{ until?: number; limited: boolean; restoreRate?: number }> {
    const d = await this.describe();
    const q = d.config?.queueRateLimit;
    const limited = !!q?.rateLimit;
    const until = pausedUntil(q?.metadata?.reason);
    const ceiling = this.now() + this.maxPauseMs;
    if (limited && until !== undefined && until > ceiling + CLOCK_SKEW_MS) {
      // Left by a process without this ceiling (or with a larger one): end it within ours, on the server too,
      // or every sweep would adopt it again and the queue would stay shut.
      this.o.logger?.warn(
        { taskQueue: this.o.taskQueue, until: ceiling },
        'Genesys task queue pause found beyond GENESYS_RETRY_AFTER_MAX_SECONDS: shortening it',
      );
      await this.write({ requestsPerSecond: 0 }, reasonFor(ceiling, restoreRateIn(q?.metadata?.reason)));
      return { until: ceiling, limited, restoreRate: restoreRateIn(q?.metadata?.reason) };
    }
    const reason = q?.metadata?.reason ?? '';
    // The rate a pause written now must end at: the org rate in force (ours), or the one the pause in force carries.
    const restoreRate =
      limited && reason.startsWith(ORG_MARKER)
        ? (q?.rateLimit?.requestsPerSecond ?? undefined)
        : restoreRateIn(reason);
    return { until, limited, restoreRate };
  }

  private async write(rateLimit: { requestsPerSecond: number } | undefined, reason: string): Promise<void> {
    await this.o.service.updateTaskQueueConfig({
      namespace: this.o.namespace,
      identity: this.identity,
      taskQueue: this.o.taskQueue,
      taskQueueType: ACTIVITY_QUEUE,
      // No rate_limit in the update removes the override: the workers' own limit applies again.
      updateQueueRateLimit: rateLimit ? { rateLimit, reason } : { reason },
    });
  }

  private async pauseQueue(until: number): Promise<void> {
    if (this.closed) return;
    const current = await this.serverUntil();
    if (!(current.limited && current.until !== undefined && current.until >= until)) {
      const restore = this.orgRateKnown ? this.orgRate : current.restoreRate;
      await this.write({ requestsPerSecond: 0 }, reasonFor(until, restore));
      this.counters.paused++;
    }
    this.scheduleRestore(Math.max(until, current.limited ? (current.until ?? 0) : 0));
  }

  private scheduleRestore(at: number): void {
    if (this.closed) return;
    clearTimeout(this.restoreTimer);
    this.restoreTimer = setTimeout(
      () => this.enqueue(() => this.restore()),
      // Within setTimeout's range whatever `at` is: an overflowing delay fires at once, in a loop.
      Math.min(Math.max(0, at - this.now()) + 50, MAX_TIMER_MS),
    );
    this.restoreTimer.unref();
  }

  /** Lift our pause if its time has passed; if another worker extended it, wait for the new end. */
  private async restore(): Promise<void> {
    const { until, limited, restoreRate } = await this.serverUntil();
    if (!limited || until === undefined) return; // lifted already, or not ours
    if (until > this.now()) {
      this.adopt(until);
      this.scheduleRestore(until);
      return;
    }
    // Back to the org's rate where Genesys reports less than configured (this process's latest figure, else the
    // one the pause carries); otherwise no override, and the workers' own cap applies.
    const rate = this.orgRateKnown ? this.orgRate : restoreRate;
    if (rate)
      await this.write({ requestsPerSecond: rate }, orgReason(rate, 'pause lifted: Retry-After passed'));
    else await this.write(undefined, `${MARKER} lifted: Retry-After passed`);
    this.counters.restored++;
    this.o.logger?.info(
      { taskQueue: this.o.taskQueue, requestsPerSecond: rate },
      'Genesys task queue pause lifted',
    );
  }

  /** Adopt a pause another worker set (so this process's in-flight calls wait too), and lift an expired one. */
  private async sweep(): Promise<void> {
    if (this.closed) return;
    const { until, limited } = await this.serverUntil();
    if (!limited || until === undefined) return;
    if (until > this.now()) {
      this.adopt(until);
      this.scheduleRestore(until);
    } else {
      await this.restore();
    }
  }

  /** Close this process's gate until a pause found on the server ends (never shortening one of its own). */
  private adopt(until: number): void {
    if (until <= this.until) return;
    this.until = until;
    this.o.onGateClosed?.(until, 'adopted');
  }
}
