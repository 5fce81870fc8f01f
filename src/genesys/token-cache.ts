import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { describeErrorBody, errorFromResponse, tryParseJson, type RawResponse } from './errors';
import { send } from './http';
import { GenesysApiError, type GenesysCallEvent } from './types';

/** Refresh this long before the token's own expiry (the guide: network latency and clock skew). */
export const TOKEN_REFRESH_MARGIN_SECONDS = 100;
/** Never keep a token longer than this, whatever its lifetime (the guide's 3,500 s TTL). */
export const TOKEN_MAX_AGE_SECONDS = 3500;
/** Genesys's shortest OAuth token lifetime: assumed when the answer has no usable expires_in. */
const MIN_GENESYS_TOKEN_LIFETIME_SECONDS = 300;

/**
 * How long a token is used: min(expires_in - 100, 3500) s. For very short lifetimes, where the
 * 100 s margin would eat more than half of it, half the lifetime is used instead, so the token is
 * never stale on arrival (300 s -> 200 s, 150 s -> 75 s).
 */
export function tokenTtlSeconds(expiresIn: number | undefined): number {
  const lifetime =
    expiresIn !== undefined && Number.isFinite(expiresIn) && expiresIn > 0
      ? expiresIn
      : MIN_GENESYS_TOKEN_LIFETIME_SECONDS;
  const withMargin = Math.max(lifetime - TOKEN_REFRESH_MARGIN_SECONDS, lifetime / 2);
  return Math.min(withMargin, TOKEN_MAX_AGE_SECONDS);
}

export interface TokenCacheOptions {
  loginBase: string;
  clientId: string;
  clientSecret: string;
  dispatcher: Dispatcher;
  timeoutMs?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  logger?: Logger;
  /** Told about every token request (metrics). */
  onCall?: (e: GenesysCallEvent) => void;
  /** The longest Retry-After honoured on a throttled token request, in seconds (default 300). */
  retryAfterMaxSeconds?: number;
}

interface CachedToken {
  value: string;
  /** now() after which the token is no longer handed out. */
  refreshAt: number;
}

const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().optional().catch(undefined),
});

const OPERATION = 'POST /oauth/token';

/**
 * OAuth 2.0 client-credentials token cache for Genesys Cloud.
 *
 * Refresh is lazy: the first call after the refresh boundary fetches a new token, and every
 * concurrent caller awaits that same request. There is no background timer, so nothing keeps the
 * process alive and an idle worker spends no rate-limit budget; the boundary sits 100 s before the
 * real expiry, so a token is never used close to its end.
 */
export class TokenCache {
  private readonly tokenUrl: string;
  private readonly basicAuth: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;

  constructor(private readonly opts: TokenCacheOptions) {
    this.tokenUrl = `${opts.loginBase.replace(/\/+$/, '')}/oauth/token`;
    this.basicAuth = `Basic ${Buffer.from(`${opts.clientId}:${opts.clientSecret}`, 'utf8').toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** A valid access token: the cached one, or one fresh fetch shared by all concurrent callers. */
  async getToken(): Promise<string> {
    const cached = this.cached;
    if (cached && this.now() < cached.refreshAt) return cached.value;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return (await this.inFlight).value;
  }

  /**
   * Drops the cached token after Genesys refused it, but only if it is still the one that failed:
   * when N calls fail with the same token, the first drop triggers one refresh and the other N-1
   * find the new token in place instead of throwing it away again.
   * Returns whether the cached token was dropped.
   */
  invalidate(token: string): boolean {
    if (this.cached?.value !== token) return false;
    this.cached = undefined;
    return true;
  }

  private async fetchToken(): Promise<CachedToken> {
    // Lifetime counts from before the request: the token may have been issued at any point in it.
    const requestedAt = this.now();
    const log = this.opts.logger;
    let res: RawResponse;
    try {
      res = await send(this.opts.dispatcher, this.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: this.basicAuth,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
        timeoutMs: this.timeoutMs,
        operation: OPERATION,
        observe: this.opts.onCall,
      });
    } catch (err) {
      log?.warn(
        { op: 'oauthToken', kind: (err as GenesysApiError).kind, err },
        'Genesys OAuth token request failed',
      );
      throw err;
    }

    if (res.status < 200 || res.status >= 300) {
      const error = this.tokenError(res);
      log?.warn(
        {
          op: 'oauthToken',
          status: res.status,
          kind: error.kind,
          code: error.code,
          ininCorrelationId: res.ininCorrelationId,
          contextId: error.contextId,
          limit: error.limit,
        },
        error.message,
      );
      throw error;
    }

    const parsed = TokenResponse.safeParse(tryParseJson(res.text));
    if (!parsed.success) {
      const error = new GenesysApiError(
        `${OPERATION}: HTTP ${res.status} without an access_token in the answer`,
        'server',
        res.status,
        undefined,
        res.ininCorrelationId,
      );
      log?.warn(
        { op: 'oauthToken', status: res.status, ininCorrelationId: res.ininCorrelationId },
        error.message,
      );
      throw error;
    }

    const ttlSeconds = tokenTtlSeconds(parsed.data.expires_in);
    const token = { value: parsed.data.access_token, refreshAt: requestedAt + ttlSeconds * 1000 };
    this.cached = token;
    log?.debug(
      {
        op: 'oauthToken',
        expiresIn: parsed.data.expires_in,
        ttlSeconds,
        ininCorrelationId: res.ininCorrelationId,
      },
      'Genesys OAuth token fetched',
    );
    return token;
  }

  private tokenError(res: RawResponse): GenesysApiError {
    const { code, summary } = describeErrorBody(res.text);
    // RFC 6749 §5.2: invalid_client comes as 400 or 401; a bare 401 from the token endpoint means the same.
    if (
      (res.status === 400 || res.status === 401) &&
      (code === 'invalid_client' || (res.status === 401 && !code))
    ) {
      return new GenesysApiError(
        `Genesys rejected the OAuth client credentials (HTTP ${res.status} invalid_client${summary ? `: ${summary}` : ''}). ` +
          'Check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET and the region/login URL; retrying will not help.',
        'invalid_client',
        res.status,
        'invalid_client',
        res.ininCorrelationId,
      );
    }
    return errorFromResponse(res, OPERATION, this.now, this.opts.retryAfterMaxSeconds);
  }
}
