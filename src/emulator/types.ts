/**
 * Public types of the Genesys Cloud emulator (see src/emulator/README.md).
 * Self-contained on purpose: nothing here is shared with src/genesys or src/shared.
 */

export interface EmulatorClientSeed {
  clientId: string;
  clientSecret: string;
  /** Per-client token lifetime (the real platform sets it per OAuth client). Defaults to the global one. */
  tokenLifetimeSeconds?: number;
}

export interface EmulatorOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default [{clientId:'emulator-client', clientSecret:'emulator-secret'}]. */
  clients?: EmulatorClientSeed[];
  /** Default 86400. */
  tokenLifetimeSeconds?: number;
  /** Per OAuth client, over all API endpoints (token endpoint excluded); 0 = off. Default 300. */
  rateLimitPerMinute?: number;
  /** 'whsec_<base64>'; when set, callbacks are signed (Standard Webhooks). */
  callbackSigningSecret?: string;
  /** Multiplies callback retry delays (5, 30, 120 s) and the 5 s callback time-out. Default 1. */
  timeScale?: number;
  /** Initial users (restored by reset()). */
  users?: EmulatorUserSeed[];
  logger?: EmulatorLogger;
  /** Path of the Desktop Notifications endpoint. Default '/api/v2/desktop/notifications'. */
  notificationsPath?: string;
  /** Status of an idempotent replay (same idempotencyKey within 24 h). Default 200. */
  duplicateStatus?: 200 | 201;
  /** Like the real search API, omit `results` when nothing matched. Default true. */
  searchOmitsEmptyResults?: boolean;
  /** Size of the request log ring buffer. Default 100000. */
  maxRequestLog?: number;
  /** Notifications kept in memory (oldest evicted first). Default 100000. */
  maxNotifications?: number;
  /** Callback deliveries kept in memory (oldest finished ones evicted first). Default 100000. */
  maxCallbackDeliveries?: number;
  /** Random source for fault injection (tests may pass a seeded one). Default Math.random. */
  random?: () => number;
}

export interface EmulatorLogger {
  info: (...a: unknown[]) => void;
  warn: (...a: unknown[]) => void;
}

export type UserState = 'active' | 'inactive' | 'deleted';

export interface EmulatorUserSeed {
  id?: string;
  name: string;
  email: string;
  state?: UserState;
  /** systemPresence, e.g. 'Available', 'Offline', 'On Queue' (any casing). Default 'Available'. */
  presence?: string;
  /** 'IDLE', 'OFF_QUEUE', 'INTERACTING', 'NOT_RESPONDING', 'COMMUNICATING'. Default IDLE (OFF_QUEUE when Offline). */
  routingStatus?: string;
}

export type EmulatorUserPatch = Partial<Omit<EmulatorUserSeed, 'id'>>;

/** A user as the control API shows it. */
export interface EmulatorUser {
  id: string;
  name: string;
  email: string;
  state: UserState;
  presence: string;
  presenceModifiedDate: string;
  routingStatus: string;
  routingStatusStartTime: string;
  version: number;
}

/** Runtime-settable configuration. */
export interface EmulatorConfig {
  rateLimitPerMinute: number;
  tokenLifetimeSeconds: number;
  /** null = callbacks are not signed. */
  callbackSigningSecret: string | null;
  timeScale: number;
  notificationsPath: string;
  duplicateStatus: 200 | 201;
  searchOmitsEmptyResults: boolean;
}

export interface FaultSettings {
  /** Fraction (0..1) of matching calls answered with errorStatus. */
  errorRate: number;
  /** Default 503. */
  errorStatus: number;
  /** Calls the error rate applies to. Default '/api/' (the token endpoint is spared). */
  errorPathPrefix: string;
  /** Added to every matching call's answer (the call is processed, its answer is late). */
  latencyMs: number;
  /** Fraction (0..1) of matching calls whose answer is delayed by slowMs on top of latencyMs. */
  slowRate: number;
  slowMs: number;
  /** Calls the latency settings apply to. Default '/' (everything but the control API). */
  latencyPathPrefix: string;
  /** Probability that a notification POST for an online agent first flips the agent Offline and answers 409. */
  presenceFlipRate: number;
  /**
   * Fraction (0..1) of user searches and user GETs asking for `expand=presence` that leave `presence` out, as
   * the real API may (expand is best effort); the bulk presence endpoint still answers.
   */
  presenceExpandOmitRate: number;
}

