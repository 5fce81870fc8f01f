import type { RequestHandler } from 'express';
import { sendProblem } from './problem';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * 405 with `Allow` (RFC 9110 §15.5.6) for a path the service serves asked with a method it does not: the last
 * handler before the 404. The paths and their methods come from the served OpenAPI document, so the answer and the
 * document cannot disagree. HEAD is allowed wherever GET is (Express answers it from the GET route).
 */
export function methodNotAllowed(paths: Record<string, Record<string, unknown>>): RequestHandler {
  const known = Object.entries(paths).map(([template, item]) => {
    const methods = new Set(
      Object.keys(item)
        .filter((m) => HTTP_METHODS.includes(m))
        .map((m) => m.toUpperCase()),
    );
    if (methods.has('GET')) methods.add('HEAD');
    const pattern = template
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    return { path: new RegExp(`^${pattern}/?$`), allow: [...methods].sort().join(', ') };
  });
  return (req, res, next) => {
    const match = known.find((k) => k.path.test(req.path));
    if (!match) return next();
    res.set('Allow', match.allow);
    sendProblem(res, 'methodNotAllowed', { detail: `${req.method} is not served here; use ${match.allow}` });
  };
}
