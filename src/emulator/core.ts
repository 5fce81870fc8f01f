import { randomBytes, randomUUID } from 'node:crypto';
import { CallbackDispatcher, decodeSigningSecret } from './callbacks';
import type {
  CallbackDelivery,
  CallbackFilter,
  ClickInput,
  ClickResult,
  EmulatorClientSeed,
  EmulatorConfig,
  EmulatorControl,
  EmulatorNotification,
  EmulatorOptions,
  EmulatorStats,
  EmulatorUser,
  EmulatorUserPatch,
  EmulatorUserSeed,
  FaultSettings,
  FaultState,
  ForcedStatusInput,
  ForcedStatusRule,
  NotificationFilter,
  NotificationStatus,
  RequestFilter,
  RequestLogEntry,
  RequestRate,
  RequestRateQuery,
  UserState,
} from './types';
import { EmulatorControlError } from './types';
import { canonicalPresence, canonicalRoutingStatus, isoSeconds, RingBuffer, SlidingWindow } from './util';
import type { ValidNotification } from './validate';

export const DEFAULT_CLIENT: EmulatorClientSeed = {
  clientId: 'emulator-client',
  clientSecret: 'emulator-secret',
};
export const DEFAULT_NOTIFICATIONS_PATH = '/api/v2/desktop/notifications';
export const DEDUP_WINDOW_MS = 24 * 3600 * 1000;
export const MAX_NOTIFICATION_LIFETIME_MS = 24 * 3600 * 1000;

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

interface TokenRec {
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  /** API calls left before the token dies (expireTokens afterRequests). */
  remainingUses: number | null;
}

interface NotificationRec extends EmulatorNotification {
  createdAtMs: number;
  effectiveExpiresAtMs: number;
  bodyFingerprint: string;
}

/** A change the live desktop page (SSE) shows. */
export type EmulatorEvent =
  | { kind: 'notification'; notification: EmulatorNotification }
  | { kind: 'callback'; delivery: CallbackDelivery }
  | { kind: 'user'; user: EmulatorUser }
  | { kind: 'user-removed'; userId: string }
  | { kind: 'reset' };

export type AuthResult = { ok: true; clientId: string } | { ok: false; code: string; message: string };

function fail(status: number, code: string, message: string): never {
  throw new EmulatorControlError(status, code, message);
}

function checkNumber(v: unknown, min: number, max: number, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    fail(400, 'invalid.value', `${name} must be a number between ${min} and ${max}`);
  return v;
}

function checkPrefix(v: unknown, name: string): string {
  if (typeof v !== 'string' || !v.startsWith('/'))
    fail(400, 'invalid.value', `${name} must be a path starting with '/'`);
  return v;
}

/** All emulator state, and the control operations on it. The HTTP layer (server.ts) reads and updates it. */
export class EmulatorCore implements EmulatorControl {
  readonly random: () => number;
  config!: EmulatorConfig;
  signingSecret: Buffer | null = null;
  faults: FaultSettings = { ...DEFAULT_FAULTS };
  forced: ForcedStatusRule[] = [];
  flipUsers = new Set<string>();

  readonly clients = new Map<string, EmulatorClientSeed>();
  private tokens = new Map<string, TokenRec>();
  private users = new Map<string, EmulatorUser>();
  private emailIndex = new Map<string, Set<string>>();
  private notifications = new Map<string, NotificationRec>();
  private byKey = new Map<string, string>();
  private windows = new Map<string, SlidingWindow>();
  private requestLog: RingBuffer<RequestLogEntry>;
  private seq = 0;
  private startedAt = new Date();
  private counters = this.freshCounters();
  readonly dispatcher: CallbackDispatcher;
  private listeners = new Set<(e: EmulatorEvent) => void>();

  get logger(): EmulatorOptions['logger'] {
    return this.opts.logger;
  }

  constructor(private readonly opts: EmulatorOptions) {
    this.random = opts.random ?? Math.random;
    this.requestLog = new RingBuffer(opts.maxRequestLog ?? 100_000);
    this.dispatcher = new CallbackDispatcher(
      () => ({ signingSecret: this.signingSecret, timeScale: this.config.timeScale }),
      {
        onFailed: (d) => this.onCallbackFailed(d),
        onChange: (d) => this.emit(() => ({ kind: 'callback', delivery: structuredClone(d) })),
      },
      opts.maxCallbackDeliveries ?? 100_000,
      opts.logger,
    );
    this.initState();
  }

