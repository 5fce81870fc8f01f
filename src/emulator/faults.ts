/**
 * Fault injection: the settings (error rate, latency, presence flips, presence left out of expands),
 * forced-status rules and one-shot presence flips, and the per-call decisions drawn from them.
 */
import { randomUUID } from 'node:crypto';
import { checkNumber, checkPrefix, fail } from './checks';
import type { EmulatorUser, FaultSettings, FaultState, ForcedStatusInput, ForcedStatusRule } from './types';

const DEFAULT_FAULTS: FaultSettings = {
  errorRate: 0,
  errorStatus: 503,
  errorPathPrefix: '/api/',
  latencyMs: 0,
  slowRate: 0,
  slowMs: 0,
  latencyPathPrefix: '/',
  presenceFlipRate: 0,
  presenceExpandOmitRate: 0,
};

export class FaultInjector {
  private settings: FaultSettings = { ...DEFAULT_FAULTS };
  private forced: ForcedStatusRule[] = [];
  /** Users whose next notification POST flips them Offline. */
  private flipUsers = new Set<string>();
  readonly counters = { injected: 0, presenceFlips: 0 };

  /** @param random the random source of every probabilistic fault. */
  constructor(private readonly random: () => number) {}

  /** No faults, counters at zero. */
  reset(): void {
    this.clear();
    this.counters.injected = 0;
    this.counters.presenceFlips = 0;
  }

  get(): FaultState {
    return {
      ...this.settings,
      forced: this.forced.map((r) => ({ ...r })),
      presenceFlipUsers: [...this.flipUsers],
    };
  }

  /** Merges into the current settings; the whole patch is validated before any of it applies. */
  set(patch: Partial<FaultSettings>): FaultState {
    const next = { ...this.settings };
    const p = (patch ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(p))
      if (!(k in DEFAULT_FAULTS)) fail(400, 'invalid.value', `Unknown fault setting '${k}'`);
    if (p.errorRate !== undefined) next.errorRate = checkNumber(p.errorRate, 0, 1, 'errorRate');
    if (p.errorStatus !== undefined) next.errorStatus = checkNumber(p.errorStatus, 400, 599, 'errorStatus');
    if (p.errorPathPrefix !== undefined)
      next.errorPathPrefix = checkPrefix(p.errorPathPrefix, 'errorPathPrefix');
    if (p.latencyMs !== undefined) next.latencyMs = checkNumber(p.latencyMs, 0, 600_000, 'latencyMs');
    if (p.slowRate !== undefined) next.slowRate = checkNumber(p.slowRate, 0, 1, 'slowRate');
    if (p.slowMs !== undefined) next.slowMs = checkNumber(p.slowMs, 0, 600_000, 'slowMs');
    if (p.latencyPathPrefix !== undefined)
      next.latencyPathPrefix = checkPrefix(p.latencyPathPrefix, 'latencyPathPrefix');
    if (p.presenceFlipRate !== undefined)
      next.presenceFlipRate = checkNumber(p.presenceFlipRate, 0, 1, 'presenceFlipRate');
    if (p.presenceExpandOmitRate !== undefined)
      next.presenceExpandOmitRate = checkNumber(p.presenceExpandOmitRate, 0, 1, 'presenceExpandOmitRate');
    this.settings = next;
    return this.get();
  }

  forceStatus(rule: ForcedStatusInput): ForcedStatusRule {
    if (!rule || typeof rule !== 'object') fail(400, 'invalid.value', 'A rule object is required');
    const status = checkNumber(rule.status, 100, 599, 'status');
    const count = rule.count === undefined ? 1 : checkNumber(rule.count, 1, 1e9, 'count');
    if (rule.method !== undefined && (typeof rule.method !== 'string' || !rule.method))
      fail(400, 'invalid.value', 'method must be a string');
    const r: ForcedStatusRule = {
      id: randomUUID(),
      status,
      remaining: Math.floor(count),
      method: rule.method ? rule.method.toUpperCase() : null,
      pathPrefix: rule.pathPrefix === undefined ? '/api/' : checkPrefix(rule.pathPrefix, 'pathPrefix'),
      retryAfterSeconds:
        rule.retryAfterSeconds !== undefined
          ? Math.max(1, Math.ceil(checkNumber(rule.retryAfterSeconds, 0, 86_400, 'retryAfterSeconds')))
          : status === 429
            ? 1
            : null,
    };
    this.forced.push(r);
    return { ...r };
  }

  burst429(opts: { count: number; retryAfterSeconds?: number; pathPrefix?: string }): ForcedStatusRule {
    return this.forceStatus({
      status: 429,
      count: opts?.count,
      retryAfterSeconds: opts?.retryAfterSeconds ?? 1,
      pathPrefix: opts?.pathPrefix ?? '/api/',
    });
  }

  flipPresenceOnNextSend(userId: string): void {
    if (typeof userId !== 'string' || !userId) fail(400, 'invalid.value', 'userId is required');
    this.flipUsers.add(userId);
  }

  clear(): FaultState {
    this.settings = { ...DEFAULT_FAULTS };
    this.forced = [];
    this.flipUsers.clear();
    return this.get();
  }

  // ------------------------------------------------------------ per-call decisions

  /** Consumes one matching forced-status rule, if any. */
  takeForced(method: string, path: string): ForcedStatusRule | null {
    for (let i = 0; i < this.forced.length; i++) {
      const r = this.forced[i] as ForcedStatusRule;
      if (r.method !== null && r.method !== method) continue;
      if (!path.startsWith(r.pathPrefix)) continue;
      r.remaining--;
      if (r.remaining <= 0) this.forced.splice(i, 1);
      this.counters.injected++;
      return r;
    }
    return null;
  }

  /** The error status this call answers with (error rate), or null. */
  errorRateHit(path: string): number | null {
    const f = this.settings;
    if (f.errorRate > 0 && path.startsWith(f.errorPathPrefix) && this.random() < f.errorRate) {
      this.counters.injected++;
      return f.errorStatus;
    }
    return null;
  }

  /** How late this call's answer is, in ms. */
  latencyFor(path: string): number {
    const f = this.settings;
    if (!path.startsWith(f.latencyPathPrefix)) return 0;
    let ms = f.latencyMs;
    if (f.slowRate > 0 && this.random() < f.slowRate) ms += f.slowMs;
    return ms;
  }

  /** The agent logged out between the service's check and this send? Consumes a one-shot flip. */
  shouldFlipPresence(user: EmulatorUser): boolean {
    if (user.presence === 'Offline') return false;
    if (this.flipUsers.delete(user.id)) return true;
    return this.settings.presenceFlipRate > 0 && this.random() < this.settings.presenceFlipRate;
  }

  /** Counts a presence flip that was carried out. */
  recordPresenceFlip(): void {
    this.counters.presenceFlips++;
    this.counters.injected++;
  }

  /** Leave `presence` out of this answer's expand? (expand is best effort) */
  shouldOmitPresenceExpand(): boolean {
    const f = this.settings;
    if (!(f.presenceExpandOmitRate > 0 && this.random() < f.presenceExpandOmitRate)) return false;
    this.counters.injected++;
    return true;
  }
}
