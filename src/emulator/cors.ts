/**
 * CORS for the API and the token endpoint: a Client App page (another origin) signs in with the platform SDK's
 * browser build, which POSTs /oauth/token and calls the API (GET /api/v2/tokens/me first) with fetch/XHR from its
 * own origin. Real Genesys answers these cross-origin; the exact headers it sends are not verified here.
 *
 * Any origin is echoed (no cookies are involved: bearer tokens and form fields only, so no Allow-Credentials).
 * Preflights answer 204 before the pipeline: no auth, no rate limit, no faults, not in the request log (a browser
 * sends them without credentials).
 */
import type http from 'node:http';

export const CORS_ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
export const CORS_ALLOW_HEADERS = 'authorization, content-type';
/** Response headers a page may read besides the safelisted ones. */
export const CORS_EXPOSE_HEADERS =
  'ININ-Correlation-Id, inin-ratelimit-allowed, inin-ratelimit-count, inin-ratelimit-reset, Retry-After';
const MAX_AGE_SECONDS = '600';

/** The paths a page on another origin calls by script: the API and the token endpoint (not /oauth/authorize). */
export function corsApplies(path: string): boolean {
  return path.startsWith('/api/') || path === '/oauth/token';
}

/**
 * Sets the CORS headers on `res` (kept by a later writeHead) and answers a preflight. Returns true when the
 * request was a preflight and has been answered.
 */
export function applyCors(req: http.IncomingMessage, res: http.ServerResponse, path: string): boolean {
  res.setHeader('vary', 'Origin');
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || !origin) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-expose-headers', CORS_EXPOSE_HEADERS);
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (!preflight) return false;
  res.setHeader('access-control-allow-methods', path === '/oauth/token' ? 'POST' : CORS_ALLOW_METHODS);
  res.setHeader('access-control-allow-headers', CORS_ALLOW_HEADERS);
  res.setHeader('access-control-max-age', MAX_AGE_SECONDS);
  res.writeHead(204).end();
  return true;
}
