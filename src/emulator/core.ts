/**
 * The emulator's state behind one facade: composes the config, tokens, authorization codes, rate limiter, faults, users,
 * notifications, callback dispatcher and request log, implements EmulatorControl by delegating to
 * them, and owns stats() and reset(). The HTTP layer (server.ts, pipeline.ts, api/) uses the parts.
 */
import { AuthCodeStore } from './auth-codes';
import { CallbackDispatcher } from './callbacks';
import { ConfigStore } from './config';
import { EventHub, type EmulatorEvent } from './events';
import { FaultInjector } from './faults';
import { NotificationStore } from './notifications';
import { RateLimiter } from './rate-limit';
import { RegistrationStore } from './registrations';
import { ShellRecords } from './shell-records';
import { RequestLog } from './request-log';
import { DEFAULT_CLIENT, DEFAULT_PKCE_CLIENT, TokenStore } from './tokens';
import type {
  AttentionCount,
  CallbackDelivery,
  CallbackFilter,
  ClickInput,
  ClickResult,
  EmulatorClientSeed,
  EmulatorConfig,
  EmulatorControl,
  EmulatorIntegration,
  EmulatorNotification,
  EmulatorOAuthClient,
  EmulatorOptions,
  EmulatorStats,
  EmulatorUser,
  EmulatorUserPatch,
  EmulatorUserSeed,
  FaultSettings,
  FaultState,
  ForcedStatusInput,
  HostToast,
  ForcedStatusRule,
  NotificationFilter,
  RequestFilter,
  RequestLogEntry,
  RequestRate,
  ShellLifecycleEntry,
  ShellState,
  RequestRateQuery,
} from './types';
import { UserDirectory } from './users';

export class EmulatorCore implements EmulatorControl {
  readonly events: EventHub;
  readonly config: ConfigStore;
  readonly tokens: TokenStore;
  readonly codes: AuthCodeStore;
  readonly registrations: RegistrationStore;
  readonly rateLimiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly users: UserDirectory;
  readonly dispatcher: CallbackDispatcher;
  readonly notifications: NotificationStore;
  readonly requests: RequestLog;
  readonly shell = new ShellRecords();
  private startedAt = new Date();
  /** The expiry clock: the start option `now`, else Date.now. */
  readonly now: () => number;

  constructor(private readonly opts: EmulatorOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.events = new EventHub(opts.logger);
    this.rateLimiter = new RateLimiter(() => this.config.current.rateLimitPerMinute);
    this.config = new ConfigStore(opts, () => this.rateLimiter.clearWindows());
    this.tokens = new TokenStore(() => this.config.current.tokenLifetimeSeconds, this.now);
    this.codes = new AuthCodeStore(() => this.config.current.timeScale, this.now);
    this.registrations = new RegistrationStore(this.tokens);
    this.faults = new FaultInjector(opts.random ?? Math.random);
    this.users = new UserDirectory(this.events);
    this.requests = new RequestLog(opts.maxRequestLog ?? 100_000);
    this.dispatcher = new CallbackDispatcher(
      () => ({
        signingSecret: this.config.signingSecret,
        timeScale: this.config.current.timeScale,
        callbackTimeoutSeconds: this.config.current.callbackTimeoutSeconds,
      }),
      {
        onFailed: (d) => this.notifications.markFailed(d.notificationId),
        onChange: (d) => this.events.emit(() => ({ kind: 'callback', delivery: structuredClone(d) })),
      },
      opts.maxCallbackDeliveries ?? 100_000,
      opts.logger,
    );
    this.notifications = new NotificationStore({
      events: this.events,
      users: this.users,
      dispatcher: this.dispatcher,
      maxKept: opts.maxNotifications ?? 100_000,
      now: this.now,
    });
    this.initState();
  }

  /** The start option `agentAppUrl`: the Client App URL template the shell frames when no integration is registered. */
  agentAppUrlOption(): string | undefined {
    const o = this.opts.agentAppUrl;
    return typeof o === 'function' ? o() : o;
  }

  /** The start option `agentAppLifecycle`: the `agentAppUrl` app's lifecycle, as an integration's advanced config says it. */
  agentAppLifecycleOption(): EmulatorOptions['agentAppLifecycle'] {
    return this.opts.agentAppLifecycle;
  }

  get logger(): EmulatorOptions['logger'] {
    return this.opts.logger;
  }

