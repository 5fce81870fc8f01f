/**
 * The gate every Genesys call of this process passes (gatedGenesysClient): the throttle's two jobs put together,
 * the cluster-wide 429 pause (./queue-pause.ts) and the local priority pacer (./pacer.ts). A call waits out a short
 * pause in place (a long one fails the attempt with GatePausedError, retried after the pause), then waits for its
 * pacing slot, most urgent first.
 */
import type { GenesysClient } from '../genesys/types';
import { GenesysApiError } from '../genesys/types';
import { currentActivity } from './context';
import { DEFAULT_PRIORITY_KEY, monotonicClock, PriorityPacer, type PacerClock } from './pacer';
import { GatePausedError, QueuePause, type QueuePauseOptions } from './queue-pause';

export interface GenesysThrottleOptions extends QueuePauseOptions {
  /** An activity that finds the gate closed waits in place up to this long; longer, it fails with nextRetryDelay. */
  maxWaitMs?: number;
  /**
   * Space this process's Genesys calls at least 1.02/callsPerSecond apart (0 or unset: no pacing; the 2 % absorb
   * network jitter, see PACE_JITTER_MS). The server's
   * cap holds the average across workers but is a token bucket: after a quiet moment it lets a second's worth
   * of tasks through at once, so without pacing a burst can double the rate for a second.
   */
  callsPerSecond?: number;
  /**
   * GENESYS_RATE_LIMIT_SHARE (default 0.8): the part of the org's reported figure (inin-ratelimit-allowed, see
   * onRateLimitAllowed) this process paces to, as callsPerSecond is that part of the configured figure.
   */
  rateLimitShare?: number;
  /**
   * Told how long each call waited at the gate (the 429 pause and its pacing slot), 0 when it passed at once;
   * not called for a call the gate refused (GatePausedError). For the genesys_gate_wait_seconds metric. `passedAt`
   * is the clock's time the gate let the call through (for a paced call, the instant the pacer released it), so
   * that tests can check the gate's own decisions rather than when a busy process got round to looking.
   */
  onWaited?: (waitedMs: number, priorityKey: number, passedAt: number) => void;
  /** The pacer's clock and the waits onWaited reports (default: monotonic time; tests pass a virtual one). */
  clock?: PacerClock;
}

