import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendProblem } from './problem';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Bearer API keys. Both sides are hashed first so the comparison is constant-time whatever the
 * lengths, and every configured key is compared (no early exit) so timing reveals nothing.
 * `keys` empty means anonymous access (only when the app was explicitly built for development).
 */
export function bearerAuth(keys: readonly string[]): RequestHandler {
  const hashed = keys.map(digest);
  return (req, res, next) => {
    if (hashed.length === 0) return next();
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    let ok = false;
    if (m) {
      const given = digest(m[1]!);
      for (const k of hashed) ok = timingSafeEqual(given, k) || ok;
    }
    if (!ok) {
      res.set('WWW-Authenticate', 'Bearer realm="desktop-alerts"');
      return sendProblem(res, 'unauthorized');
    }
    next();
  };
}
