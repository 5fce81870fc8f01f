/**
 * GET /docs: the API reference, Swagger UI over GET /openapi.json. Swagger UI's files come from node_modules
 * (swagger-ui-dist), never a CDN; the page and its initializer from docs-page/. No auth: it shows only the spec,
 * which /openapi.json already serves to anyone (and "Try it out" sends the caller's own key).
 */
import path from 'node:path';
import { Router, type Response } from 'express';

/**
 * swagger-ui-dist's folder, by its own helper. Required alone: the package's index would also load its 1.7 MB browser
 * bundle into Node (and the package ships no types).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const getAbsoluteFSPath = require('swagger-ui-dist/absolute-path.js') as () => string;

/**
 * default-src 'none', then only what Swagger UI needs, all from this service: its bundle and our initializer
 * (script-src), its stylesheet (style-src), the spec and "Try it out" (connect-src), the favicon and the icons its
 * stylesheet inlines as data: URLs (img-src). No inline scripts, no other origin. style-src needs no 'unsafe-inline':
 * Swagger UI (React) sets its inline styles through the DOM, which CSP does not govern, and adds no <style> element
 * (test/api/docs.browser.test.ts sees no violation).
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const DOCS_PAGE_DIR = path.join(__dirname, '..', 'docs-page');

/** The files under /docs/: ours and the few of swagger-ui-dist the page loads. Anything else is the ingress's 404. */
function docsFiles(): Record<string, { file: string; type: string; cache: string }> {
  const dist = getAbsoluteFSPath();
  const vendor = { cache: 'public, max-age=3600' };
  return {
    'swagger-ui.css': { file: path.join(dist, 'swagger-ui.css'), type: 'text/css; charset=utf-8', ...vendor },
    'swagger-ui-bundle.js': {
      file: path.join(dist, 'swagger-ui-bundle.js'),
      type: 'text/javascript; charset=utf-8',
      ...vendor,
    },
    'favicon-32x32.png': { file: path.join(dist, 'favicon-32x32.png'), type: 'image/png', ...vendor },
    'init.js': {
      file: path.join(DOCS_PAGE_DIR, 'init.js'),
      type: 'text/javascript; charset=utf-8',
      cache: 'no-cache',
    },
  };
}

function securityHeaders(res: Response): void {
  res.set('Content-Security-Policy', DOCS_CSP);
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Referrer-Policy', 'no-referrer');
}

export function docsRoutes(): Router {
  const files = docsFiles();
  const r = Router();
  // `/docs` and `/docs/` alike (the router is not strict): the page's URLs are absolute.
  r.get('/docs', (_req, res) => {
    securityHeaders(res);
    res.set('Cache-Control', 'no-cache');
    res.type('html');
    res.sendFile(path.join(DOCS_PAGE_DIR, 'index.html'));
  });
  r.get('/docs/:file', (req, res, next) => {
    const f = Object.hasOwn(files, req.params.file) ? files[req.params.file] : undefined;
    if (!f) return next();
    securityHeaders(res);
    res.set('Cache-Control', f.cache);
    res.type(f.type);
    res.sendFile(f.file);
  });
  return r;
}
