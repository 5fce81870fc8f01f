import type { Logger } from 'pino';
import {
  ActionRejectedError,
  AlertClosedError,
  AlertNotFoundError,
  isTemporalUnavailable,
  type AlertsClient,
} from '../alerts';
import { CORRELATION_ID_METADATA_KEY } from '../shared/constants';
import type { AgentAction } from '../shared/messages';
import type { CallbackInbox, DeadLetterReason, InboxRecord } from './inbox';

/** What happened to one callback when the relay handled it. */
export type RelayOutcome = 'applied' | 'duplicate' | 'dead_lettered' | 'retry';

export interface CallbackRelayOptions {
  inbox: CallbackInbox;
  alerts: Pick<AlertsClient, 'applyAction' | 'getAlert'>;
  logger: Logger;
  /** Alerts served at once; each alert's callbacks are applied one by one, in arrival order. */
  concurrency?: number;
  /** Backoff while Temporal is unreachable (exponential with jitter). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unexpected (non-connectivity) errors are retried this many times, then dead-lettered. */
  maxUnexpectedAttempts?: number;
  /** Safety net for wake-ups that never came (replays from another process, ...). */
  pollIntervalMs?: number;
  onOutcome?: (outcome: RelayOutcome, reason?: string) => void;
}

/**
 * Applies received callbacks to their workflows: sequential per alert, parallel across alerts,
 * patient while Temporal is down. Every row ends applied (once: the state transition is guarded)
 * or dead-lettered with a reason.
 */
export class CallbackRelay {
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly concurrency: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnexpectedAttempts: number;
  private readonly pollIntervalMs: number;
  private readonly abort = new AbortController();
  private poll?: NodeJS.Timeout;
  private soon?: NodeJS.Immediate;
  private unsubscribe?: () => void;
  private started = false;
  private closed = false;

  constructor(private readonly opts: CallbackRelayOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
    this.initialBackoffMs = opts.initialBackoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5_000;
    this.maxUnexpectedAttempts = opts.maxUnexpectedAttempts ?? 10;
    this.pollIntervalMs = opts.pollIntervalMs ?? 2_000;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    // Coalesced: a burst of callbacks costs one look at the inbox, after their answers went out.
    this.unsubscribe = this.opts.inbox.onReceived(() => {
      this.soon ??= setImmediate(() => {
        this.soon = undefined;
        this.kick();
      });
    });
    this.poll = setInterval(() => this.kick(), this.pollIntervalMs);
    this.poll.unref();
    this.kick();
  }

  /** Look for work now. Cheap; safe to call often. */
  kick(): void {
    if (!this.started || this.closed) return;
    if (this.lanes.size >= this.concurrency) return;
    try {
      // Alerts for the free lanes (the busy ones left out), and one more in case callbacks with no alert id come first.
      const routes = this.opts.inbox.pendingRoutes(this.concurrency - this.lanes.size + 1, this.lanes);
      for (const alertId of routes) {
        if (this.lanes.size >= this.concurrency) break;
        if (alertId === null) {
          for (const row of this.opts.inbox.pendingUnroutable())
            this.deadLetter(row, 'unroutable', `metadata has no alert id`);
        } else if (!this.lanes.has(alertId)) this.startLane(alertId);
      }
    } catch (err) {
      this.opts.logger.error({ err }, 'callback relay could not read the inbox');
    }
  }

