/**
 * Exposed surfaces (issue 14 item 5): the service binds to loopback unless HOST says otherwise, /readyz costs
 * Temporal at most one call a second however often it is hit, and METRICS_TOKEN puts /metrics (the ingress's and
 * a standalone worker's) behind a bearer token.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Readiness } from '../../src/api/readiness';
import { loadConfig } from '../../src/config';
import { serveMetrics } from '../../src/worker';
import { silentLogger, testConfig } from '../api/helpers';
import { startAppServer, type AppServer } from './app-server';

const TOKEN = 'metrics-token-0123456789abcdef';

describe('Readiness', () => {
  /** A fake isReady whose answers the test releases one at a time. */
  function fakeCheck() {
    const pending: Array<(ready: boolean) => void> = [];
    let calls = 0;
    return {
      isReady: () => {
        calls++;
        return new Promise<boolean>((resolve) => pending.push(resolve));
      },
      calls: () => calls,
      answer: (ready: boolean) => pending.shift()!(ready),
    };
  }

  test('concurrent checks share one in-flight call', async () => {
    const f = fakeCheck();
    const r = new Readiness({ isReady: f.isReady, now: () => 0 });
    const all = Promise.all(Array.from({ length: 20 }, () => r.check()));
    expect(f.calls()).toBe(1);
    f.answer(true);
    expect(await all).toEqual(Array(20).fill(true));
    expect(f.calls()).toBe(1);
  });

  test('a check within the interval reuses the last result; after it, a new call', async () => {
    let now = 1_000;
    const f = fakeCheck();
    const r = new Readiness({ isReady: f.isReady, now: () => now, intervalMs: 1_000 });
    const first = r.check();
    f.answer(false);
    expect(await first).toBe(false);
    now += 999;
    expect(await r.check()).toBe(false);
    expect(f.calls()).toBe(1);
    now += 1;
    const third = r.check();
    expect(f.calls()).toBe(2);
    f.answer(true);
    expect(await third).toBe(true);
    expect(await r.check()).toBe(true);
    expect(f.calls()).toBe(2);
  });

  test('a rejected check counts as not ready, and is cached like an answer', async () => {
    let calls = 0;
    const r = new Readiness({
      isReady: () => {
        calls++;
        return Promise.reject(new Error('unreachable'));
      },
      now: () => 0,
    });
    expect(await r.check()).toBe(false);
    expect(await r.check()).toBe(false);
    expect(calls).toBe(1);
  });
});

describe('/readyz over HTTP', () => {
  let calls = 0;
  // The cache's clock is the test's: how long the burst takes to arrive (seconds, on a loaded machine) does not
  // decide how many checks it costs. The cache's own timing is the Readiness tests' above, on the same kind of clock.
  let now = 1_000_000;
  let h: AppServer;
  beforeAll(async () => {
    h = await startAppServer(testConfig(), {
      isReady: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 50));
        return true;
      },
      readinessNow: () => now,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const burst = () =>
    Promise.all(Array.from({ length: 50 }, () => fetch(`${h.url}/readyz`).then((r) => r.status)));

  test('50 concurrent GET /readyz make one readiness call; the next burst, a second past it, one more', async () => {
    expect(await burst()).toEqual(Array(50).fill(200));
    expect(calls).toBe(1);
    now += 999;
    expect(await burst()).toEqual(Array(50).fill(200));
    expect(calls).toBe(1);
    now += 1;
    expect(await burst()).toEqual(Array(50).fill(200));
    expect(calls).toBe(2);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  let h: AppServer;
  beforeAll(async () => {
    h = await startAppServer({ ...testConfig(), metrics: { token: TOKEN } });
  });
  afterAll(async () => {
    await h?.close();
  });

  test.each([
    ['no Authorization', undefined],
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['the token without Bearer', TOKEN],
    ['an empty bearer', 'Bearer '],
  ])('%s: 401 problem+json with WWW-Authenticate', async (_what, authorization) => {
    const res = await fetch(`${h.url}/metrics`, { headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await res.json()).toMatchObject({ type: '/problems/unauthorized', status: 401 });
  });

  test('the token: the metrics', async () => {
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  test('/healthz and /readyz need no token', async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
  });
});

test('/metrics without METRICS_TOKEN stays open (Prometheus scrapes as before)', async () => {
  const h = await startAppServer(testConfig());
  try {
    expect((await fetch(`${h.url}/metrics`)).status).toBe(200);
  } finally {
    await h.close();
  }
});

describe("a standalone worker's /metrics (WORKER_METRICS_PORT)", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const config = loadConfig({ WORKER_METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
    server = await serveMetrics(new Registry(), config, silentLogger);
    const addr = server.address() as AddressInfo;
    expect(addr.address).toBe('127.0.0.1');
    url = `http://127.0.0.1:${addr.port}/metrics`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  test('refuses a scrape without the token, answers one with it', async () => {
    const refused = await fetch(url);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
  });
});

describe('HOST', () => {
  test('defaults to loopback; a container sets 0.0.0.0', () => {
    expect(loadConfig({}).ingress.host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).ingress.host).toBe('0.0.0.0');
  });

  test('METRICS_TOKEN is optional, and too short a token is refused', () => {
    expect(loadConfig({}).metrics?.token).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metrics?.token).toBe(TOKEN);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});
