/**
 * METRICS_TOKEN: /metrics (the ingress's and a standalone worker's) answers only to `Authorization: Bearer
 * <token>` when the token is set. Compared as SHA-256 digests with timingSafeEqual, like the API keys
 * (src/api/auth.ts), so the comparison time says nothing about the token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export const METRICS_WWW_AUTHENTICATE = 'Bearer realm="desktop-alerts-metrics"';

/** A checker for Authorization headers; no token configured: every request passes. */
export function metricsTokenCheck(token: string | undefined): (authorization: string | undefined) => boolean {
  if (!token) return () => true;
  const expected = digest(token);
  return (authorization) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return timingSafeEqual(digest(m ? m[1]! : ''), expected) && !!m;
  };
}

/** The problem+json body of a refused scrape (the worker's plain http server sends it itself). */
export function metricsUnauthorizedBody(instance: string): string {
  return JSON.stringify({
    type: '/problems/unauthorized',
    title: 'Unauthorized',
    status: 401,
    detail: 'set Authorization: Bearer <METRICS_TOKEN>',
    instance,
  });
}
