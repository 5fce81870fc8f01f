import type { RequestHandler } from 'express';
import { sendProblem } from './problem';

/**
 * A body (under /v1, /codec) must be JSON in UTF-8 (RFC 8259): anything else (text, XML, forms, application/problem+json, UTF-7)
 * is a 415 before it is read, not a confusing 400 for an empty object. Bodiless requests (a cancel) pass.
 */
export function jsonBodiesOnly(): RequestHandler {
  return (req, res, next) => {
    const length = Number(req.get('content-length') ?? 0);
    const hasBody = req.get('transfer-encoding') !== undefined || length > 0;
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    if (hasBody && (!req.is('application/json') || (charset !== undefined && charset !== 'utf-8')))
      return sendProblem(res, 'unsupportedMedia', {
        detail: `send the body as application/json (got ${String(req.get('content-type') ?? 'no Content-Type').slice(0, 100)})`,
      });
    next();
  };
}