  /** Observe changes (notifications, callbacks, users). Returns the unsubscribe function. */
  subscribe(listener: (e: EmulatorEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /** The start options' state; seeding the users is last (each seed is a 'user' event). */
  private initState(): void {
    this.config.reset();
    this.faults.reset();
    this.tokens.reset(this.opts.clients ?? [DEFAULT_CLIENT, DEFAULT_PKCE_CLIENT]);
    this.codes.reset();
    this.registrations.reset();
    this.notifications.reset();
    this.rateLimiter.reset();
    this.requests.reset();
    this.shell.reset();
    this.startedAt = new Date();
    this.users.reset(this.opts.users ?? []);
  }

  /** Fault injection: the agent logs out between the service's check and its send. */
  flipOffline(user: EmulatorUser): void {
    this.users.update(user.id, { presence: 'Offline', routingStatus: 'OFF_QUEUE' });
    this.faults.recordPresenceFlip();
  }

  // ---------------------------------------------------------------- EmulatorControl: users

  addUser(seed: EmulatorUserSeed): EmulatorUser {
    return this.users.add(seed);
  }
  updateUser(id: string, patch: EmulatorUserPatch): EmulatorUser {
    return this.users.update(id, patch);
  }
  removeUser(id: string): boolean {
    return this.users.remove(id);
  }
  getUser(id: string): EmulatorUser | undefined {
    return this.users.get(id);
  }
  listUsers(): EmulatorUser[] {
    return this.users.list();
  }

  // ---------------------------------------------------------------- OAuth

  addClient(client: EmulatorClientSeed): void {
    this.tokens.addClient(client);
  }
  revokeTokens(opts?: { clientId?: string }): number {
    return this.tokens.revoke(opts);
  }
  expireTokens(opts?: { clientId?: string; afterMs?: number; afterRequests?: number }): number {
    return this.tokens.expire(opts);
  }

  // ---------------------------------------------------------------- registrations (Platform API)

  listOAuthClients(): EmulatorOAuthClient[] {
    return this.registrations.listClients({ withSecret: true });
  }
  listIntegrations(): EmulatorIntegration[] {
    return this.registrations.listIntegrations();
  }

  // ---------------------------------------------------------------- the desktop shell's reports

  getShellState(userId: string): ShellState {
    return this.shell.state(userId);
  }
  listHostToasts(userId: string): HostToast[] {
    return this.shell.state(userId).hostToasts;
  }
  recordHostToast(userId: string, report: Record<string, unknown>): HostToast {
    return this.shell.addToast(userId, report);
  }
  recordHostToastDismissed(userId: string, report: Record<string, unknown>): HostToast {
    return this.shell.dismissToast(userId, report);
  }
  recordAttentionCount(userId: string, report: Record<string, unknown>): AttentionCount {
    return this.shell.setAttention(userId, report);
  }
  recordShellLifecycle(userId: string, report: Record<string, unknown>): ShellLifecycleEntry {
    return this.shell.addLifecycle(userId, report);
  }

  // ---------------------------------------------------------------- configuration and faults

  getConfig(): EmulatorConfig {
    return this.config.get();
  }
  setConfig(patch: Partial<EmulatorConfig>): EmulatorConfig {
    return this.config.set(patch);
  }
  getFaults(): FaultState {
    return this.faults.get();
  }
  setFaults(patch: Partial<FaultSettings>): FaultState {
    return this.faults.set(patch);
  }
  forceStatus(rule: ForcedStatusInput): ForcedStatusRule {
    return this.faults.forceStatus(rule);
  }
  burst429(opts: { count: number; retryAfterSeconds?: number; pathPrefix?: string }): ForcedStatusRule {
    return this.faults.burst429(opts);
  }
  flipPresenceOnNextSend(userId: string): void {
    this.faults.flipPresenceOnNextSend(userId);
  }
  clearFaults(): FaultState {
    return this.faults.clear();
  }

  // ---------------------------------------------------------------- notifications

  listNotifications(filter?: NotificationFilter): EmulatorNotification[] {
    return this.notifications.list(filter);
  }
  getNotification(id: string): EmulatorNotification | undefined {
    return this.notifications.get(id);
  }
  click(notificationId: string, input?: ClickInput): ClickResult {
    return this.notifications.click(notificationId, input);
  }
  expireNotification(id: string): EmulatorNotification {
    return this.notifications.expire(id);
  }

  // ---------------------------------------------------------------- inspection

  listRequests(filter?: RequestFilter): RequestLogEntry[] {
    return this.requests.list(filter);
  }
  requestRate(query?: RequestRateQuery): RequestRate {
    return this.requests.rate(query);
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
    const now = this.now();
    const n = this.notifications.counters;
    const f = this.faults.counters;
    return {
      startedAt: this.startedAt.toISOString(),
      requests: this.requests.stats(),
      tokens: { ...this.tokens.counters, ...this.codes.counters, active: this.tokens.activeCount(now) },
      rateLimited: this.rateLimiter.limited,
      faultsInjected: f.injected,
      notifications: {
        created: n.created,
        duplicatesSuppressed: n.duplicatesSuppressed,
        withoutIdempotencyKey: n.withoutIdempotencyKey,
        bodyMismatches: n.bodyMismatches,
        presenceFlips: f.presenceFlips,
        evicted: n.evicted,
        byStatus: this.notifications.countByStatus(now),
      },
      callbacks: { ...this.dispatcher.counters, pending: this.dispatcher.pendingCount },
    };
  }

  reset(): void {
    this.dispatcher.reset();
    this.initState();
    this.events.emit(() => ({ kind: 'reset' }));
  }
}
