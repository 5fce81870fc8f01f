import type Database from 'better-sqlite3';
import { DesktopCallbackSchema, type DesktopCallback } from '../shared/schemas';
import {
  callbackKey,
  routeOf,
  toRecord,
  type CallbackMeta,
  type CallbackState,
  type DeadLetterReason,
  type InboxRecord,
  type ReplayResult,
  type Row,
} from './inbox-records';
import { openInboxStore, type InboxStore } from './inbox-store';

export * from './inbox-records';

/**
 * The durable callback inbox: every signed callback is written here (fsync'd) before the desktop
 * gets its answer, then a relay applies it to its workflow. What cannot be applied stays here as a
 * dead letter with its reason, for an operator to list and replay. Keyed by notificationId:actionId,
 * so the platform's retries are recognised as duplicates.
 */

const MAX_RAW_BODY = 64 * 1024;
/**
 * Received rows one look for work reads at most (pendingRoutes). The rows ahead of a free alert belong to the
 * alerts being served, a few each (an alert has at most 5 actions), so this is far more than a look needs.
 */
const ROUTE_SCAN_ROWS = 1_000;

export class CallbackInbox {
  private readonly db: Database.Database;
  /** The relay's bookkeeping connection (see the constructor). */
  private readonly relaxed: Database.Database;
  private readonly listeners = new Set<() => void>();
  /** Callbacks waiting for the next group commit (insertDurably). */
  private readonly queued: Array<{
    callback: DesktopCallback;
    meta: CallbackMeta;
    resolve: (outcome: 'new' | 'duplicate') => void;
    reject: (err: unknown) => void;
  }> = [];
  private flushing: NodeJS.Immediate | undefined;
  private readonly stmts: InboxStore['stmts'];

  /** `file`: a path, or ':memory:' for throwaway use. The folder is created when missing. */
  constructor(readonly file: string) {
    ({ db: this.db, relaxed: this.relaxed, stmts: this.stmts } = openInboxStore(file));
  }

