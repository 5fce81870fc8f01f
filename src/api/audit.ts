import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Action, Caller } from './auth';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the audit line says about the outcome, from the status code. */
const resultOf = (status: number): string =>
  status < 300
    ? 'ok'
    : status === 401 || status === 403
      ? 'denied'
      : status === 429
        ? 'rate_limited'
        : status === 503
          ? 'unavailable'
          : status < 500
            ? 'rejected'
            : 'error';

/**
 * One audit line per mutating request: key name and role (none when the key was refused), action, alert id,
 * result, status and request id. Never the key, never the body. Mounted before bearerAuth, so refused keys are
 * audited too. Routes name the action (permit) and the alert (res.locals.alertId); a request stopped before its
 * route (401, 429) is named by its method and path.
 */
export function auditTrail(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (READS.has(req.method)) return next();
    res.on('finish', () => {
      const locals = res.locals as { caller?: Caller; action?: Action; alertId?: string; requestId?: string };
      logger.info(
        {
          audit: true,
          // null: no key was accepted (missing or unknown; the presented value is never logged).
          key: locals.caller?.name ?? null,
          role: locals.caller?.role ?? null,
          action: locals.action ?? `${req.method} ${req.baseUrl}${req.path}`.slice(0, 200),
          alertId: locals.alertId,
          result: resultOf(res.statusCode),
          status: res.statusCode,
          requestId: locals.requestId,
          // The request id is the alert's correlation id (X-Request-Id): every line about an alert carries it.
          correlationId: locals.requestId,
        },
        'audit',
      );
    });
    next();
  };
}
