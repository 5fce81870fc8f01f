import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { errorFromResponse, tryParseJson, type RawResponse } from './errors';
import { sendAuthorized } from './http';
import { TokenCache } from './token-cache';
import {
  GenesysApiError,
  type CallContext,
  type DesktopNotification,
  type DesktopNotificationBody,
  type GenesysCallEvent,
  type GenesysClient,
  type GenesysUser,
  type GenesysUserPresence,
} from './types';

export const DEFAULT_NOTIFICATIONS_PATH = '/api/v2/desktop/notifications';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Sockets per origin. The rate limit (300 requests/min by default) makes more pointless. */
export const DEFAULT_CONNECTIONS = 10;
/** The users search API's largest page. */
export const SEARCH_PAGE_SIZE = 100;
/** Ids per bulk presence request (the API's limit). */
export const PRESENCE_BULK_LIMIT = 50;
/** Safety stop for paging: 100 pages of 100 users is far beyond any email look-up. */
const MAX_SEARCH_PAGES = 100;

export interface GenesysClientOptions {
  apiBase: string;
  loginBase: string;
  clientId: string;
  clientSecret: string;
  /** Where the desktop notifications endpoint lives; default DEFAULT_NOTIFICATIONS_PATH. */
  notificationsPath?: string;
  /** Deadline per HTTP exchange (headers and body); default 10 s. */
  timeoutMs?: number;
  logger?: Logger;
  /** Use this dispatcher (e.g. undici MockAgent) instead of the client's own Agent. The caller closes it. */
  dispatcher?: Dispatcher;
  /** Milliseconds since the epoch; injectable for tests (token lifetime, Retry-After dates). */
  now?: () => number;
  /** Keep-alive sockets per origin for the client's own Agent; default DEFAULT_CONNECTIONS. */
  connections?: number;
  /** Told about every HTTP exchange, token requests included (metrics: calls by endpoint and status, 429s). */
  onCall?: (e: GenesysCallEvent) => void;
  /** The longest Retry-After honoured, in seconds; default DEFAULT_RETRY_AFTER_MAX_SECONDS (300). */
  retryAfterMaxSeconds?: number;
}

/** The client this module builds: the GenesysClient contract with its optional calls present. */
export type GenesysHttpClient = GenesysClient & Required<Pick<GenesysClient, 'getPresences'>>;

const PresenceDefinition = z.looseObject({
  id: z.string().optional(),
  systemPresence: z.string().optional(),
});

const User = z.looseObject({
  id: z.string().min(1),
  state: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
  routingStatus: z.looseObject({ status: z.string(), startTime: z.string().optional() }).optional(),
  presence: z
    .looseObject({ presenceDefinition: PresenceDefinition.optional(), modifiedDate: z.string().optional() })
    .optional(),
});

const SearchResponse = z.looseObject({
  total: z.number().optional(),
  pageCount: z.number().optional(),
  results: z.array(User).optional(),
});

const Notification = z.looseObject({ id: z.string().min(1), status: z.string() });

const UserPresence = z.looseObject({
  userId: z.string().min(1),
  presenceDefinition: PresenceDefinition.optional(),
  message: z.string().optional(),
  modifiedDate: z.string().optional(),
});

const normaliseBase = (base: string, what: string): string => {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new TypeError(`${what} is not a URL: ${base}`);
  }
  return url.toString().replace(/\/+$/, '');
};

const chunk = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Whether a 404 from the notifications endpoint is about a user ("404 user unknown", GENESYS.md): its body
 * names that user's id, or a user at all in its code or message. Any other 404 (a generic not.found, a
 * gateway's page, no body) is for the path itself: the endpoint does not exist on this org. The rule leans
 * that way on purpose: the activity checks the user's presence right before the send, so the user was known
 * a moment ago, and a missing endpoint reported as a vanished user would be retried for every alert.
 */
