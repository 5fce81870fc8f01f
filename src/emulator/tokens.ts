/**
 * OAuth clients and their access tokens: client credentials checks, which redirect URIs a PKCE client
 * accepts, issuing (client tokens and user tokens), bearer authentication, revocation and forced expiry
 * (now, after a delay, or after a number of API calls).
 */
import { randomBytes } from 'node:crypto';
import { checkNumber, fail } from './checks';
import type { EmulatorClientSeed } from './types';

export const DEFAULT_CLIENT: EmulatorClientSeed = {
  clientId: 'emulator-client',
  clientSecret: 'emulator-secret',
};

/** The public PKCE client of the agent app: any loopback http redirect URI. */
export const DEFAULT_PKCE_CLIENT: EmulatorClientSeed = {
  clientId: 'emulator-agent-app',
  grant: 'authorization_code',
  redirectUris: ['http://127.0.0.1:*', 'http://localhost:*'],
};

const GRANTS = new Set(['client_credentials', 'authorization_code']);

/** An absolute http(s) URL without a fragment (RFC 6749 3.1.2), or 'http://HOST:*'. */
function checkRedirectUri(v: unknown): string {
  if (typeof v === 'string' && /^http:\/\/[^/:*]+:\*$/.test(v)) return v;
  let u: URL | null = null;
  try {
    u = typeof v === 'string' ? new URL(v) : null;
  } catch {
    u = null;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.hash || (v as string).includes('#'))
    fail(
      400,
      'invalid.value',
      'redirectUris must be absolute http(s) URLs without a fragment, or http://HOST:*',
    );
  return v as string;
}

/** Expired tokens are purged once there are more than this many. */
const PURGE_ABOVE = 10_000;

interface TokenRec {
  clientId: string;
  /** The signed-in user of a user token (authorization code grant); null for client credentials. */
  userId: string | null;
  issuedAt: number;
  expiresAt: number;
  /** API calls left before the token dies (expireTokens afterRequests). */
  remainingUses: number | null;
}

export type AuthResult =
  { ok: true; clientId: string; userId: string | null } | { ok: false; code: string; message: string };

export class TokenStore {
  private clients = new Map<string, EmulatorClientSeed>();
  private tokens = new Map<string, TokenRec>();
  readonly counters = { issued: 0, rejected: 0 };

  /**
   * @param defaultLifetimeSeconds the configured lifetime, for clients without their own.
   * @param now the expiry clock (the start option `now`).
   */
  constructor(
    private readonly defaultLifetimeSeconds: () => number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Only these clients, no tokens, counters at zero. */
  reset(clients: EmulatorClientSeed[]): void {
    this.clients.clear();
    for (const c of clients) this.addClient(c);
    this.tokens.clear();
    this.counters.issued = 0;
    this.counters.rejected = 0;
  }

  addClient(client: EmulatorClientSeed): void {
    if (!client || typeof client.clientId !== 'string' || !client.clientId)
      fail(400, 'invalid.value', 'clientId is required');
    const grant = client.grant ?? 'client_credentials';
    if (!GRANTS.has(grant))
      fail(400, 'invalid.value', 'grant must be client_credentials or authorization_code');
    if (grant === 'client_credentials' && (typeof client.clientSecret !== 'string' || !client.clientSecret))
      fail(400, 'invalid.value', 'clientId and clientSecret are required');
    if (grant === 'authorization_code' && client.clientSecret !== undefined)
      fail(400, 'invalid.value', 'authorization_code clients are public: no clientSecret');
    let redirectUris: string[] | undefined;
    if (client.redirectUris !== undefined) {
      if (!Array.isArray(client.redirectUris)) fail(400, 'invalid.value', 'redirectUris must be an array');
      redirectUris = client.redirectUris.map(checkRedirectUri);
    }
    if (client.tokenLifetimeSeconds !== undefined)
      checkNumber(client.tokenLifetimeSeconds, 1, 172_800, 'tokenLifetimeSeconds');
    this.clients.set(client.clientId, { ...client, grant, ...(redirectUris ? { redirectUris } : {}) });
  }

  /** Client credentials: a confidential client with this secret. */
  checkClient(clientId: string, secret: string): boolean {
    const c = this.clients.get(clientId);
    return c !== undefined && c.grant === 'client_credentials' && c.clientSecret === secret;
  }

  /** The grant of a known client (seeded or registered), for GET /api/v2/tokens/me. */
  clientGrant(clientId: string): EmulatorClientSeed['grant'] | undefined {
    return this.clients.get(clientId)?.grant;
  }

  /** A client that may use the authorization code grant. */
  isCodeClient(clientId: string): boolean {
    return this.clients.get(clientId)?.grant === 'authorization_code';
  }

  /** Exact match with one of the client's redirect URIs, or an 'http://HOST:*' entry's host over http. */
  redirectAllowed(clientId: string, redirectUri: string): boolean {
    const c = this.clients.get(clientId);
    if (!c || c.grant !== 'authorization_code') return false;
    let u: URL;
    try {
      u = new URL(redirectUri);
    } catch {
      return false;
    }
    if (redirectUri.includes('#')) return false;
    return (c.redirectUris ?? []).some((allowed) => {
      const wild = /^http:\/\/([^/:*]+):\*$/.exec(allowed);
      if (!wild) return allowed === redirectUri;
      return u.protocol === 'http:' && u.hostname === wild[1] && !u.username && !u.password;
    });
  }

  /** A client token, or with userId a user token bound to that user. */
  issue(clientId: string, userId: string | null = null): { token: string; expiresIn: number } {
    const lifetime = this.clients.get(clientId)?.tokenLifetimeSeconds ?? this.defaultLifetimeSeconds();
    const token = randomBytes(48).toString('base64url');
    const now = this.now();
    this.tokens.set(token, {
      clientId,
      userId,
      issuedAt: now,
      expiresAt: now + lifetime * 1000,
      remainingUses: null,
    });
    this.counters.issued++;
    if (this.tokens.size > PURGE_ABOVE) {
      for (const [t, rec] of this.tokens) if (rec.expiresAt <= now) this.tokens.delete(t);
    }
    return { token, expiresIn: lifetime };
  }

  /** Checks an Authorization header; a valid token spends one of its remaining uses, if limited. */
  authenticate(authorization: string | undefined): AuthResult {
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!m) {
      this.counters.rejected++;
      return {
        ok: false,
        code: 'authentication.required',
        message: 'No authentication bearer token specified in authorization header.',
      };
    }
    const rec = this.tokens.get(m[1] as string);
    const now = this.now();
    if (!rec || rec.expiresAt <= now || rec.remainingUses === 0) {
      this.counters.rejected++;
      return { ok: false, code: 'bad.credentials', message: 'Invalid login credentials.' };
    }
    if (rec.remainingUses !== null) rec.remainingUses--;
    return { ok: true, clientId: rec.clientId, userId: rec.userId };
  }

  revoke(opts: { clientId?: string } = {}): number {
    let n = 0;
    for (const [t, rec] of this.tokens) {
      if (opts.clientId === undefined || rec.clientId === opts.clientId) {
        this.tokens.delete(t);
        n++;
      }
    }
    return n;
  }

  expire(opts: { clientId?: string; afterMs?: number; afterRequests?: number } = {}): number {
    const now = this.now();
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

  /** Tokens that would still authenticate at `now`. */
  activeCount(now: number): number {
    let active = 0;
    for (const t of this.tokens.values()) if (t.expiresAt > now && t.remainingUses !== 0) active++;
    return active;
  }
}
