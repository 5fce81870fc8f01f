/**
 * Desktop notifications: creation with idempotent replays (24 h window), the bounded store, lazily
 * computed expiry, and the agent's clicks, which send callback messages through the dispatcher.
 */
import { randomUUID } from 'node:crypto';
import type { CallbackDispatcher } from './callbacks';
import { fail } from './checks';
import type { EventHub } from './events';
import { isoSeconds } from './time';
import type {
  CallbackDelivery,
  ClickInput,
  ClickResult,
  EmulatorNotification,
  EmulatorUser,
  NotificationFilter,
  NotificationStatus,
} from './types';
import type { UserDirectory } from './users';
import type { ValidNotification } from './validate';

export const DEDUP_WINDOW_MS = 24 * 3600 * 1000;
export const MAX_NOTIFICATION_LIFETIME_MS = 24 * 3600 * 1000;

export interface NotificationRec extends EmulatorNotification {
  createdAtMs: number;
  effectiveExpiresAtMs: number;
  bodyFingerprint: string;
}

export class NotificationStore {
  private notifications = new Map<string, NotificationRec>();
  private byKey = new Map<string, string>();
  readonly counters = {
    created: 0,
    duplicatesSuppressed: 0,
    withoutIdempotencyKey: 0,
    bodyMismatches: 0,
    evicted: 0,
  };

  constructor(
    private readonly deps: {
      events: EventHub;
      users: UserDirectory;
      dispatcher: CallbackDispatcher;
      /** Notifications kept (oldest evicted first). */
      maxKept: number;
      /** The expiry clock (the start option `now`). */
      now: () => number;
    },
  ) {}

  /** No notifications, counters at zero. */
  reset(): void {
    this.notifications.clear();
    this.byKey.clear();
    for (const k of Object.keys(this.counters) as (keyof typeof this.counters)[]) this.counters[k] = 0;
  }

  /** A live replay target for this idempotency key, counting the post. */
  findReplay(key: string, fingerprint: string, now: number): NotificationRec | null {
    const id = this.byKey.get(key);
    if (id === undefined) return null;
    const n = this.notifications.get(id);
    if (!n || now - n.createdAtMs >= DEDUP_WINDOW_MS) {
      this.byKey.delete(key);
      return null;
    }
    n.posts++;
    this.counters.duplicatesSuppressed++;
    if (fingerprint !== n.bodyFingerprint) {
      n.bodyMismatches++;
      this.counters.bodyMismatches++;
    }
    return n;
  }

  /** Shown at once when the agent has a desktop session; otherwise queued, never shown. */
  create(
    v: ValidNotification,
    user: EmulatorUser,
    clientId: string | null,
    fingerprint: string,
    now: number,
  ): NotificationRec {
    const deliverable = user.state === 'active' && user.presence !== 'Offline';
    const effectiveExpiresAtMs = Math.min(v.expiresAtMs ?? Infinity, now + MAX_NOTIFICATION_LIFETIME_MS);
    const n: NotificationRec = {
      id: randomUUID(),
      userId: user.id,
      clientId,
      idempotencyKey: v.idempotencyKey,
      posts: 1,
      bodyMismatches: 0,
      title: v.title,
      message: v.message,
      type: v.type,
      actions: v.actions,
      expiresAt: v.expiresAt,
      effectiveExpiresAt: new Date(effectiveExpiresAtMs).toISOString(),
      createdAt: new Date(now).toISOString(),
      status: deliverable ? 'shown' : 'queued',
      deliverable,
      shownAt: deliverable ? new Date(now).toISOString() : null,
      actionedAt: null,
      clicks: [],
      createdAtMs: now,
      effectiveExpiresAtMs,
      bodyFingerprint: fingerprint,
    };
    this.notifications.set(n.id, n);
    if (v.idempotencyKey !== null) this.byKey.set(v.idempotencyKey, n.id);
    else this.counters.withoutIdempotencyKey++;
    this.counters.created++;
    this.emitChange(n);
    this.evictOverflow();
    return n;
  }

  /** Oldest first, their idempotency keys with them. */
  private evictOverflow(): void {
    while (this.notifications.size > this.deps.maxKept) {
      const oldest = this.notifications.keys().next().value as string;
      const o = this.notifications.get(oldest);
      this.notifications.delete(oldest);
      if (
        o?.idempotencyKey !== null &&
        o?.idempotencyKey !== undefined &&
        this.byKey.get(o.idempotencyKey) === oldest
      )
        this.byKey.delete(o.idempotencyKey);
      this.counters.evicted++;
    }
  }

