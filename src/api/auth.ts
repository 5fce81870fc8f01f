import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { ApiKey, ApiKeyRole } from '../config';
import { sendProblem } from './problem';

/** Who is calling: the API key's name and role (never the key). */
export interface Caller {
  name: string;
  role: ApiKeyRole;
}

/** With no keys configured (NODE_ENV=development only) every caller is this one. */
export const ANONYMOUS: Caller = { name: 'anonymous', role: 'admin' };

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The caller bearerAuth identified (set on every request it let through). */
export const callerOf = (res: Response): Caller => (res.locals as { caller: Caller }).caller;

/**
 * Bearer API keys. Both sides are hashed first so the comparison is constant-time whatever the lengths, and every
 * configured key is compared (no early exit) so timing reveals nothing, not even which key matched. The caller's
 * name and role go to `res.locals.caller`. `keys` empty means anonymous admin access (only when the app was
 * explicitly built for development).
 */
export function bearerAuth(keys: readonly ApiKey[]): RequestHandler {
  const hashed = keys.map((k) => ({ caller: { name: k.name, role: k.role }, digest: digest(k.key) }));
  return (req, res, next) => {
    if (hashed.length === 0) {
      (res.locals as { caller: Caller }).caller = ANONYMOUS;
      return next();
    }
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    let caller: Caller | undefined;
    if (m) {
      const given = digest(m[1]!);
      for (const k of hashed) if (timingSafeEqual(given, k.digest)) caller = k.caller;
    }
    if (!caller) {
      res.set('WWW-Authenticate', 'Bearer realm="desktop-alerts"');
      return sendProblem(res, 'unauthorized');
    }
    (res.locals as { caller: Caller }).caller = caller;
    next();
  };
}

/** What a role may do. A sender's reads and cancels are limited to its own alerts (see ownerScope). */
export const PERMISSIONS = {
  'alert.start': ['sender', 'admin'],
  'alert.read': ['sender', 'reader', 'admin'],
  'alert.cancel': ['sender', 'admin'],
  'deadLetter.list': ['admin'],
  'deadLetter.replay': ['admin'],
  'codec.decode': ['admin'],
  'codec.encode': ['admin'],
} as const satisfies Record<string, readonly ApiKeyRole[]>;

export type Action = keyof typeof PERMISSIONS;

/**
 * Route guard: names the request's action (for the audit line) and answers 403 when the caller's role may not do
 * it. A 403 says which roles may, never which key was used.
 */
export function permit(action: Action): RequestHandler {
  const roles: readonly ApiKeyRole[] = PERMISSIONS[action];
  return (req, res, next) => {
    const locals = res.locals as { action?: Action; alertId?: string };
    locals.action = action;
    // The alert the request is about, for the audit line, refused or not (ids are checked by the route itself).
    if (typeof req.params.alertId === 'string') locals.alertId = req.params.alertId.slice(0, 200);
    const caller = callerOf(res);
    if (!roles.includes(caller.role))
      return sendProblem(res, 'forbidden', {
        detail: `${action} needs the role ${roles.join(' or ')}; this key's role is ${caller.role}`,
      });
    next();
  };
}

/** The owner a caller's alert reads and cancels are limited to: a sender sees its own, readers and admins all. */
export const ownerScope = (caller: Caller): { owner?: string } =>
  caller.role === 'sender' ? { owner: caller.name } : {};