function namesAUser(err: GenesysApiError, operation: string, userId: string): boolean {
  // What the body said: the message without our own prefix, which names the (configurable) path.
  const said = `${err.code ?? ''} ${err.message.startsWith(operation) ? err.message.slice(operation.length) : err.message}`;
  return said.includes(userId) || /\buser\b/i.test(said);
}

function endpointMissing(err: GenesysApiError, path: string): GenesysApiError {
  return new GenesysApiError(
    `POST ${path}: HTTP 404${err.code ? ` ${err.code}` : ''}: the desktop notifications endpoint does not exist on ` +
      `this org (GENESYS_NOTIFICATIONS_PATH=${path}), so the notifications-endpoint channel is not available here. ` +
      'A configuration error, not retried: point GENESYS_NOTIFICATIONS_PATH at the endpoint your org provides, ' +
      `or do not use this channel${err.correlationId ? ` [ININ-Correlation-Id ${err.correlationId}]` : ''}`,
    'endpoint_missing',
    404,
    err.code,
    err.correlationId,
    undefined,
    { cause: err, contextId: err.contextId, limit: err.limit },
  );
}

/**
 * A Genesys Cloud client over one keep-alive undici Agent. Every call carries a bearer token from
 * the shared TokenCache; a 401 drops that token, fetches a new one and retries the call once.
 * Errors are GenesysApiError with a `kind` the activities act on.
 */