  /** Observe changes (notifications, callbacks, users). Returns the unsubscribe function. */
  subscribe(listener: (e: EmulatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Builds the event only when someone listens: benchmarks create notifications by the thousand. */
  private emit(build: () => EmulatorEvent): void {
    if (this.listeners.size === 0) return;
    const e = build();
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.opts.logger?.warn({ err }, 'emulator: event listener failed');
      }
    }
  }

  private emitNotification(n: NotificationRec): void {
    this.emit(() => ({ kind: 'notification', notification: this.toPublic(n, Date.now()) }));
  }

  private freshCounters() {
    return {
      requests: 0,
      byStatus: {} as Record<string, number>,
      byRoute: {} as Record<string, { total: number; byStatus: Record<string, number> }>,
      tokensIssued: 0,
      tokensRejected: 0,
      rateLimited: 0,
      faultsInjected: 0,
      created: 0,
      duplicatesSuppressed: 0,
      withoutIdempotencyKey: 0,
      bodyMismatches: 0,
      presenceFlips: 0,
      evicted: 0,
    };
  }

  private initState(): void {
    const o = this.opts;
    this.config = {
      rateLimitPerMinute: 300,
      tokenLifetimeSeconds: 86_400,
      callbackSigningSecret: null,
      timeScale: 1,
      notificationsPath: DEFAULT_NOTIFICATIONS_PATH,
      duplicateStatus: 200,
      searchOmitsEmptyResults: true,
    };
    this.signingSecret = null;
    this.setConfig({
      rateLimitPerMinute: o.rateLimitPerMinute ?? 300,
      tokenLifetimeSeconds: o.tokenLifetimeSeconds ?? 86_400,
      callbackSigningSecret: o.callbackSigningSecret ?? null,
      timeScale: o.timeScale ?? 1,
      notificationsPath: o.notificationsPath ?? DEFAULT_NOTIFICATIONS_PATH,
      duplicateStatus: o.duplicateStatus ?? 200,
      searchOmitsEmptyResults: o.searchOmitsEmptyResults ?? true,
    });
    this.faults = { ...DEFAULT_FAULTS };
    this.forced = [];
    this.flipUsers.clear();
    this.clients.clear();
    for (const c of o.clients ?? [DEFAULT_CLIENT]) this.addClient(c);
    this.tokens.clear();
    this.users.clear();
    this.emailIndex.clear();
    this.notifications.clear();
    this.byKey.clear();
    this.windows.clear();
    this.requestLog.clear();
    this.seq = 0;
    this.startedAt = new Date();
    this.counters = this.freshCounters();
    for (const u of o.users ?? []) this.addUser(u);
  }

  // ---------------------------------------------------------------- OAuth

  addClient(client: EmulatorClientSeed): void {
    if (
      !client ||
      typeof client.clientId !== 'string' ||
      !client.clientId ||
      typeof client.clientSecret !== 'string' ||
      !client.clientSecret
    ) {
      fail(400, 'invalid.value', 'clientId and clientSecret are required');
    }
    if (client.tokenLifetimeSeconds !== undefined)
      checkNumber(client.tokenLifetimeSeconds, 1, 172_800, 'tokenLifetimeSeconds');
    this.clients.set(client.clientId, { ...client });
  }

  checkClient(clientId: string, secret: string): boolean {
    const c = this.clients.get(clientId);
    return c !== undefined && c.clientSecret === secret;
  }

  issueToken(clientId: string): { token: string; expiresIn: number } {
    const lifetime = this.clients.get(clientId)?.tokenLifetimeSeconds ?? this.config.tokenLifetimeSeconds;
    const token = randomBytes(48).toString('base64url');
    const now = Date.now();
    this.tokens.set(token, {
      clientId,
      issuedAt: now,
      expiresAt: now + lifetime * 1000,
      remainingUses: null,
    });
    this.counters.tokensIssued++;
    if (this.tokens.size > 10_000) {
      for (const [t, rec] of this.tokens) if (rec.expiresAt <= now) this.tokens.delete(t);
    }
    return { token, expiresIn: lifetime };
  }

