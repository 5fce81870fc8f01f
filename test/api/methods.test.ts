/**
 * Issue 17 item 2, HTTP semantics (RFC 9110 §15.5.6, §9.3.2): a path the service knows, asked with a method it does
 * not serve, answers 405 with an `Allow` header naming what it does serve (the methods /openapi.json lists); HEAD
 * works wherever GET does; OPTIONS keeps answering the codec's CORS preflight. An unknown path stays 404.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { CALLBACK_PATH } from '../../src/shared/constants';
import { startAppServer, type AppServer } from '../security/app-server';
import { API_KEY, testConfig } from './helpers';

const UI_ORIGIN = 'http://temporal-ui.test:8233';
let server: AppServer;

beforeAll(async () => {
  const config = testConfig({
    temporal: { payloadKeys: [{ id: 'k1', key: randomBytes(32) }], codecCorsOrigins: [UI_ORIGIN] },
  });
  server = await startAppServer(config);
});
afterAll(() => server.close());

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http, as fetch refuses TRACE. */
function call(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}${path}`,
      { method, headers: { authorization: `Bearer ${API_KEY}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test.each([
  ['TRACE', '/healthz', 'GET, HEAD'],
  ['POST', '/healthz', 'GET, HEAD'],
  ['DELETE', '/readyz', 'GET, HEAD'],
  ['PUT', '/metrics', 'GET, HEAD'],
  ['POST', '/openapi.json', 'GET, HEAD'],
  ['DELETE', '/v1/alerts', 'POST'],
  ['GET', '/v1/alerts', 'POST'],
  ['PATCH', '/v1/alerts/alert-abc', 'GET, HEAD'],
  ['GET', '/v1/alerts/alert-abc/cancel', 'POST'],
  ['PUT', '/v1/dead-letters', 'GET, HEAD'],
  ['GET', '/v1/dead-letters/replay', 'POST'],
  ['GET', '/v1/dead-letters/7/replay', 'POST'],
  ['GET', CALLBACK_PATH, 'POST'],
  ['GET', '/codec/decode', 'OPTIONS, POST'],
  ['TRACE', '/codec/encode', 'OPTIONS, POST'],
])('%s %s: 405, Allow: %s', async (method, path, allow) => {
  const res = await call(method, path);
  expect(res.status).toBe(405);
  expect(res.headers.allow).toBe(allow);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(res.body)).toMatchObject({ status: 405, type: '/problems/method-not-allowed' });
});

test('an unknown path is still 404, whatever the method', async () => {
  expect((await call('TRACE', '/nowhere')).status).toBe(404);
  expect((await call('GET', '/v1/nowhere')).status).toBe(404);
});

test.each(['/healthz', '/readyz', '/openapi.json', '/v1/dead-letters'])(
  'HEAD %s answers as GET does, without a body',
  async (path) => {
    const get = await call('GET', path);
    const head = await call('HEAD', path);
    expect(head.status).toBe(get.status);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.body).toBe('');
  },
);

test("the codec's CORS preflight still answers the configured origin", async () => {
  const res = await fetch(`${server.url}/codec/decode`, {
    method: 'OPTIONS',
    headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST' },
  });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
});