export function createGenesysClient(opts: GenesysClientOptions): GenesysHttpClient {
  const apiBase = normaliseBase(opts.apiBase, 'apiBase');
  const loginBase = normaliseBase(opts.loginBase, 'loginBase');
  const notificationsPath = opts.notificationsPath ?? DEFAULT_NOTIFICATIONS_PATH;
  if (!notificationsPath.startsWith('/'))
    throw new TypeError(`notificationsPath must start with '/': ${notificationsPath}`);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  const log = (opts.logger ?? pino({ enabled: false })).child({ component: 'genesys' });

  const ownAgent = opts.dispatcher
    ? undefined
    : new Agent({
        connections: opts.connections ?? DEFAULT_CONNECTIONS,
        keepAliveTimeout: 30_000,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connect: { timeout: Math.min(timeoutMs, 10_000) },
      });
  const dispatcher: Dispatcher = opts.dispatcher ?? (ownAgent as Agent);
  let closed = false;

  const tokens = new TokenCache({
    loginBase,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    dispatcher,
    timeoutMs,
    now,
    logger: log,
    onCall: opts.onCall,
    retryAfterMaxSeconds: opts.retryAfterMaxSeconds,
  });

  /**
   * One authenticated call, returning a 2xx response or throwing GenesysApiError.
   * `operation` names the call in logs and errors without identifiers ("GET /api/v2/users/{id}").
   */
  async function call(
    operation: string,
    method: Dispatcher.HttpMethod,
    path: string,
    body: unknown,
    ctx: CallContext = {},
  ): Promise<RawResponse> {
    const started = performance.now();
    const fields = (res?: RawResponse) => ({
      op: operation,
      status: res?.status,
      ininCorrelationId: res?.ininCorrelationId,
      correlationId: ctx.correlationId,
      durationMs: Math.round(performance.now() - started),
    });

    try {
      const res = await sendAuthorized(dispatcher, tokens, apiBase + path, {
        method,
        json: body,
        timeoutMs,
        signal: ctx.signal,
        operation,
        observe: opts.onCall,
        // The token expired or was revoked mid-batch: one fresh token, one retry.
        onTokenRefused: (refused) =>
          log.debug(fields(refused), 'Genesys answered 401: refreshing the token and retrying once'),
      });
      if (res.status >= 200 && res.status < 300) {
        log.debug(fields(res), 'Genesys call succeeded');
        return res;
      }
      throw errorFromResponse(res, operation, now, opts.retryAfterMaxSeconds);
    } catch (err) {
      if (err instanceof GenesysApiError) {
        log.warn(
          {
            ...fields(),
            status: err.status,
            ininCorrelationId: err.correlationId,
            // What the error body says about itself: Genesys support asks for the contextId, and a 429's
            // `limit` names the limit that was hit.
            contextId: err.contextId,
            limit: err.limit,
            kind: err.kind,
            code: err.code,
          },
          err.message,
        );
      } else {
        log.warn({ ...fields(), err }, 'Genesys call aborted');
      }
      throw err;
    }
  }

  function parse<T>(res: RawResponse, schema: z.ZodType<T>, operation: string): T {
    const parsed = schema.safeParse(tryParseJson(res.text));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new GenesysApiError(
      `${operation}: HTTP ${res.status} with an unexpected body (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'not JSON'})`,
      'server',
      res.status,
      undefined,
      res.ininCorrelationId,
    );
  }

  function assertOpen(): void {
    if (closed) throw new GenesysApiError('the Genesys client is closed', 'network');
  }

  return {
    async searchUsersByEmail(emails, ctx) {
      assertOpen();
      const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0))];
      if (wanted.length === 0) return [];
      // `value` for one email, `values` for several: both are the real API's forms.
      const criterion =
        wanted.length === 1
          ? { type: 'EXACT', fields: ['email'], value: wanted[0] }
          : { type: 'EXACT', fields: ['email'], values: wanted };
      const query = { query: [criterion], expand: ['routingStatus', 'presence'], pageSize: SEARCH_PAGE_SIZE };
      const operation = 'POST /api/v2/users/search';

      const users = new Map<string, GenesysUser>();
      for (let page = 1; page <= MAX_SEARCH_PAGES; page++) {
        const body = page === 1 ? query : { ...query, pageNumber: page };
        const res = await call(operation, 'POST', '/api/v2/users/search', body, ctx);
        const answer = parse(res, SearchResponse, operation);
        const results = answer.results ?? [];
        for (const user of results) users.set(user.id, user);
        if (results.length === 0 || page >= (answer.pageCount ?? 1)) break;
      }
      return [...users.values()];
    },

    async getUser(userId, ctx) {
      assertOpen();
      // An empty or dot id would turn the path into another endpoint (the users list).
      if (!userId || !userId.trim() || userId === '.' || userId === '..') {
        throw new GenesysApiError(
          `GET /api/v2/users/{id}: invalid user id ${JSON.stringify(userId)}`,
          'bad_request',
        );
      }
      const operation = 'GET /api/v2/users/{id}';
      const res = await call(
        operation,
        'GET',
        `/api/v2/users/${encodeURIComponent(userId)}?expand=routingStatus,presence`,
        undefined,
        ctx,
      );
      return parse(res, User, operation);
    },

    async createNotification(body: DesktopNotificationBody, ctx?: CallContext): Promise<DesktopNotification> {
      assertOpen();
      // Safe to retry after a 401: the idempotencyKey makes a repeated POST create nothing new.
      const operation = `POST ${notificationsPath}`;
      let res: RawResponse;
      try {
        res = await call(operation, 'POST', notificationsPath, body, ctx);
      } catch (err) {
        if (
          err instanceof GenesysApiError &&
          err.status === 404 &&
          !namesAUser(err, operation, body.userId)
        ) {
          throw endpointMissing(err, notificationsPath);
        }
        throw err;
      }
      return parse(res, Notification, operation);
    },

    async getPresences(userIds, ctx): Promise<GenesysUserPresence[]> {
      assertOpen();
      const ids = [...new Set(userIds.filter((id) => id && id.trim()))];
      const operation = 'GET /api/v2/users/presences/purecloud/bulk';
      const out: GenesysUserPresence[] = [];
      for (const batch of chunk(ids, PRESENCE_BULK_LIMIT)) {
        const qs = batch.map((id) => `id=${encodeURIComponent(id)}`).join('&');
        const res = await call(
          operation,
          'GET',
          `/api/v2/users/presences/purecloud/bulk?${qs}`,
          undefined,
          ctx,
        );
        out.push(...parse(res, z.array(UserPresence), operation));
      }
      return out;
    },

    async close() {
      if (closed) return;
      closed = true;
      await ownAgent?.close();
    },
  };
}