export interface ForcedStatusInput {
  status: number;
  /** How many matching calls to answer with `status`. Default 1. */
  count?: number;
  /** Default: any method. */
  method?: string;
  /** Default '/api/' (every API call; use '/oauth/token' to target the token endpoint). */
  pathPrefix?: string;
  /** Sent as Retry-After (seconds); for 429 defaults to 1. */
  retryAfterSeconds?: number;
}

export interface ForcedStatusRule {
  id: string;
  status: number;
  remaining: number;
  method: string | null;
  pathPrefix: string;
  retryAfterSeconds: number | null;
}

export interface FaultState extends FaultSettings {
  forced: ForcedStatusRule[];
  /** Users whose next notification POST flips them Offline and answers 409. */
  presenceFlipUsers: string[];
}

export type NotificationStatus = 'queued' | 'shown' | 'actioned' | 'expired' | 'failed';

export interface NotificationAction {
  id?: string;
  label: string;
  actionType: 'openUrl' | 'callback';
  url?: string;
  callbackUrl?: string;
  metadata?: unknown;
}

export interface NotificationClick {
  actionId: string;
  index: number;
  at: string;
  /** Callback message id (webhook-id) for callback actions. */
  deliveryId: string | null;
}

export interface EmulatorNotification {
  id: string;
  userId: string;
  clientId: string | null;
  idempotencyKey: string | null;
  /** How many times this idempotencyKey was POSTed (1 = no replay). */
  posts: number;
  /** Replays whose body differed from the original one. */
  bodyMismatches: number;
  title: string;
  message: string;
  type: 'info' | 'warning' | 'error';
  actions: NotificationAction[];
  expiresAt: string | null;
  /** min(expiresAt, createdAt + 24 h). */
  effectiveExpiresAt: string;
  createdAt: string;
  status: NotificationStatus;
  /** False when the agent had no desktop session (Offline or inactive): never shown, silently expires. */
  deliverable: boolean;
  shownAt: string | null;
  actionedAt: string | null;
  clicks: NotificationClick[];
}

export interface NotificationFilter {
  userId?: string;
  idempotencyKey?: string;
  status?: NotificationStatus;
}

export interface ClickInput {
  actionId?: string;
  index?: number;
}

export interface ClickResult {
  notificationId: string;
  actionId: string;
  index: number;
  actionType: 'openUrl' | 'callback';
  /** The callback message, for callback actions. */
  delivery: CallbackDelivery | null;
}

export type CallbackDeliveryStatus = 'pending' | 'delivered' | 'rejected' | 'failed';

export interface CallbackAttempt {
  attempt: number;
  /** ms epoch when the attempt started. */
  at: number;
  /** webhook-timestamp sent with this attempt (unix seconds). */
  webhookTimestamp: number;
  status: number | null;
  /** 'timeout' | 'connection: <message>' when no status. */
  error: string | null;
  latencyMs: number;
}

export interface CallbackDelivery {
  /** The webhook-id: unique per callback message, the same across its retries. */
  id: string;
  notificationId: string;
  userId: string;
  actionId: string;
  url: string;
  body: string;
  signed: boolean;
  status: CallbackDeliveryStatus;
  createdAt: number;
  completedAt: number | null;
  attempts: CallbackAttempt[];
}

export interface CallbackFilter {
  notificationId?: string;
  status?: CallbackDeliveryStatus;
}

export interface RequestLogEntry {
  seq: number;
  /** Arrival time, ms epoch with sub-millisecond resolution. */
  at: number;
  method: string;
  path: string;
  /** Route template, e.g. 'GET /api/v2/users/{userId}'. */
  route: string;
  status: number;
  clientId: string | null;
  latencyMs: number;
  correlationId: string;
  /** Why the emulator produced this answer on its own: 'ratelimit', 'error-rate', 'forced', 'presence-flip', 'presence-omitted'. */
  fault: string | null;
}

export interface RequestFilter {
  /** Only entries with seq > sinceSeq. */
  sinceSeq?: number;
  /** Only entries with at >= since (ms epoch). */
  since?: number;
  pathPrefix?: string;
  method?: string;
  status?: number;
  clientId?: string;
  /** Newest `limit` entries after filtering. */
  limit?: number;
}

