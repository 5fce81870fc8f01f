/**
 * Temporal goes away: the ingress keeps answering desktop callbacks (durably, in time) and reports itself not
 * ready; when the server comes back on the same port and database, every stored callback is applied or, when
 * its alert had closed, dead-lettered with that reason: none is lost. The service runs as `npm start` runs it
 * (ingress and workers in one process, the real workflow), on a dev server of its own so the shared one is
 * never stopped. Its workers stay up through the outage and carry on when the server returns.
 */
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import request from 'supertest';
import { startDevServer, type DevServer } from '../../src/dev/temporal';
import type { AlertState } from '../../src/shared/messages';
import {
  actionedAndHandedOff,
  alertBody,
  auth,
  callbackActions,
  clickOn,
  delivered,
  getAlert,
  postCallback,
  signed,
  startHarness,
  tempDir,
  uniqueKey,
  type Delivered,
  type Harness,
} from './helpers';
import { portBelowEphemeralRange } from '../helpers/temporal';

jest.setTimeout(240_000);

let server: DevServer | undefined;
let h: Harness | undefined;
const dir = tempDir();
const dbFile = path.join(dir, 'temporal.sqlite');
const logFile = path.join(dir, 'temporal.log');

beforeAll(async () => {
  // The workers' polls fail while the server is away, as expected: keep the SDK's retry warnings out of the output.
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  } catch {
    /* a runtime is installed already in this process */
  }
  // The server returns on this port after the outage: one that nobody else can be handed meanwhile (see the helper).
  server = await startDevServer({ dbFile, port: await portBelowEphemeralRange(), ui: false, logFile });
  h = await startHarness({ address: server.address });
});

afterAll(async () => {
  await h?.close();
  await server?.stop();
});

/** An alert's inbox rows as the relay left them: what a failure prints instead of "condition not met". */
function inboxRows(keys: string[]) {
  return keys.map((key) => {
    const r = h!.ingress.inbox.getByKey(key);
    return r
      ? {
          key,
          id: r.id,
          state: r.state,
          attempts: r.attempts,
          outcome: r.outcome,
          reason: r.reason,
          lastError: r.detail,
        }
      : { key, missing: true };
  });
}

/**
 * Poll until every callback of the alert has left the inbox's `received` state and the alert answers with its
 * final state. A time-out names the alert's rows (state, attempts, last error), its last GET answer and whether
 * the workers still run.
 */
