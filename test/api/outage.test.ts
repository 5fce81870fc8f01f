/**
 * Temporal goes away: the ingress keeps answering desktop callbacks (durably, in time) and reports
 * itself not ready; when the server comes back on the same port and database, every stored callback
 * is applied. Uses a second dev server of its own so the shared one is never stopped.
 */
import path from 'node:path';
import request from 'supertest';
import { startDevServer, type DevServer } from '../../src/dev/temporal';
import type { AlertState } from '../../src/shared/messages';
import {
  alertBody,
  auth,
  callbackFor,
  eventually,
  postCallback,
  signed,
  startFixtureWorker,
  startHarness,
  tempDir,
  testConfig,
  uniqueKey,
  type Harness,
  type TestWorker,
} from './helpers';

jest.setTimeout(150_000);

let server: DevServer | undefined;
let h: Harness | undefined;
let worker: TestWorker | undefined;
const dir = tempDir();
const dbFile = path.join(dir, 'temporal.sqlite');

beforeAll(async () => {
  server = await startDevServer({ dbFile, ui: false, logFile: path.join(dir, 'temporal.log') });
  h = await startHarness({
    address: server.address,
    worker: false,
    config: testConfig({ temporal: { address: server.address } }),
  });
  worker = await startFixtureWorker(server.address, h.worker.taskQueue);
});

afterAll(async () => {
  await h?.close();
  await worker?.shutdown();
  await server?.stop();
});

test('callbacks are answered within 5 s and kept while Temporal is down, then applied when it returns', async () => {
  const api = request(h!.ingress.url);
  const keys = [uniqueKey('out'), uniqueKey('out'), uniqueKey('out')];
  const alertIds: string[] = [];
  for (const k of keys) {
    const res = await api
      .post('/v1/alerts')
      .set(auth())
      .send(alertBody({ idempotencyKey: k, metadata: { completeAfterActions: '2' } }));
    expect(res.status).toBe(202);
    alertIds.push(res.body.alertId);
  }
  for (const id of alertIds)
    await eventually(
      async () => (await api.get(`/v1/alerts/${id}`).set(auth())).body.status === 'awaiting_action',
    );
  expect((await api.get('/readyz')).status).toBe(200);

  // Temporal (and its workers) go away.
  const port = Number(server!.address.split(':')[1]);
  await worker!.shutdown();
  worker = undefined;
  await server!.stop();

  const ready = await api.get('/readyz');
  expect(ready.status).toBe(503);
  expect((await api.get('/healthz')).status).toBe(200);

  const t0 = Date.now();
  const downKey = uniqueKey('down');
  const start = await api
    .post('/v1/alerts')
    .set(auth())
    .send(alertBody({ idempotencyKey: downKey }));
  expect(start.status).toBe(503);
  expect(start.headers['retry-after']).toBe('5');
  // The start is in doubt: the answer names the alert and the key to retry with.
  expect(start.body).toMatchObject({
    type: '/problems/temporal-unavailable',
    status: 503,
    alertId: `alert-${downKey}`,
    idempotencyKey: downKey,
  });
  expect(Date.now() - t0).toBeLessThan(4_500); // the 3 s call limit, not the SDK's ~20 s of gRPC retries
  expect((await api.get(`/v1/alerts/${alertIds[0]}`).set(auth())).status).toBe(503);

  // The agents click; the platform also retries some deliveries.
  const bodies = keys.flatMap((k) => ['ack', 'snooze'].map((a) => JSON.stringify(callbackFor(k, a))));
  const sends = [...bodies, bodies[0]!, bodies[3]!];
  const results = await Promise.all(sends.map((b) => postCallback(h!.ingress.url, b, signed(b))));
  for (const r of results) {
    expect([200, 202]).toContain(r.status);
    expect(r.ms).toBeLessThan(5_000);
  }
  expect(results.filter((r) => r.status === 202)).toHaveLength(bodies.length);
  const sequential: number[] = [];
  for (const b of [
    JSON.stringify(callbackFor(keys[0]!, 'late-1')),
    JSON.stringify(callbackFor(keys[1]!, 'late-1')),
  ]) {
    const r = await postCallback(h!.ingress.url, b, signed(b));
    expect(r.status).toBe(202);
    sequential.push(r.ms);
  }
  process.stdout.write(
    `callback ack latency with Temporal down: burst max ${Math.max(...results.map((r) => r.ms)).toFixed(1)} ms, sequential ${sequential.map((m) => m.toFixed(1)).join(', ')} ms\n`,
  );
  await new Promise((r) => setTimeout(r, 1_000));
  expect(h!.ingress.inbox.counts()).toMatchObject({
    received: bodies.length + 2,
    applied: 0,
    dead_lettered: 0,
  });

  // Temporal comes back on the same port and database; a worker too.
  server = await startDevServer({ dbFile, port, ui: false, logFile: path.join(dir, 'temporal.log') });
  worker = await startFixtureWorker(server.address, h!.worker.taskQueue);

  const finals: AlertState[] = await Promise.all(
    alertIds.map((id) =>
      eventually(
        async () => {
          const r = await api.get(`/v1/alerts/${id}`).set(auth());
          return r.status === 200 && r.body.status === 'actioned' ? (r.body as AlertState) : undefined;
        },
        60_000,
        200,
      ),
    ),
  );
  for (const s of finals) {
    // Once each, in the order the inbox received them (the burst was concurrent, so either order).
    const arrival = ['ack', 'snooze']
      .map((a) => ({ a, id: h!.ingress.inbox.getByKey(`notif-${s.idempotencyKey}:${a}`)!.id }))
      .sort((x, y) => x.id - y.id)
      .map((x) => x.a);
    expect(s.actions.map((a) => a.actionId)).toEqual(arrival);
  }
  // The 'late-1' clicks came after each alert had completed: kept as dead letters, not lost.
  await eventually(() => h!.ingress.inbox.counts().received === 0, 30_000);
  expect(h!.ingress.inbox.counts()).toEqual({ received: 0, applied: bodies.length, dead_lettered: 2 });
  expect(h!.ingress.inbox.listDeadLetters().map((d) => d.reason)).toEqual(['alert_closed', 'alert_closed']);
  expect((await api.get('/readyz')).status).toBe(200);
});