  authenticate(authorization: string | undefined): AuthResult {
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!m) {
      this.counters.tokensRejected++;
      return {
        ok: false,
        code: 'authentication.required',
        message: 'No authentication bearer token specified in authorization header.',
      };
    }
    const rec = this.tokens.get(m[1] as string);
    const now = Date.now();
    if (!rec || rec.expiresAt <= now || rec.remainingUses === 0) {
      this.counters.tokensRejected++;
      return { ok: false, code: 'bad.credentials', message: 'Invalid login credentials.' };
    }
    if (rec.remainingUses !== null) rec.remainingUses--;
    return { ok: true, clientId: rec.clientId };
  }

  revokeTokens(opts: { clientId?: string } = {}): number {
    let n = 0;
    for (const [t, rec] of this.tokens) {
      if (opts.clientId === undefined || rec.clientId === opts.clientId) {
        this.tokens.delete(t);
        n++;
      }
    }
    return n;
  }

  expireTokens(opts: { clientId?: string; afterMs?: number; afterRequests?: number } = {}): number {
    const now = Date.now();
    if (opts.afterMs !== undefined) checkNumber(opts.afterMs, 0, 1e12, 'afterMs');
    if (opts.afterRequests !== undefined) checkNumber(opts.afterRequests, 0, 1e12, 'afterRequests');
    let n = 0;
    for (const rec of this.tokens.values()) {
      if (opts.clientId !== undefined && rec.clientId !== opts.clientId) continue;
      if (rec.expiresAt <= now) continue;
      if (opts.afterRequests !== undefined) rec.remainingUses = Math.floor(opts.afterRequests);
      if (opts.afterMs !== undefined || opts.afterRequests === undefined)
        rec.expiresAt = Math.min(rec.expiresAt, now + (opts.afterMs ?? 0));
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------- rate limit

  /** Spends one call of the client's budget. */
  rateLimit(
    clientId: string,
    now: number,
  ): { limited: boolean; headers: Record<string, string>; retryAfter: number } | null {
    const limit = this.config.rateLimitPerMinute;
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
    if (!r.ok) this.counters.rateLimited++;
    return { limited: !r.ok, headers, retryAfter };
  }

  // ---------------------------------------------------------------- faults

  getFaults(): FaultState {
    return {
      ...this.faults,
      forced: this.forced.map((r) => ({ ...r })),
      presenceFlipUsers: [...this.flipUsers],
    };
  }

  setFaults(patch: Partial<FaultSettings>): FaultState {
    const next = { ...this.faults };
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
    this.faults = next;
    return this.getFaults();
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

  clearFaults(): FaultState {
    this.faults = { ...DEFAULT_FAULTS };
    this.forced = [];
    this.flipUsers.clear();
    return this.getFaults();
  }

  /** Consumes one matching forced-status rule, if any. */
  takeForced(method: string, path: string): ForcedStatusRule | null {
    for (let i = 0; i < this.forced.length; i++) {
      const r = this.forced[i] as ForcedStatusRule;
      if (r.method !== null && r.method !== method) continue;
      if (!path.startsWith(r.pathPrefix)) continue;
      r.remaining--;
      if (r.remaining <= 0) this.forced.splice(i, 1);
      this.counters.faultsInjected++;
      return r;
    }
    return null;
  }

  errorRateHit(path: string): number | null {
    const f = this.faults;
    if (f.errorRate > 0 && path.startsWith(f.errorPathPrefix) && this.random() < f.errorRate) {
      this.counters.faultsInjected++;
      return f.errorStatus;
    }
    return null;
  }

  latencyFor(path: string): number {
    const f = this.faults;
    if (!path.startsWith(f.latencyPathPrefix)) return 0;
    let ms = f.latencyMs;
    if (f.slowRate > 0 && this.random() < f.slowRate) ms += f.slowMs;
    return ms;
  }

  // ---------------------------------------------------------------- config

  getConfig(): EmulatorConfig {
    return { ...this.config };
  }

  setConfig(patch: Partial<EmulatorConfig>): EmulatorConfig {
    const p = (patch ?? {}) as Record<string, unknown>;
    const next = { ...this.config };
    let secret = this.signingSecret;
    for (const k of Object.keys(p))
      if (!(k in next)) fail(400, 'invalid.value', `Unknown config setting '${k}'`);
    if (p.rateLimitPerMinute !== undefined)
      next.rateLimitPerMinute = Math.floor(checkNumber(p.rateLimitPerMinute, 0, 1e9, 'rateLimitPerMinute'));
    if (p.tokenLifetimeSeconds !== undefined)
      next.tokenLifetimeSeconds = checkNumber(p.tokenLifetimeSeconds, 1, 172_800, 'tokenLifetimeSeconds');
    if (p.timeScale !== undefined) next.timeScale = checkNumber(p.timeScale, 0, 1000, 'timeScale');
    if (p.notificationsPath !== undefined)
      next.notificationsPath = checkPrefix(p.notificationsPath, 'notificationsPath').replace(/\/+$/, '');
    if (p.duplicateStatus !== undefined) {
      if (p.duplicateStatus !== 200 && p.duplicateStatus !== 201)
        fail(400, 'invalid.value', 'duplicateStatus must be 200 or 201');
      next.duplicateStatus = p.duplicateStatus;
    }
    if (p.searchOmitsEmptyResults !== undefined) {
      if (typeof p.searchOmitsEmptyResults !== 'boolean')
        fail(400, 'invalid.value', 'searchOmitsEmptyResults must be a boolean');
      next.searchOmitsEmptyResults = p.searchOmitsEmptyResults;
    }
    if (p.callbackSigningSecret !== undefined) {
      if (p.callbackSigningSecret === null || p.callbackSigningSecret === '') {
        next.callbackSigningSecret = null;
        secret = null;
      } else {
        if (typeof p.callbackSigningSecret !== 'string')
          fail(400, 'invalid.value', 'callbackSigningSecret must be whsec_<base64>');
        try {
          secret = decodeSigningSecret(p.callbackSigningSecret);
        } catch {
          fail(400, 'invalid.value', 'callbackSigningSecret must be whsec_<base64>');
        }
        next.callbackSigningSecret = p.callbackSigningSecret;
      }
    }
    if (next.rateLimitPerMinute !== this.config.rateLimitPerMinute) this.windows.clear();
    this.config = next;
    this.signingSecret = secret;
    return this.getConfig();
  }

  // ---------------------------------------------------------------- users

  private indexEmail(u: EmulatorUser, add: boolean): void {
    const key = u.email.toLowerCase();
    let set = this.emailIndex.get(key);
    if (add) {
      if (!set) this.emailIndex.set(key, (set = new Set()));
      set.add(u.id);
    } else if (set) {
      set.delete(u.id);
      if (set.size === 0) this.emailIndex.delete(key);
    }
  }

  private parseState(v: unknown): UserState {
    if (v !== 'active' && v !== 'inactive' && v !== 'deleted')
      fail(400, 'invalid.value', 'state must be active, inactive or deleted');
    return v;
  }

  private parsePresence(v: unknown): string {
    const p = typeof v === 'string' ? canonicalPresence(v) : undefined;
    if (!p)
      fail(
        400,
        'invalid.value',
        `presence must be one of Available, Away, Busy, Offline, Idle, On Queue, Meal, Training, Meeting, Break`,
      );
    return p;
  }

  private parseRouting(v: unknown): string {
    const r = typeof v === 'string' ? canonicalRoutingStatus(v) : undefined;
    if (!r)
      fail(
        400,
        'invalid.value',
        'routingStatus must be one of OFF_QUEUE, IDLE, INTERACTING, NOT_RESPONDING, COMMUNICATING',
      );
    return r;
  }

  addUser(seed: EmulatorUserSeed): EmulatorUser {
    if (!seed || typeof seed !== 'object') fail(400, 'invalid.value', 'A user object is required');
    if (typeof seed.name !== 'string' || !seed.name) fail(400, 'invalid.value', 'name is required');
    if (typeof seed.email !== 'string' || !seed.email.includes('@'))
      fail(400, 'invalid.value', 'email is required');
    const id = seed.id ?? randomUUID();
    if (typeof id !== 'string' || !id) fail(400, 'invalid.value', 'id must be a string');
    if (this.users.has(id)) fail(409, 'conflict', `User ${id} already exists`);
    const presence = seed.presence === undefined ? 'Available' : this.parsePresence(seed.presence);
    const routingStatus =
      seed.routingStatus === undefined
        ? presence === 'Offline'
          ? 'OFF_QUEUE'
          : 'IDLE'
        : this.parseRouting(seed.routingStatus);
    const now = new Date().toISOString();
    const u: EmulatorUser = {
      id,
      name: seed.name,
      email: seed.email,
      state: seed.state === undefined ? 'active' : this.parseState(seed.state),
      presence,
      presenceModifiedDate: now,
      routingStatus,
      routingStatusStartTime: now,
      version: 1,
    };
    this.users.set(id, u);
    this.indexEmail(u, true);
    this.emit(() => ({ kind: 'user', user: { ...u } }));
    return { ...u };
  }

  updateUser(id: string, patch: EmulatorUserPatch): EmulatorUser {
    const u = this.users.get(id);
    if (!u) fail(404, 'not.found', `Unknown user ${id}`);
    const p = patch ?? {};
    const now = new Date().toISOString();
    const next = { ...u };
    if (p.name !== undefined) {
      if (typeof p.name !== 'string' || !p.name)
        fail(400, 'invalid.value', 'name must be a non-empty string');
      next.name = p.name;
    }
    if (p.email !== undefined) {
      if (typeof p.email !== 'string' || !p.email.includes('@'))
        fail(400, 'invalid.value', 'email must be an email address');
      next.email = p.email;
    }
    if (p.state !== undefined) next.state = this.parseState(p.state);
    if (p.presence !== undefined) {
      const presence = this.parsePresence(p.presence);
      if (presence !== u.presence) {
        next.presence = presence;
        next.presenceModifiedDate = now;
      }
      if (presence === 'Offline' && p.routingStatus === undefined && next.routingStatus !== 'OFF_QUEUE') {
        next.routingStatus = 'OFF_QUEUE';
        next.routingStatusStartTime = now;
      }
    }
    if (p.routingStatus !== undefined) {
      const r = this.parseRouting(p.routingStatus);
      if (r !== next.routingStatus) {
        next.routingStatus = r;
        next.routingStatusStartTime = now;
      }
    }
    next.version = u.version + 1;
    this.indexEmail(u, false);
    this.users.set(id, next);
    this.indexEmail(next, true);
    this.emit(() => ({ kind: 'user', user: { ...next } }));
    return { ...next };
  }

  removeUser(id: string): boolean {
    const u = this.users.get(id);
    if (!u) return false;
    this.indexEmail(u, false);
    this.users.delete(id);
    this.emit(() => ({ kind: 'user-removed', userId: id }));
    return true;
  }

  getUser(id: string): EmulatorUser | undefined {
    const u = this.users.get(id);
    return u ? { ...u } : undefined;
  }

  listUsers(): EmulatorUser[] {
    return [...this.users.values()].map((u) => ({ ...u }));
  }

  /** Internal, no copy. */
  userRec(id: string): EmulatorUser | undefined {
    return this.users.get(id);
  }

  allUsers(): IterableIterator<EmulatorUser> {
    return this.users.values();
  }

  usersByEmail(email: string): EmulatorUser[] {
    const ids = this.emailIndex.get(email.toLowerCase());
    if (!ids) return [];
    return [...ids].map((id) => this.users.get(id)).filter((u): u is EmulatorUser => u !== undefined);
  }

  // ---------------------------------------------------------------- notifications

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

  /** The agent logged out between the service's check and this send? (fault injection) */
  shouldFlipPresence(user: EmulatorUser): boolean {
    if (user.presence === 'Offline') return false;
    if (this.flipUsers.delete(user.id)) return true;
    return this.faults.presenceFlipRate > 0 && this.random() < this.faults.presenceFlipRate;
  }

  /** Leave `presence` out of this answer's expand? (fault injection: expand is best effort) */
  shouldOmitPresenceExpand(): boolean {
    const f = this.faults;
    if (!(f.presenceExpandOmitRate > 0 && this.random() < f.presenceExpandOmitRate)) return false;
    this.counters.faultsInjected++;
    return true;
  }

  flipOffline(user: EmulatorUser): void {
    this.updateUser(user.id, { presence: 'Offline', routingStatus: 'OFF_QUEUE' });
    this.counters.presenceFlips++;
    this.counters.faultsInjected++;
  }

  createNotification(
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
    this.emitNotification(n);
    const max = this.opts.maxNotifications ?? 100_000;
    while (this.notifications.size > max) {
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
    return n;
  }

  private statusOf(n: NotificationRec, now: number): NotificationStatus {
    if ((n.status === 'queued' || n.status === 'shown') && now >= n.effectiveExpiresAtMs) return 'expired';
    return n.status;
  }

  private toPublic(n: NotificationRec, now: number): EmulatorNotification {
    const { createdAtMs: _c, effectiveExpiresAtMs: _e, bodyFingerprint: _b, ...rest } = n;
    return { ...structuredClone(rest), status: this.statusOf(n, now) };
  }

  listNotifications(filter: NotificationFilter = {}): EmulatorNotification[] {
    const now = Date.now();
    const out: EmulatorNotification[] = [];
    if (filter.idempotencyKey !== undefined) {
      const id = this.byKey.get(filter.idempotencyKey);
      const n = id === undefined ? undefined : this.notifications.get(id);
      const all = n
        ? [n]
        : [...this.notifications.values()].filter((x) => x.idempotencyKey === filter.idempotencyKey);
      for (const x of all) {
        if (filter.userId !== undefined && x.userId !== filter.userId) continue;
        if (filter.status !== undefined && this.statusOf(x, now) !== filter.status) continue;
        out.push(this.toPublic(x, now));
      }
      return out;
    }
    for (const n of this.notifications.values()) {
      if (filter.userId !== undefined && n.userId !== filter.userId) continue;
      if (filter.status !== undefined && this.statusOf(n, now) !== filter.status) continue;
      out.push(this.toPublic(n, now));
    }
    return out;
  }

  getNotification(id: string): EmulatorNotification | undefined {
    const n = this.notifications.get(id);
    return n ? this.toPublic(n, Date.now()) : undefined;
  }

  expireNotification(id: string): EmulatorNotification {
    const n = this.notifications.get(id);
    if (!n) fail(404, 'not.found', `Unknown notification ${id}`);
    const now = Date.now();
    n.effectiveExpiresAtMs = Math.min(n.effectiveExpiresAtMs, now);
    n.effectiveExpiresAt = new Date(n.effectiveExpiresAtMs).toISOString();
    this.emitNotification(n);
    return this.toPublic(n, now);
  }

  click(notificationId: string, input: ClickInput = {}): ClickResult {
    const n = this.notifications.get(notificationId);
    if (!n) fail(404, 'not.found', `Unknown notification ${notificationId}`);
    const now = Date.now();
    if (!n.deliverable)
      fail(
        409,
        'notification.not.shown',
        'The notification was never shown: the agent had no desktop session when it was sent',
      );
    if (now >= n.effectiveExpiresAtMs) fail(409, 'notification.expired', 'The notification has expired');
    const user = this.users.get(n.userId);
    if (!user || user.state !== 'active' || user.presence === 'Offline')
      fail(409, 'agent.offline', 'The agent has no desktop session any more');
    if (n.actions.length === 0) fail(409, 'no.actions', 'The notification has no actions');
    let index: number;
    if (input.actionId !== undefined && input.actionId !== null) {
      index = n.actions.findIndex((a, i) => (a.id ?? String(i)) === input.actionId);
      if (index < 0)
        fail(404, 'not.found', `No action '${input.actionId}' on notification ${notificationId}`);
    } else {
      index = input.index ?? 0;
      if (!Number.isInteger(index) || index < 0 || index >= n.actions.length)
        fail(404, 'not.found', `No action at index ${index}`);
    }
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
        this.dispatcher.send({
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
    this.emitNotification(n);
    return { notificationId: n.id, actionId, index, actionType: action.actionType, delivery };
  }

  private onCallbackFailed(d: CallbackDelivery): void {
    const n = this.notifications.get(d.notificationId);
    if (!n) return;
    n.status = 'failed';
    this.emitNotification(n);
  }

  // ---------------------------------------------------------------- inspection

  logRequest(e: Omit<RequestLogEntry, 'seq'>): void {
    const entry: RequestLogEntry = { seq: ++this.seq, ...e };
    this.requestLog.push(entry);
    const c = this.counters;
    c.requests++;
    const s = String(e.status);
    c.byStatus[s] = (c.byStatus[s] ?? 0) + 1;
    const r = (c.byRoute[e.route] ??= { total: 0, byStatus: {} });
    r.total++;
    r.byStatus[s] = (r.byStatus[s] ?? 0) + 1;
  }

  private matches(
    e: RequestLogEntry,
    f: RequestFilter | (RequestRateQuery & { statuses?: number[] }),
  ): boolean {
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

  listRequests(filter: RequestFilter = {}): RequestLogEntry[] {
    const out: RequestLogEntry[] = [];
    for (const e of this.requestLog) if (this.matches(e, filter)) out.push({ ...e });
    return filter.limit !== undefined && filter.limit >= 0
      ? out.slice(Math.max(0, out.length - filter.limit))
      : out;
  }

  requestRate(query: RequestRateQuery = {}): RequestRate {
    const windowMs = query.windowMs ?? 1000;
    if (!(windowMs > 0)) fail(400, 'invalid.value', 'windowMs must be > 0');
    const buckets: { start: number; count: number }[] = [];
    let first: number | null = null;
    let total = 0;
    for (const e of this.requestLog) {
      if (!this.matches(e, query)) continue;
      if (first === null) first = e.at;
      const i = Math.floor((e.at - first) / windowMs);
      while (buckets.length <= i) buckets.push({ start: first + buckets.length * windowMs, count: 0 });
      buckets[i]!.count++;
      total++;
    }
    return { windowMs, buckets, max: buckets.reduce((m, b) => Math.max(m, b.count), 0), total };
  }

  listCallbackDeliveries(filter?: CallbackFilter): CallbackDelivery[] {
    return this.dispatcher.list(filter);
  }

  getCallbackDelivery(id: string): CallbackDelivery | undefined {
    const d = this.dispatcher.get(id);
    return d ? structuredClone(d) : undefined;
  }

  waitForCallback(id: string, timeoutMs = 30_000): Promise<CallbackDelivery> {
    return this.dispatcher.waitFor(id, timeoutMs);
  }

  waitForCallbacksIdle(timeoutMs = 30_000): Promise<void> {
    return this.dispatcher.waitIdle(timeoutMs);
  }

  stats(): EmulatorStats {
    const now = Date.now();
    const c = this.counters;
    const byStatus: Record<NotificationStatus, number> = {
      queued: 0,
      shown: 0,
      actioned: 0,
      expired: 0,
      failed: 0,
    };
    for (const n of this.notifications.values()) byStatus[this.statusOf(n, now)]++;
    let active = 0;
    for (const t of this.tokens.values()) if (t.expiresAt > now && t.remainingUses !== 0) active++;
    const cb = this.dispatcher.counters;
    return {
      startedAt: this.startedAt.toISOString(),
      requests: { total: c.requests, byStatus: { ...c.byStatus }, byRoute: structuredClone(c.byRoute) },
      tokens: { issued: c.tokensIssued, rejected: c.tokensRejected, active },
      rateLimited: c.rateLimited,
      faultsInjected: c.faultsInjected,
      notifications: {
        created: c.created,
        duplicatesSuppressed: c.duplicatesSuppressed,
        withoutIdempotencyKey: c.withoutIdempotencyKey,
        bodyMismatches: c.bodyMismatches,
        presenceFlips: c.presenceFlips,
        evicted: c.evicted,
        byStatus,
      },
      callbacks: { ...cb, pending: this.dispatcher.pendingCount },
    };
  }

  reset(): void {
    this.dispatcher.reset();
    this.initState();
    this.emit(() => ({ kind: 'reset' }));
  }
}