/** The running activity's priority key (the call's urgency at the pacing gate); the default outside an activity. */
function currentPriorityKey(): number {
  return currentActivity()?.info.priority?.priorityKey ?? DEFAULT_PRIORITY_KEY;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The 429 pause and the pacer behind one gate: what a worker creates, starts and closes. */
export class GenesysThrottle {
  private readonly pause: QueuePause;
  private readonly pacer: PriorityPacer | undefined;
  private readonly clock: PacerClock;
  private waited = 0;
  /** The last inin-ratelimit-allowed figure that changed the pace (undefined: none yet). */
  private allowedPerMinute: number | undefined;

  constructor(private readonly o: GenesysThrottleOptions) {
    this.pause = new QueuePause(o);
    this.clock = o.clock ?? monotonicClock;
    this.pacer = o.callsPerSecond ? new PriorityPacer(o.callsPerSecond, this.clock) : undefined;
  }

  /** The calls a second this process paces to now (undefined: no pacing). */
  get callsPerSecond(): number | undefined {
    return this.pacer?.rate;
  }

  /**
   * Genesys said how many requests a minute this token is allowed (inin-ratelimit-allowed, on every answer; 180
   * is seen where 300 is documented). Pace to that figure times the share when it is lower than the configured
   * rate, and back up when it rises, never above the configured rate: the configuration is the operator's
   * promise, and the share of it the ceiling. The Genesys task queue's server-side rate follows for every worker
   * (see QueuePause.setOrgRate). Undefined (no or a malformed header) changes nothing.
   */
  onRateLimitAllowed(allowedPerMinute: number | undefined): void {
    const ceiling = this.o.callsPerSecond;
    if (!this.pacer || !ceiling || allowedPerMinute === undefined || !(allowedPerMinute > 0)) return;
    if (allowedPerMinute === this.allowedPerMinute) return;
    const share = this.o.rateLimitShare ?? 0.8;
    const next = Math.min(ceiling, (allowedPerMinute * share) / 60);
    const previous = this.pacer.rate;
    this.allowedPerMinute = allowedPerMinute;
    if (next === previous) return;
    this.pacer.setRate(next);
    // Every worker spends the same token's budget: the server-side cap on the Genesys queue follows too (none
    // of ours once the figure is back at the configured one: the workers' own cap is that).
    this.pause.setOrgRate(next < ceiling ? next : undefined);
    const fields = {
      allowedPerMinute,
      // The configured figure the ceiling stands for (GENESYS_RATE_LIMIT_PER_MINUTE when the rate comes from config).
      configuredPerMinute: Math.round((ceiling * 60) / share),
      callsPerSecond: next,
      previousCallsPerSecond: previous,
    };
    if (next < previous)
      this.o.logger?.warn(
        fields,
        'Genesys inin-ratelimit-allowed is below the configured rate: pacing down to it',
      );
    else
      this.o.logger?.info(
        fields,
        'Genesys inin-ratelimit-allowed went up: pacing back up (at most the configured rate)',
      );
  }

  /** Pauses this process wrote and lifted, and calls that waited one out (for tests and metrics). */
  get counters(): { paused: number; restored: number; waited: number } {
    return { ...this.pause.counters, waited: this.waited };
  }

  /** Look once for a pause left behind, then keep sweeping (see QueuePause.start). */
  start(): this {
    this.pause.start();
    return this;
  }

  /** Milliseconds until this process may call Genesys again (0: open). */
  remainingMs(): number {
    return this.pause.remainingMs();
  }

  /**
   * Wait until the gate is open and this call's pacing slot has come; a pause longer than maxWaitMs throws
   * GatePausedError. `priorityKey` (Temporal's: 1 is the most urgent, 3 the default) orders the calls waiting
   * for a slot, so a high alert's call overtakes the normal ones this process already holds.
   */
  async wait(priorityKey: number = DEFAULT_PRIORITY_KEY): Promise<void> {
    const arrived = this.clock.now();
    const passedAt = await this.waitForGate(priorityKey);
    this.o.onWaited?.(passedAt - arrived, priorityKey, passedAt);
  }

  /** Resolves with the clock's time the call was let through (see onWaited). */
  private async waitForGate(priorityKey: number): Promise<number> {
    for (;;) {
      const left = this.pause.remainingMs();
      if (left > (this.o.maxWaitMs ?? 20_000)) throw new GatePausedError(left);
      if (left > 0) {
        this.waited++;
        await sleep(left);
        continue;
      }
      if (!this.pacer) return this.clock.now();
      const releasedAt = await this.pacer.slot(priorityKey);
      if (this.pause.remainingMs() === 0) return releasedAt; // a 429 while this call waited for its slot: wait for the pause too
    }
  }

  /** Genesys answered 429 with Retry-After: pause this process and, through the server, every worker. */
  onRateLimited(retryAfterSeconds: number | undefined): void {
    this.pause.onRateLimited(retryAfterSeconds);
  }

  /** Stop the pause's timers (see QueuePause.close). */
  close(): Promise<void> {
    return this.pause.close();
  }
}

/** A GenesysClient whose calls wait at the gate and report every 429 to it (look-ups included). */
export function gatedGenesysClient(
  client: GenesysClient,
  gate: Pick<GenesysThrottle, 'wait' | 'onRateLimited'>,
): GenesysClient {
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    await gate.wait(currentPriorityKey());
    try {
      return await call();
    } catch (err) {
      if (err instanceof GenesysApiError && err.kind === 'rate_limited')
        gate.onRateLimited(err.retryAfterSeconds);
      throw err;
    }
  };
  return {
    searchUsersByEmail: (emails, ctx) => guard(() => client.searchUsersByEmail(emails, ctx)),
    getUser: (id, ctx) => guard(() => client.getUser(id, ctx)),
    createNotification: (body, ctx) => guard(() => client.createNotification(body, ctx)),
    ...(client.getPresences
      ? {
          getPresences: (ids: string[], ctx?: Parameters<NonNullable<GenesysClient['getPresences']>>[1]) =>
            guard(() => client.getPresences!(ids, ctx)),
        }
      : {}),
    close: () => client.close(),
  };
}
