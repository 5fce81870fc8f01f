import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { callerOf } from './auth';
import { sendProblem } from './problem';

/**
 * INGRESS_RATE_LIMIT_PER_MINUTE requests per API key and minute (a fixed window, counted in this process: with
 * several ingress nodes behind a balancer each one counts its own share). Over it: 429 problem+json with
 * Retry-After and the IETF RateLimit headers. Runs after bearerAuth, so it counts per key name, not per address.
 */
export function perKeyRateLimit(perMinute: number): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => callerOf(res).name,
    handler: (req, res) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;
      res.set('Retry-After', String(seconds));
      sendProblem(res, 'tooManyRequests', {
        detail: `this API key may make ${perMinute} requests a minute; retry in ${seconds} s`,
      });
    },
  });
}
