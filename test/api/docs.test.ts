/**
 * GET /docs over plain HTTP: the page and Swagger UI's files under a strict CSP, with no auth (the spec is public at
 * /openapi.json); any other file under /docs is the ingress's problem+json 404, never a file of swagger-ui-dist.
 */
import { DOCS_CSP } from '../../src/api/routes/docs';
import { startAppServer, type AppServer } from '../security/app-server';
import { testConfig } from './helpers';

let server: AppServer;
beforeAll(async () => {
  server = await startAppServer(testConfig());
});
afterAll(() => server?.close());

const get = (path: string, method = 'GET') => fetch(`${server.url}${path}`, { method });

test.each([
  ['/docs', 'text/html'],
  ['/docs/', 'text/html'],
  ['/docs/swagger-ui.css', 'text/css'],
  ['/docs/swagger-ui-bundle.js', 'text/javascript'],
  ['/docs/init.js', 'text/javascript'],
  ['/docs/favicon-32x32.png', 'image/png'],
])('GET %s: %s, no key needed, under the strict CSP', async (path, type) => {
  const res = await get(path);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain(type);
  expect(res.headers.get('content-security-policy')).toBe(DOCS_CSP);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  await res.arrayBuffer();
});

test('the CSP allows no inline script and no other origin', () => {
  const directives = Object.fromEntries(
    DOCS_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
  );
  expect(directives).toEqual({
    'default-src': "'none'",
    'script-src': "'self'",
    'style-src': "'self'",
    'img-src': "'self' data:",
    'connect-src': "'self'",
    'frame-ancestors': "'none'",
    'base-uri': "'none'",
    'form-action': "'none'",
  });
});

test('the page loads only our initializer and Swagger UI from this service', async () => {
  const html = await (await get('/docs')).text();
  expect([...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1])).toEqual([
    ' src="/docs/swagger-ui-bundle.js"',
    ' src="/docs/init.js"',
  ]);
  expect(html).not.toMatch(/https?:\/\//);
  const init = await (await get('/docs/init.js')).text();
  expect(init).toContain("url: '/openapi.json'");
  // swagger-ui-dist's only telemetry is @scarf/scarf's install script (never run: allowScripts); none is served.
  for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'init.js'])
    expect(await (await get(`/docs/${file}`)).text()).not.toMatch(/scarf/i);
});

test('HEAD /docs answers like GET, without the body', async () => {
  const res = await get('/docs', 'HEAD');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-security-policy')).toBe(DOCS_CSP);
});

test.each([
  '/docs/index.html',
  '/docs/swagger-initializer.js',
  '/docs/swagger-ui-bundle.js.map',
  '/docs/oauth2-redirect.html',
  '/docs/swagger-ui-standalone-preset.js',
  '/docs/package.json',
  '/docs/..%2fpackage.json',
  '/docs/%2e%2e%2f%2e%2e%2fpackage.json',
])('GET %s: 404 problem+json', async (path) => {
  const res = await get(path);
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(((await res.json()) as { type: string }).type).toBe('/problems/not-found');
});