  /** Called after each new received row (the relay subscribes to wake up at once). */
  onReceived(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(): void {
    for (const fn of this.listeners) fn();
  }

  /** Store a validated callback. 'duplicate' when its notificationId:actionId is already known. */
  insert(callback: DesktopCallback, meta: CallbackMeta = {}): 'new' | 'duplicate' {
    const outcome = this.insertRow(callback, meta);
    if (outcome === 'new') this.notify();
    return outcome;
  }

  /**
   * insert(), committed together with every other callback that arrives in the same turn of the event loop:
   * one transaction, one fsync for all of them (group commit). Resolves once the row is on disk, so the
   * caller may answer 202. Under a burst, the callbacks that queued up during one commit share the next.
   */
  insertDurably(callback: DesktopCallback, meta: CallbackMeta = {}): Promise<'new' | 'duplicate'> {
    return new Promise((resolve, reject) => {
      this.queued.push({ callback, meta, resolve, reject });
      this.flushing ??= setImmediate(() => this.flushQueued());
    });
  }

  private flushQueued(): void {
    this.flushing = undefined;
    const batch = this.queued.splice(0);
    if (batch.length === 0) return;
    let outcomes: Array<'new' | 'duplicate'>;
    try {
      outcomes = this.db.transaction(() => batch.map((b) => this.insertRow(b.callback, b.meta)))();
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    batch.forEach((b, i) => b.resolve(outcomes[i]!));
    if (outcomes.includes('new')) this.notify();
  }

  private insertRow(callback: DesktopCallback, meta: CallbackMeta): 'new' | 'duplicate' {
    const r = this.stmts.insert.run({
      key: callbackKey(callback),
      alertId: routeOf(callback),
      payload: JSON.stringify(callback),
      deliveryId: meta.deliveryId ?? null,
      correlationId: meta.correlationId ?? null,
      now: new Date().toISOString(),
    });
    return r.changes === 0 ? 'duplicate' : 'new';
  }

  /** Keep a signed body that could not be used (bad JSON or schema). Returns the dead letter's id. */
  deadLetterRaw(
    reason: 'malformed_json' | 'invalid_schema',
    rawBody: Buffer | string,
    detail: string,
    meta: CallbackMeta = {},
  ): number {
    const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
    const r = this.stmts.insertDead.run({
      reason,
      detail: detail.slice(0, 2000),
      rawBody: body.slice(0, MAX_RAW_BODY),
      deliveryId: meta.deliveryId ?? null,
      correlationId: meta.correlationId ?? null,
      now: new Date().toISOString(),
    });
    return Number(r.lastInsertRowid);
  }

  /** Oldest received callbacks first. */
  pending(limit = 1000): InboxRecord[] {
    return (this.stmts.pending.all(limit) as Row[]).map(toRecord);
  }

  /**
   * Alerts with received callbacks, in the order of their oldest one (null: callbacks with no alert id), at
   * most `limit` of them, leaving out the `busy` ones (the relay's lanes already serve them). Cheap enough to
   * ask after every applied callback: it reads the oldest received rows and stops once it has `limit` alerts
   * or has read `maxRows` rows (then an alert waiting behind more rows than that is found on a later look,
   * once the busy alerts ahead of it have drained).
   */
  pendingRoutes(
    limit: number,
    busy: { has(alertId: string): boolean } = new Set(),
    maxRows = ROUTE_SCAN_ROWS,
  ): Array<string | null> {
    const out: Array<string | null> = [];
    if (limit <= 0) return out;
    const seen = new Set<string | null>();
    for (const { alertId } of this.stmts.routes.iterate(maxRows) as IterableIterator<{
      alertId: string | null;
    }>) {
      if (seen.has(alertId) || (alertId !== null && busy.has(alertId))) continue;
      seen.add(alertId);
      out.push(alertId);
      if (out.length >= limit) break; // ends the statement: no more rows are read
    }
    return out;
  }

  /** Received callbacks that name no alert (the relay dead-letters them). */
  pendingUnroutable(limit = 100): InboxRecord[] {
    return (this.stmts.unroutable.all(limit) as Row[]).map(toRecord);
  }

  /** The oldest received callback of one alert (the relay applies an alert's callbacks in arrival order). */
  nextPendingFor(alertId: string): InboxRecord | undefined {
    const r = this.stmts.nextFor.get(alertId) as Row | undefined;
    return r ? toRecord(r) : undefined;
  }

  get(id: number): InboxRecord | undefined {
    const r = this.stmts.get.get(id) as Row | undefined;
    return r ? toRecord(r) : undefined;
  }

  getByKey(key: string): InboxRecord | undefined {
    const r = this.stmts.getByKey.get(key) as Row | undefined;
    return r ? toRecord(r) : undefined;
  }

  /** received -> applied. False if it was not 'received' (so it is marked exactly once). */
  markApplied(id: number, outcome: string): boolean {
    return this.stmts.applied.run({ id, outcome, now: new Date().toISOString() }).changes === 1;
  }

  /** received -> dead_lettered(reason). */
  markDeadLettered(id: number, reason: DeadLetterReason, detail?: string): boolean {
    return (
      this.stmts.dead.run({
        id,
        reason,
        detail: detail?.slice(0, 2000) ?? null,
        now: new Date().toISOString(),
      }).changes === 1
    );
  }

  /**
   * Note a failed attempt that will be retried. `counted` false (Temporal unreachable): the reason is kept but
   * the attempt does not count towards the relay's limit, which is for errors an outage does not explain.
   */
  recordAttempt(id: number, detail: string, counted = true): void {
    this.stmts.attempt.run({
      id,
      n: counted ? 1 : 0,
      detail: detail.slice(0, 2000),
      now: new Date().toISOString(),
    });
  }

  /**
   * Delete at most `limit` applied callbacks last updated before `before`; returns how many went. Their
   * dedup keys go with them, which is safe long after the platform's last retry (minutes): a click delivered
   * again later is stored again, and the relay recognises it (Temporal answers its update id with the first
   * outcome, or the closed alert shows the action): it is never applied twice.
   */
  pruneApplied(before: Date, limit = 1000): number {
    return this.stmts.prune.run(before.toISOString(), limit).changes;
  }

  listDeadLetters(opts: { afterId?: number; limit?: number } = {}): InboxRecord[] {
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    return (this.stmts.listDead.all(opts.afterId ?? 0, limit) as Row[]).map(toRecord);
  }

  deadLetterCount(): number {
    return (this.stmts.countDead.get() as { n: number }).n;
  }

  /** Callbacks received and not yet applied or dead-lettered: the relay's backlog. */
  pendingCount(): number {
    return (this.stmts.countPending.get() as { n: number }).n;
  }

  /**
   * When the oldest pending callback was received (undefined: none pending). A replayed dead letter keeps its
   * first receipt time, so it looks old until the relay applies it.
   */
  oldestPendingReceivedAt(): Date | undefined {
    const row = this.stmts.oldestPending.get() as { receivedAt: string } | undefined;
    return row ? new Date(row.receivedAt) : undefined;
  }

  counts(): Record<CallbackState, number> {
    const out: Record<CallbackState, number> = { received: 0, applied: 0, dead_lettered: 0 };
    for (const r of this.stmts.countByState.all() as Array<{ state: CallbackState; n: number }>)
      out[r.state] = r.n;
    return out;
  }

  /**
   * Put a dead letter back in the queue, with its attempts reset (the operator fixed the cause, so it gets the
   * relay's full allowance again). Bodies that never parsed are parsed again (a schema fix may have made them
   * valid); a malformed one stays dead ('not_replayable').
   */
  replay(id: number): ReplayResult {
    const tx = this.db.transaction((): ReplayResult => {
      const row = this.get(id);
      if (!row) return 'not_found';
      if (row.state !== 'dead_lettered') return 'not_dead_lettered';
      const now = new Date().toISOString();
      if (row.callback) {
        this.stmts.requeue.run({ id, now });
        return 'replayed';
      }
      let parsed: DesktopCallback;
      try {
        const r = DesktopCallbackSchema.safeParse(JSON.parse(row.rawBody ?? ''));
        if (!r.success) return 'not_replayable';
        parsed = r.data;
      } catch {
        return 'not_replayable';
      }
      const key = callbackKey(parsed);
      if (this.getByKey(key)) return 'not_replayable'; // the same click arrived again later, in good shape
      this.stmts.requeueParsed.run({
        id,
        key,
        alertId: routeOf(parsed),
        payload: JSON.stringify(parsed),
        now,
      });
      return 'replayed';
    });
    const result = tx();
    if (result === 'replayed') this.notify();
    return result;
  }

  /** Replay every dead letter; returns how many went back to the queue and how many could not. */
  replayAll(): { replayed: number; skipped: number } {
    let replayed = 0;
    let skipped = 0;
    for (const { id } of this.stmts.deadIds.all() as Array<{ id: number }>) {
      if (this.replay(id) === 'replayed') replayed++;
      else skipped++;
    }
    return { replayed, skipped };
  }

  close(): void {
    // Whatever is waiting for a commit is committed (and answered) first.
    if (this.flushing) clearImmediate(this.flushing);
    if (this.db.open) this.flushQueued();
    this.listeners.clear();
    if (this.relaxed.open) this.relaxed.close();
    if (this.db.open) this.db.close();
  }
}
