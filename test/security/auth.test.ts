/**
 * API keys: compared in constant time (hashed to equal lengths, every configured key compared, no
 * early exit), unknown or missing keys answered 401 with nothing that tells one case from another;
 * request bodies capped (413), before any work and, for /v1, only after authentication.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import express from 'express';
import fc from 'fast-check';
import { parseApiKeys } from '../../src/config';
import request from 'supertest';
import { bearerAuth } from '../../src/api/auth';
import { API_KEY, OTHER_API_KEY, alertBody, signed } from '../api/helpers';
import { startIngressHarness, stored, type IngressHarness } from './harness';

jest.setTimeout(30_000);

describe('bearerAuth compares in constant time', () => {
  const keys = ['k-0123456789abcdef', 'another-key-with-a-different-length-0123456789', 'third'];
  const app = express();
  app.use(bearerAuth(parseApiKeys(keys)));
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });

  afterEach(() => jest.restoreAllMocks());

  test('every configured key is compared, always on 32-byte digests, whatever was presented', async () => {
    const presented = fc.oneof(
      fc.constantFrom(...keys),
      fc.constantFrom(...keys).chain((k) => fc.integer({ min: 1, max: k.length }).map((n) => k.slice(0, n))), // prefixes
      fc.constantFrom(...keys).map((k) => `${k}x`),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 300 }).filter((s) => /^\S+$/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(presented, async (key) => {
        const spy = jest.spyOn(crypto, 'timingSafeEqual');
        const res = await request(app).get('/').set('Authorization', `Bearer ${key}`);
        expect(res.status).toBe(keys.includes(key) ? 200 : 401);
        expect(spy).toHaveBeenCalledTimes(keys.length); // no early exit on a match or a mismatch
        for (const [a, b] of spy.mock.calls) {
          expect((a as Buffer).length).toBe(32);
          expect((b as Buffer).length).toBe(32);
        }
        spy.mockRestore();
      }),
      { numRuns: 100 },
    );
  });
});

describe('the ingress', () => {
  let h: IngressHarness;
  beforeAll(async () => {
    h = await startIngressHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  test.each<[string, Record<string, string>]>([
    ['no Authorization header', {}],
    ['an unknown key', { Authorization: 'Bearer not-a-configured-key' }],
    ['a prefix of a real key', { Authorization: `Bearer ${API_KEY.slice(0, -1)}` }],
    ['a real key plus a character', { Authorization: `Bearer ${API_KEY}x` }],
    ['two keys', { Authorization: `Bearer ${API_KEY} ${OTHER_API_KEY}` }],
    ['Basic auth with the key', { Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}` }],
    ['the key without a scheme', { Authorization: API_KEY }],
    ['the key in another header', { 'X-Api-Key': API_KEY }],
    ['an empty bearer', { Authorization: 'Bearer ' }],
  ])('401 without detail for %s', async (_what, headers) => {
    const res = await request(h.ingress.url).post('/v1/alerts').set(headers).send(alertBody());
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="desktop-alerts"');
    // The same answer for every case: nothing says whether a key was missing, malformed or unknown.
    expect(res.body).toEqual({
      type: '/problems/unauthorized',
      title: 'Unauthorized',
      status: 401,
      instance: '/v1/alerts',
      requestId: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toContain(API_KEY.slice(0, 8));
  });

  test('the key in the query string is not accepted', async () => {
    const res = await request(h.ingress.url).get(
      `/v1/dead-letters?api_key=${API_KEY}&access_token=${API_KEY}`,
    );
    expect(res.status).toBe(401);
  });

  test('either configured key works', async () => {
    for (const k of [API_KEY, OTHER_API_KEY]) {
      expect(
        (await request(h.ingress.url).get('/v1/dead-letters').set('Authorization', `Bearer ${k}`)).status,
      ).toBe(200);
    }
  });

  test('alert bodies are capped at 64 kB (413), and unauthenticated ones are refused before reading', async () => {
    const pad = (n: number) => JSON.stringify({ ...alertBody(), message: 'x'.repeat(n) });
    const at = 64 * 1024 - pad(0).length;
    const fits = await request(h.ingress.url)
      .post('/v1/alerts')
      .set('Authorization', `Bearer ${API_KEY}`)
      .set('Content-Type', 'application/json')
      .send(pad(at));
    expect(fits.status).toBe(400); // parsed (message too long for the schema), not refused for size
    const over = await request(h.ingress.url)
      .post('/v1/alerts')
      .set('Authorization', `Bearer ${API_KEY}`)
      .set('Content-Type', 'application/json')
      .send(pad(at + 1));
    expect(over.status).toBe(413);
    expect(over.body.type).toBe('/problems/payload-too-large');
    const anon = await request(h.ingress.url)
      .post('/v1/alerts')
      .set('Content-Type', 'application/json')
      .send(pad(10 * 1024 * 1024));
    expect(anon.status).toBe(401);
  });

  test('a chunked body (no Content-Length) past the cap is cut off with 413 too', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${h.ingress.url}/v1/alerts`);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${API_KEY}`,
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('{"message":"');
      for (let i = 0; i < 40; i++) req.write('y'.repeat(4096));
      req.end('"}');
    });
    expect(status).toBe(413);
  });

  test('callback bodies are capped at 64 kB (413) and nothing is stored', async () => {
    const before = stored(h);
    const big = JSON.stringify({
      notificationId: 'n',
      userId: 'u',
      actionId: 'a',
      timestamp: new Date().toISOString(),
      metadata: { pad: 'z'.repeat(70 * 1024) },
    });
    const res = await fetch(`${h.ingress.url}/webhooks/desktop-callback`, {
      method: 'POST',
      body: big,
      headers: signed(big),
    });
    expect(res.status).toBe(413);
    expect(stored(h)).toBe(before);
  });
});