export interface RequestRateQuery {
  /** Default 1000. */
  windowMs?: number;
  pathPrefix?: string;
  method?: string;
  since?: number;
  /** Count only these statuses (e.g. [201]); default all. */
  statuses?: number[];
}

export interface RequestRate {
  windowMs: number;
  /** Windows aligned on the first matching request, empty windows included. */
  buckets: { start: number; count: number }[];
  max: number;
  total: number;
}

export interface EmulatorStats {
  startedAt: string;
  requests: {
    total: number;
    byStatus: Record<string, number>;
    byRoute: Record<string, { total: number; byStatus: Record<string, number> }>;
  };
  tokens: { issued: number; rejected: number; active: number };
  rateLimited: number;
  faultsInjected: number;
  notifications: {
    created: number;
    duplicatesSuppressed: number;
    withoutIdempotencyKey: number;
    bodyMismatches: number;
    presenceFlips: number;
    evicted: number;
    byStatus: Record<NotificationStatus, number>;
  };
  callbacks: {
    messages: number;
    attempts: number;
    pending: number;
    delivered: number;
    rejected: number;
    failed: number;
  };
}

export interface EmulatorControl {
  // users
  addUser(seed: EmulatorUserSeed): EmulatorUser;
  updateUser(id: string, patch: EmulatorUserPatch): EmulatorUser;
  /** Removes the user entirely (unknown afterwards). To deactivate, updateUser(id, {state:'inactive'}). */
  removeUser(id: string): boolean;
  getUser(id: string): EmulatorUser | undefined;
  listUsers(): EmulatorUser[];
  // OAuth
  addClient(client: EmulatorClientSeed): void;
  /** Revokes every token (of one client when given). Returns how many. */
  revokeTokens(opts?: { clientId?: string }): number;
  /** Makes live tokens die now, after afterMs, or after afterRequests more API calls. Returns how many. */
  expireTokens(opts?: { clientId?: string; afterMs?: number; afterRequests?: number }): number;
  // configuration and faults
  getConfig(): EmulatorConfig;
  setConfig(patch: Partial<EmulatorConfig>): EmulatorConfig;
  getFaults(): FaultState;
  /** Merges into the current fault settings. */
  setFaults(patch: Partial<FaultSettings>): FaultState;
  /** Answers the next `count` calls matching method + path prefix with `status`. */
  forceStatus(rule: ForcedStatusInput): ForcedStatusRule;
  /** Sugar: the next `count` API calls answer 429 with Retry-After. */
  burst429(opts: { count: number; retryAfterSeconds?: number; pathPrefix?: string }): ForcedStatusRule;
  /** The next notification POST for this user flips the agent Offline and answers 409 (once). */
  flipPresenceOnNextSend(userId: string): void;
  clearFaults(): FaultState;
  // notifications
  listNotifications(filter?: NotificationFilter): EmulatorNotification[];
  getNotification(id: string): EmulatorNotification | undefined;
  /** The agent clicks an action (by actionId or index; default index 0). 404 unknown, 409 expired/never shown/agent offline. */
  click(notificationId: string, input?: ClickInput): ClickResult;
  /** Makes a notification expire now. */
  expireNotification(id: string): EmulatorNotification;
  // inspection
  listRequests(filter?: RequestFilter): RequestLogEntry[];
  requestRate(query?: RequestRateQuery): RequestRate;
  listCallbackDeliveries(filter?: CallbackFilter): CallbackDelivery[];
  getCallbackDelivery(id: string): CallbackDelivery | undefined;
  /** Resolves when that callback message is delivered, rejected or failed. */
  waitForCallback(id: string, timeoutMs?: number): Promise<CallbackDelivery>;
  /** Resolves when no callback message is pending. */
  waitForCallbacksIdle(timeoutMs?: number): Promise<void>;
  stats(): EmulatorStats;
  /** Back to the initial state: seeded users, initial config, no faults, tokens, notifications, logs or callbacks. */
  reset(): void;
}

export interface Emulator {
  /** http://HOST:PORT, serving both the API and the login host. */
  url: string;
  port: number;
  control: EmulatorControl;
  close(): Promise<void>;
}

/** Thrown by control methods; the control HTTP API answers with `status`. */
export class EmulatorControlError extends Error {
  override readonly name = 'EmulatorControlError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
