/** The Genesys Cloud contract as the service sees it (see shared/design/GENESYS.md). */

export interface GenesysUser {
  id: string;
  name?: string;
  email?: string;
  state: 'active' | 'inactive' | 'deleted' | string;
  routingStatus?: { status: string; startTime?: string };
  presence?: { presenceDefinition?: { id?: string; systemPresence?: string }; modifiedDate?: string };
}

/** One entry of GET /api/v2/users/presences/purecloud/bulk (the real API's UcUserPresence). */
export interface GenesysUserPresence {
  userId: string;
  presenceDefinition?: { id?: string; systemPresence?: string };
  message?: string;
  modifiedDate?: string;
}

export interface NotificationActionBody {
  id?: string;
  label: string;
  actionType: 'openUrl' | 'callback';
  url?: string;
  callbackUrl?: string;
  metadata?: Record<string, string>;
}

export interface DesktopNotificationBody {
  userId: string;
  title: string;
  message: string;
  type: 'info' | 'warning' | 'error';
  idempotencyKey: string;
  actions?: NotificationActionBody[];
  expiresAt?: string;
}

export interface DesktopNotification {
  id: string;
  status: string;
  [k: string]: unknown;
}

/** What went wrong, in the terms the activities act on. */
export type GenesysErrorKind =
  | 'rate_limited' // 429: retry after Retry-After
  | 'unauthorized' // 401 after the one retry with a fresh token
  | 'invalid_client' // bad OAuth credentials: non-retryable
  | 'forbidden' // 403: missing permission or scope
  | 'not_found' // 404
  | 'endpoint_missing' // 404 for the path itself: that endpoint does not exist on this org (configuration)
  | 'conflict' // 409: the agent's session changed
  | 'bad_request' // 400 and other 4xx: a bug on our side
  | 'server' // 5xx
  | 'network' // connection refused/reset, DNS
  | 'timeout'; // no answer in time

/** The `limit` of a Genesys error body: which limit was hit (GENESYS.md, rate limits). */
export interface GenesysLimit {
  key?: string;
  namespace?: string;
  value?: number;
}

export class GenesysApiError extends Error {
  override readonly name = 'GenesysApiError';
  /** The error body's contextId: Genesys's id of this failure, for logs and support tickets. */
  readonly contextId?: string;
  /** The error body's `limit`: which limit a 429 hit. */
  readonly limit?: GenesysLimit;
  constructor(
    message: string,
    readonly kind: GenesysErrorKind,
    readonly status?: number,
    readonly code?: string,
    /** ININ-Correlation-Id of the failing response, when there was one. */
    readonly correlationId?: string,
    /** Seconds from Retry-After on a 429. */
    readonly retryAfterSeconds?: number,
    /** The underlying error (socket, timeout), for diagnosis; what the error body says about itself. */
    options?: { cause?: unknown; contextId?: string; limit?: GenesysLimit },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.contextId = options?.contextId;
    this.limit = options?.limit;
  }
  get retryable(): boolean {
    return ['rate_limited', 'unauthorized', 'server', 'network', 'timeout'].includes(this.kind);
  }
}

/** One HTTP exchange with Genesys, as reported to GenesysClientOptions.onCall (metrics). */
export interface GenesysCallEvent {
  /** The call without identifiers, e.g. "GET /api/v2/users/{id}" or "POST /oauth/token". */
  operation: string;
  /** HTTP status; undefined when no answer came (see `error`). */
  status?: number;
  /** Why no answer came: 'timeout', 'network' or 'aborted'. */
  error?: 'timeout' | 'network' | 'aborted';
  durationMs: number;
  /**
   * inin-ratelimit-allowed: the requests a minute Genesys allows this token, as the answer said (a positive
   * integer; undefined when absent or malformed). Not always the documented 300 (GENESYS.md, "Rate limits").
   */
  rateLimitAllowed?: number;
}

export interface CallContext {
  /** The alert's correlation id, logged next to Genesys's ININ-Correlation-Id. */
  correlationId?: string;
  /** Aborts the call (e.g. an activity's cancellation signal); the abort reason is rethrown as is. */
  signal?: AbortSignal;
}

export interface GenesysClient {
  /** POST /api/v2/users/search, EXACT on email, expand routingStatus+presence. All matches, every state. */
  searchUsersByEmail(emails: string[], ctx?: CallContext): Promise<GenesysUser[]>;
  /** GET /api/v2/users/{id}?expand=routingStatus,presence. Throws GenesysApiError kind not_found on 404. */
  getUser(userId: string, ctx?: CallContext): Promise<GenesysUser>;
  /** POST {GENESYS_NOTIFICATIONS_PATH}. */
  createNotification(body: DesktopNotificationBody, ctx?: CallContext): Promise<DesktopNotification>;
  /** GET /api/v2/users/presences/purecloud/bulk?id=..&id=.. (50 ids per request, chunked). */
  getPresences?(userIds: string[], ctx?: CallContext): Promise<GenesysUserPresence[]>;
  close(): Promise<void>;
}