  /** Resolves when nothing is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.lanes.size > 0) await Promise.allSettled([...this.lanes.values()]);
  }

  /** Stop taking work, abandon back-off waits, and wait for in-flight calls (bounded by their deadlines). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    if (this.soon) clearImmediate(this.soon);
    this.unsubscribe?.();
    this.abort.abort();
    await this.idle();
  }

  private startLane(alertId: string): void {
    const lane = this.runLane(alertId)
      .catch((err: unknown) => this.opts.logger.error({ err, alertId }, 'callback relay lane crashed'))
      .finally(() => {
        this.lanes.delete(alertId);
        this.kick();
      });
    this.lanes.set(alertId, lane);
  }

  private async runLane(alertId: string): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      let outcome: RelayOutcome;
      try {
        const row = this.opts.inbox.nextPendingFor(alertId);
        if (!row) return;
        outcome = await this.handle(alertId, row);
      } catch (err) {
        // The inbox could not be read or written (SQLITE_FULL, SQLITE_BUSY, ...). Back off as for an outage:
        // ending the lane would have it started again at once, a hot loop of calls to Temporal while the disk is
        // full. Nothing counts against the callback; an update sent again is deduplicated by its update id.
        this.opts.logger.error({ err, alertId }, 'callback inbox write or read failed; will retry');
        outcome = 'retry';
      }
      if (outcome !== 'dead_lettered') this.opts.onOutcome?.(outcome); // deadLetter() reports its reason
      if (outcome === 'retry') {
        failures++;
        const exp = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(failures - 1, 20));
        await this.sleep(exp / 2 + Math.random() * (exp / 2));
      } else {
        failures = 0;
      }
    }
  }

  private async handle(alertId: string, row: InboxRecord): Promise<RelayOutcome> {
    const cb = row.callback;
    if (!cb) return this.deadLetter(row, 'invalid_schema', 'no parsed body');
    const action: AgentAction = {
      notificationId: cb.notificationId,
      userId: cb.userId,
      actionId: cb.actionId,
      timestamp: cb.timestamp,
      ...(cb.metadata ? { metadata: cb.metadata } : {}),
      ...(row.deliveryId ? { deliveryId: row.deliveryId } : {}),
    };
    const correlationId = correlationOf(row);
    if (correlationId) action.correlationId = correlationId;
    // requestId: the callback's own HTTP request; correlationId: the alert's, when the callback carries it.
    const log = this.opts.logger.child({
      alertId,
      callbackId: row.id,
      key: row.key,
      correlationId,
      requestId: row.correlationId ?? undefined,
    });
    let r: Awaited<ReturnType<CallbackRelayOptions['alerts']['applyAction']>>;
    try {
      r = await this.opts.alerts.applyAction(alertId, action, `${cb.notificationId}:${cb.actionId}`);
    } catch (err) {
      if (err instanceof AlertNotFoundError)
        return this.deadLetter(row, 'unknown_alert', (err as Error).message);
      if (err instanceof ActionRejectedError)
        return this.deadLetter(row, `rejected:${err.failureType}`, err.message);
      if (err instanceof AlertClosedError) return this.closedAlert(alertId, row);
      if (isTemporalUnavailable(err)) {
        // Not counted: an outage says nothing about the callback, and a long one must not use up its attempts.
        this.opts.inbox.recordAttempt(row.id, (err as Error).message, false);
        log.warn({ err }, 'Temporal unreachable; callback kept, will retry');
        return 'retry';
      }
      if (row.attempts + 1 >= this.maxUnexpectedAttempts)
        return this.deadLetter(row, 'relay_error', String((err as Error)?.message ?? err));
      this.opts.inbox.recordAttempt(row.id, String((err as Error)?.message ?? err));
      log.error({ err }, 'unexpected error applying callback; will retry');
      return 'retry';
    }
    // Outside the try: a failed write of the mark is the inbox's trouble (runLane backs off), not an error of the
    // update's, which would count an attempt against a callback Temporal has taken, or dead-letter it.
    this.opts.inbox.markApplied(row.id, r.outcome);
    log.info({ outcome: r.outcome }, 'callback applied');
    return r.outcome;
  }

  /**
   * The workflow closed. If its final state already holds this action (we applied it, then crashed
   * before recording that), it counts as applied; otherwise it arrived too late.
   */
  private async closedAlert(alertId: string, row: InboxRecord): Promise<RelayOutcome> {
    const cb = row.callback!;
    let state: Awaited<ReturnType<CallbackRelayOptions['alerts']['getAlert']>> = null;
    try {
      state = await this.opts.alerts.getAlert(alertId);
    } catch (err) {
      if (isTemporalUnavailable(err)) return 'retry';
    }
    // Outside the try, as in handle(): a failed write backs off in runLane instead of dead-lettering an applied action.
    if (state?.actions.some((a) => a.notificationId === cb.notificationId && a.actionId === cb.actionId)) {
      this.opts.inbox.markApplied(row.id, 'duplicate');
      return 'duplicate';
    }
    return this.deadLetter(row, 'alert_closed', `alert ${alertId} was already closed`);
  }

  private deadLetter(row: InboxRecord, reason: DeadLetterReason, detail: string): RelayOutcome {
    if (this.opts.inbox.markDeadLettered(row.id, reason, detail)) {
      this.opts.logger.warn(
        {
          callbackId: row.id,
          key: row.key,
          alertId: row.alertId,
          correlationId: correlationOf(row),
          reason,
          detail,
        },
        'callback dead-lettered',
      );
      this.opts.onOutcome?.('dead_lettered', reason);
    }
    return 'dead_lettered';
  }

  private sleep(ms: number): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * The alert's correlation id: the service put it in the action's metadata, the platform echoed it back
 * (signed). Falls back to the callback request's own id.
 */
function correlationOf(row: InboxRecord): string | undefined {
  const carried = row.callback?.metadata?.[CORRELATION_ID_METADATA_KEY];
  if (typeof carried === 'string' && carried.length > 0 && carried.length <= 200) return carried;
  return row.correlationId ?? undefined;
}