async function settled(alert: Delivered, keys: string[], timeoutMs: number): Promise<AlertState> {
  const deadline = Date.now() + timeoutMs;
  let lastGet: unknown = 'not asked';
  for (;;) {
    const rows = keys.map((k) => h!.ingress.inbox.getByKey(k));
    if (rows.every((r) => r && r.state !== 'received')) {
      try {
        const r = await getAlert(h!.ingress.url, alert.alertId);
        lastGet = r;
        if (r.status === 200 && actionedAndHandedOff(r.body)) return r.body;
      } catch (err) {
        lastGet = String(err);
      }
    }
    if (Date.now() > deadline) {
      try {
        lastGet = await getAlert(h!.ingress.url, alert.alertId);
      } catch (err) {
        lastGet = String(err);
      }
      throw new Error(
        `alert ${alert.alertId}: callbacks not settled, or alert not actioned and handed downstream, in the ${timeoutMs} ms left after Temporal returned\n` +
          `inbox rows: ${JSON.stringify(inboxRows(keys), null, 2)}\nlast GET: ${JSON.stringify(lastGet)}\n` +
          `inbox counts: ${JSON.stringify(h!.ingress.inbox.counts())}; ` +
          `workers: ${JSON.stringify(h!.service.workers?.workers.map((w) => w.getState()))}; dev server log: ${logFile}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('callbacks are answered and kept while Temporal is down, then applied (or dead-lettered as too late) when it returns', async () => {
  const api = request(h!.ingress.url);
  const alerts: Delivered[] = [];
  for (let i = 0; i < 3; i++) {
    const body = alertBody({
      idempotencyKey: uniqueKey('out'),
      actions: callbackActions('ack', 'snooze', 'late-1'),
    });
    const res = await api.post('/v1/alerts').set(auth()).send(body);
    expect(res.status).toBe(202);
    alerts.push({ alertId: res.body.alertId as string, notificationId: '' });
  }
  // Each toast is out: the notification ids the agents' clicks carry come from the alerts' state.
  for (const a of alerts) a.notificationId = (await delivered(h!.ingress.url, a.alertId)).notificationId;
  expect((await api.get('/readyz')).status).toBe(200);

  // Temporal goes away (the service's workers wait for it, as a deployed worker process would).
  const port = Number(server!.address.split(':')[1]);
  await server!.stop();

  expect((await api.get('/readyz')).status).toBe(503);
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
  // Bounded by the launcher's 3 s call limit, not the SDK's ~20 s of gRPC retries. No benchmark measures this
  // answer, so the bound stays here, generous for a busy machine.
  expect(Date.now() - t0).toBeLessThan(10_000);
  expect((await api.get(`/v1/alerts/${alerts[0]!.alertId}`).set(auth())).status).toBe(503);

  // The agents click; the platform also retries some deliveries (the same message again: a 200 duplicate).
  const bodies = alerts.flatMap((a) => ['ack', 'snooze'].map((action) => JSON.stringify(clickOn(a, action))));
  const headers = bodies.map((b) => signed(b));
  const sends = [
    ...bodies.map((b, i) => [b, headers[i]!] as const),
    [bodies[0]!, headers[0]!] as const,
    [bodies[3]!, headers[3]!] as const,
  ];
  const results = await Promise.all(sends.map(([b, hd]) => postCallback(h!.ingress.url, b, hd)));
  // How fast these answers come while Temporal is down is measured by the chaos benchmark (bench/chaos,
  // scenario "callbacks during a Temporal restart": slowest answer under 5 s); here only that they are 2xx.
  expect(results.map((r) => r.status).sort()).toEqual([...bodies.map(() => 202), 200, 200].sort());
  // Clicks that come after each alert will have closed (its first click ends it).
  for (const a of alerts) expect((await postCallback(h!.ingress.url, clickOn(a, 'late-1'))).status).toBe(202);
  process.stdout.write(
    `callback ack latency with Temporal down (information only): burst max ${Math.max(...results.map((r) => r.ms)).toFixed(1)} ms\n`,
  );
  // Nothing is applied or dead-lettered while the server is away: the relay keeps every row and retries.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(h!.ingress.inbox.counts()).toMatchObject({ received: 9, applied: 0, dead_lettered: 0 });

  // Temporal comes back on the same port and database. The port was picked below the ephemeral range, so no other
  // process's connection or listen(0) can have been given it while the server was away.
  server = await startDevServer({ dbFile, port, ui: false, logFile });

  const keysOf = (a: Delivered) =>
    ['ack', 'snooze', 'late-1'].map((action) => `${a.notificationId}:${action}`);
  // Generous: on a busy machine the server takes a while to warm up again (the relay retries meanwhile).
  const deadline = Date.now() + 120_000;
  for (const a of alerts) {
    const state = await settled(a, keysOf(a), deadline - Date.now());
    const rows = keysOf(a).map((k) => h!.ingress.inbox.getByKey(k)!);
    const byArrival = [...rows].sort((x, y) => x.id - y.id);
    const first = byArrival[0]!;
    // The first click to arrive is applied and ends the alert; it is handed downstream.
    expect(first).toMatchObject({ state: 'applied', outcome: 'applied' });
    expect(state.actions[0]).toMatchObject({
      actionId: first.callback!.actionId,
      notificationId: a.notificationId,
    });
    expect(h!.downstream.received).toContainEqual({ alertId: a.alertId, actionId: first.callback!.actionId });
    // Every later click is either applied (it reached the run before it closed) or kept as a dead letter saying
    // the alert had closed: never lost, never applied twice, in arrival order.
    const applied = byArrival.filter((r) => r.state === 'applied').map((r) => r.callback!.actionId);
    expect(state.actions.map((x) => x.actionId)).toEqual(applied);
    for (const r of byArrival.filter((x) => x.state !== 'applied')) {
      expect(r).toMatchObject({ state: 'dead_lettered', reason: 'alert_closed' });
    }
  }
  expect(h!.ingress.inbox.counts()).toMatchObject({ received: 0 });
  expect(h!.ingress.inbox.counts().applied + h!.ingress.inbox.counts().dead_lettered).toBe(9);
  expect((await api.get('/readyz')).status).toBe(200);
});
