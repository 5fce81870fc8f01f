/**
 * The service's own short-lived session for an agent, issued once Genesys has said who the agent is
 * (`users/me`). A signed token, not a server-side record: any ingress node can check it, and a node that restarts
 * loses nothing. It names the agent; the browser never says who it is.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface AgentSession {
  userId: string;
  name?: string;
  email?: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
const mac = (key: Buffer, body: string): Buffer => createHmac('sha256', key).update(body).digest();

export function issueSessionToken(key: Buffer, session: AgentSession): string {
  const body = b64url(JSON.stringify({ v: 1, ...session }));
  return `${body}.${b64url(mac(key, body))}`;
}

export type SessionCheck = { ok: true; session: AgentSession } | { ok: false; reason: 'invalid' | 'expired' };

export function verifySessionToken(key: Buffer, token: unknown, now = Date.now()): SessionCheck {
  if (typeof token !== 'string' || token.length > 4096) return { ok: false, reason: 'invalid' };
  const dot = token.indexOf('.');
  if (dot <= 0) return { ok: false, reason: 'invalid' };
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const want = mac(key, body);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: 'invalid' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  const p = parsed as Partial<AgentSession> & { v?: number };
  if (p.v !== 1 || typeof p.userId !== 'string' || typeof p.exp !== 'number')
    return { ok: false, reason: 'invalid' };
  if (p.exp <= now) return { ok: false, reason: 'expired' };
  return { ok: true, session: { userId: p.userId, name: p.name, email: p.email, exp: p.exp } };
}

/** `Authorization: Bearer <token>` -> the token, or undefined. */
/** RFC 6750 b64token: what a bearer token can be (a Genesys token too). Anything else cannot go into a header. */
export const BEARER_TOKEN_PATTERN = '^[A-Za-z0-9\\-._~+/]+=*$';

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