  list(filter: NotificationFilter = {}): EmulatorNotification[] {
    const now = this.deps.now();
    const out: EmulatorNotification[] = [];
    const candidates =
      filter.idempotencyKey !== undefined ? this.withKey(filter.idempotencyKey) : this.notifications.values();
    for (const n of candidates) {
      if (filter.userId !== undefined && n.userId !== filter.userId) continue;
      if (filter.status !== undefined && statusOf(n, now) !== filter.status) continue;
      out.push(toPublic(n, now));
    }
    return out;
  }

  /** The key's current notification; failing that, every one that carried the key. */
  private withKey(key: string): NotificationRec[] {
    const id = this.byKey.get(key);
    const n = id === undefined ? undefined : this.notifications.get(id);
    return n ? [n] : [...this.notifications.values()].filter((x) => x.idempotencyKey === key);
  }

  get(id: string): EmulatorNotification | undefined {
    const n = this.notifications.get(id);
    return n ? toPublic(n, this.deps.now()) : undefined;
  }

  expire(id: string): EmulatorNotification {
    const n = this.require(id);
    const now = this.deps.now();
    n.effectiveExpiresAtMs = Math.min(n.effectiveExpiresAtMs, now);
    n.effectiveExpiresAt = new Date(n.effectiveExpiresAtMs).toISOString();
    this.emitChange(n);
    return toPublic(n, now);
  }

  /** The agent clicks an action; a callback action sends a callback message. */
  click(notificationId: string, input: ClickInput = {}): ClickResult {
    const n = this.require(notificationId);
    const now = this.deps.now();
    if (!n.deliverable)
      fail(
        409,
        'notification.not.shown',
        'The notification was never shown: the agent had no desktop session when it was sent',
      );
    if (now >= n.effectiveExpiresAtMs) fail(409, 'notification.expired', 'The notification has expired');
    const user = this.deps.users.rec(n.userId);
    if (!user || user.state !== 'active' || user.presence === 'Offline')
      fail(409, 'agent.offline', 'The agent has no desktop session any more');
    if (n.actions.length === 0) fail(409, 'no.actions', 'The notification has no actions');
    const index = actionIndex(n, input);
    const action = n.actions[index]!;
    const actionId = action.id ?? String(index);
    let delivery: CallbackDelivery | null = null;
    if (action.actionType === 'callback' && action.callbackUrl) {
      const payload = {
        notificationId: n.id,
        userId: n.userId,
        actionId,
        metadata: action.metadata ?? {},
        timestamp: isoSeconds(now),
      };
      delivery = structuredClone(
        this.deps.dispatcher.send({
          notificationId: n.id,
          userId: n.userId,
          actionId,
          url: action.callbackUrl,
          payload,
        }),
      );
    }
    n.status = 'actioned';
    n.actionedAt ??= new Date(now).toISOString();
    n.clicks.push({ actionId, index, at: new Date(now).toISOString(), deliveryId: delivery?.id ?? null });
    this.emitChange(n);
    return { notificationId: n.id, actionId, index, actionType: action.actionType, delivery };
  }

  /** A callback message exhausted its retries: its notification ends failed. */
  markFailed(notificationId: string): void {
    const n = this.notifications.get(notificationId);
    if (!n) return;
    n.status = 'failed';
    this.emitChange(n);
  }

  countByStatus(now: number): Record<NotificationStatus, number> {
    const byStatus: Record<NotificationStatus, number> = {
      queued: 0,
      shown: 0,
      actioned: 0,
      expired: 0,
      failed: 0,
    };
    for (const n of this.notifications.values()) byStatus[statusOf(n, now)]++;
    return byStatus;
  }

  private require(id: string): NotificationRec {
    const n = this.notifications.get(id);
    if (!n) fail(404, 'not.found', `Unknown notification ${id}`);
    return n;
  }

  private emitChange(n: NotificationRec): void {
    this.deps.events.emit(() => ({ kind: 'notification', notification: toPublic(n, this.deps.now()) }));
  }
}

/** By actionId, else by index (default 0). */
function actionIndex(n: NotificationRec, input: ClickInput): number {
  if (input.actionId !== undefined && input.actionId !== null) {
    const index = n.actions.findIndex((a, i) => (a.id ?? String(i)) === input.actionId);
    if (index < 0) fail(404, 'not.found', `No action '${input.actionId}' on notification ${n.id}`);
    return index;
  }
  const index = input.index ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= n.actions.length)
    fail(404, 'not.found', `No action at index ${index}`);
  return index;
}

/** Expiry is computed, not stored: a queued or shown notification past its time is expired. */
function statusOf(n: NotificationRec, now: number): NotificationStatus {
  if ((n.status === 'queued' || n.status === 'shown') && now >= n.effectiveExpiresAtMs) return 'expired';
  return n.status;
}

function toPublic(n: NotificationRec, now: number): EmulatorNotification {
  const { createdAtMs: _c, effectiveExpiresAtMs: _e, bodyFingerprint: _b, ...rest } = n;
  return { ...structuredClone(rest), status: statusOf(n, now) };
}
