/**
 * POST /webhooks/desktop-callback over real HTTP against the real service (startService: ingress, workers,
 * the real deliverAlert workflow on the Temporal dev server, the Genesys emulator): signature checks, the
 * durable inbox, the relay into the workflows, dead letters and their replay. A click carries the notification
 * id the alert was given (read from its state) and is signed with the emulator's secret.
 */
import request from 'supertest';
import { ALERT_ID_METADATA_KEY } from '../../src/shared/constants';
import type { InboxRecord } from '../../src/callbacks/inbox';
import type { AlertState } from '../../src/shared/messages';
import {
  AGENT,
  actionedAndHandedOff,
  alertBody,
  auth,
  callbackActions,
  callbackFor,
  clickOn,
  delivered,
  eventually,
  postCallback,
  runStatus,
  signed,
  startHarness,
  uniqueKey,
  waitForAlert,
  type Delivered,
  type Harness,
} from './helpers';

// Generous: every wait polls, and a busy machine only makes it take longer.
jest.setTimeout(180_000);

let h: Harness;
let api: ReturnType<typeof request>;
beforeAll(async () => {
  h = await startHarness();
  api = request(h.ingress.url);
});
afterAll(async () => {
  jest.restoreAllMocks();
  await h?.close();
});

/** Start an alert to AGENT and wait for its toast; its notification id is what the agent's clicks carry. */
async function deliveredAlert(over: Record<string, unknown> = {}): Promise<Delivered> {
  const res = await api
    .post('/v1/alerts')
    .set(auth())
    .send(alertBody({ idempotencyKey: uniqueKey('cb'), ...over }));
  expect(res.status).toBe(202);
  return delivered(h.ingress.url, res.body.alertId as string);
}

const stateOf = async (alertId: string): Promise<AlertState> =>
  (await api.get(`/v1/alerts/${alertId}`).set(auth())).body as AlertState;
/** An inbox row once the relay has finished with it (the workflow may hold the action a moment before the mark lands). */
const settled = <T extends { state: string }>(row: T | undefined): T | undefined =>
  row && row.state !== 'received' ? row : undefined;
/** What a failed wait prints about an alert's callbacks. */
const rowsOf = (keys: string[]) =>
  keys.map((key) => {
    const r = h.ingress.inbox.getByKey(key);
    return r
      ? {
          key,
          state: r.state,
          attempts: r.attempts,
          outcome: r.outcome,
          reason: r.reason,
          lastError: r.detail,
        }
      : { key };
  });
/** Every row of `keys` settled and the alert done (actioned, handed downstream); a time-out names the rows and the last answer. */
async function settledAlert(alertId: string, keys: string[], timeoutMs = 60_000): Promise<AlertState> {
  await eventually(() => keys.every((k) => settled(h.ingress.inbox.getByKey(k))), timeoutMs, 100).catch(
    (err: Error) => {
      throw new Error(`${err.message}\n${JSON.stringify(rowsOf(keys), null, 2)}`);
    },
  );
  return waitForAlert(h.ingress.url, alertId, actionedAndHandedOff, {
    timeoutMs,
    what: 'actioned, its actions handed downstream',
    diagnose: () => rowsOf(keys),
  });
}

describe('signature: 401 and nothing stored or applied', () => {
  test('bad signature, stale or future timestamp, tampered body, missing headers, wrong secret', async () => {
    const alert = await deliveredAlert();
    const before = h.ingress.inbox.counts();
    const body = JSON.stringify(clickOn(alert));
    const good = signed(body);
    const wrongSecret = signed(body, {
      secret: 'whsec_' + Buffer.from('not-the-right-secret-123').toString('base64'),
    });
    const cases: Array<[string, string, Record<string, string>]> = [
      [
        'bad signature',
        body,
        { ...good, 'webhook-signature': 'v1,' + Buffer.alloc(32, 7).toString('base64') },
      ],
      ['wrong secret', body, wrongSecret],
      ['stale timestamp', body, signed(body, { now: new Date(Date.now() - 6 * 60_000) })],
      ['future timestamp', body, signed(body, { now: new Date(Date.now() + 6 * 60_000) })],
      ['tampered body', body.replace('"ack"', '"ACK"'), good],
      ['tampered id', body, { ...good, 'webhook-id': 'msg_other' }],
      ['missing webhook-id', body, { ...good, 'webhook-id': '' }],
      [
        'missing signature',
        body,
        {
          'content-type': 'application/json',
          'webhook-id': 'x',
          'webhook-timestamp': good['webhook-timestamp']!,
        },
      ],
      ['no headers at all', body, { 'content-type': 'application/json' }],
      ['malformed JSON with a bad signature', '{"oops', good],
    ];
    for (const [name, payload, headers] of cases) {
      const res = await postCallback(h.ingress.url, payload, headers);
      expect({ name, status: res.status, type: res.body.type }).toEqual({
        name,
        status: 401,
        type: '/problems/invalid-signature',
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(h.ingress.inbox.counts()).toEqual(before);
    expect(await stateOf(alert.alertId)).toMatchObject({ status: 'awaiting_action', actions: [] });
  });
});

describe('accepted callbacks', () => {
  test('202 first time, 200 for the platform retry; applied once to the workflow and handed downstream', async () => {
    const alert = await deliveredAlert();
    const body = JSON.stringify(clickOn(alert));
    const first = await postCallback(h.ingress.url, body, signed(body, { id: 'msg_first' }));
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const retry = await postCallback(h.ingress.url, body, signed(body, { id: 'msg_first' }));
    expect(retry).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const state = await settledAlert(alert.alertId, [`${alert.notificationId}:ack`]);
    expect(state.actions).toEqual([
      expect.objectContaining({
        actionId: 'ack',
        userId: AGENT.id,
        notificationId: alert.notificationId,
        downstream: 'delivered',
      }),
    ]);
    // Handed downstream (at least once: the receiver deduplicates on the webhook id), and nothing else.
    const handedOff = h.downstream.received.filter((d) => d.alertId === alert.alertId).map((d) => d.actionId);
    expect(new Set(handedOff)).toEqual(new Set(['ack']));
    expect(h.ingress.inbox.getByKey(`${alert.notificationId}:ack`)).toMatchObject({
      state: 'applied',
      outcome: 'applied',
      deliveryId: 'msg_first',
    });
  });

  test('a click whose applied mark is gone (pruned, or lost to a power cut) is recognised as applied, not applied twice', async () => {
    const alert = await deliveredAlert();
    const key = `${alert.notificationId}:ack`;
    const body = JSON.stringify(clickOn(alert));
    expect((await postCallback(h.ingress.url, body, signed(body, { id: 'msg_once' }))).status).toBe(202);
    await eventually(() => h.ingress.inbox.getByKey(key)?.state === 'applied', 60_000);
    await eventually(async () => (await runStatus(h.client, alert.alertId)) === 'COMPLETED', 60_000);
    // The row goes (retention); the platform delivers the same click again.
    h.ingress.inbox.pruneApplied(new Date(Date.now() + 1000), 1_000_000);
    expect(h.ingress.inbox.getByKey(key)).toBeUndefined();
    expect((await postCallback(h.ingress.url, body, signed(body, { id: 'msg_again' }))).status).toBe(202);
    const row = await eventually(() => settled(h.ingress.inbox.getByKey(key)), 60_000);
    // Not dead-lettered as "alert closed": Temporal answers a repeated update id with the first outcome
    // ('applied'), and failing that the relay finds the action in the closed alert ('duplicate').
    expect(row).toMatchObject({ state: 'applied', deliveryId: 'msg_again' });
    expect(['applied', 'duplicate']).toContain(row.outcome);
    expect((await stateOf(alert.alertId)).actions).toHaveLength(1);
  });

  test('any Content-Type is accepted: the signature covers the bytes', async () => {
    const alert = await deliveredAlert();
    const body = JSON.stringify(clickOn(alert));
    const res = await postCallback(h.ingress.url, body, {
      ...signed(body),
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(res.status).toBe(202);
    await settledAlert(alert.alertId, [`${alert.notificationId}:ack`]);
  });

  test('100 concurrent callbacks with duplicates mixed in: each stored once; per alert the first applied, the rest applied or kept as too late, none lost', async () => {
    const actionsPerAlert = 5; // MAX_ACTIONS: every action of these alerts is a callback action
    const actionIds = Array.from({ length: actionsPerAlert }, (_, i) => `act-${i}`);
    const alerts = await Promise.all(
      Array.from({ length: 10 }, () => deliveredAlert({ actions: callbackActions(...actionIds) })),
    );
    const bodies = alerts.flatMap((a) => actionIds.map((id) => JSON.stringify(clickOn(a, id))));
    const sends = [...bodies, ...bodies].sort(() => Math.random() - 0.5); // every callback twice, shuffled
    expect(sends).toHaveLength(100);
    const results = await Promise.all(sends.map((b) => postCallback(h.ingress.url, b, signed(b))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(50);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    // Information only: answer times under load are the benchmark's (bench/, scenario "callbacks": ack p50/p99).
    const ms = results.map((r) => r.ms).sort((a, b) => a - b);
    process.stdout.write(
      `callback ack latency under a 100-request burst (information only): p50 ${ms[49]!.toFixed(1)} ms, max ${ms[99]!.toFixed(1)} ms\n`,
    );

    const deadline = Date.now() + 120_000;
    for (const a of alerts) {
      const keys = actionIds.map((id) => `${a.notificationId}:${id}`);
      const state = await settledAlert(a.alertId, keys, deadline - Date.now());
      const rows = keys.map((k) => h.ingress.inbox.getByKey(k)!).sort((x, y) => x.id - y.id);
      // The first click to arrive ends the alert (the real workflow completes on its first action).
      expect(rows[0]).toMatchObject({ state: 'applied', outcome: 'applied' });
      expect(state.actions[0]?.actionId).toBe(rows[0]!.callback!.actionId);
      // Each later one reached the run before it closed (applied, in arrival order) or is a dead letter saying so.
      const applied = rows.filter((r) => r.state === 'applied');
      expect(state.actions.map((x) => x.actionId)).toEqual(applied.map((r) => r.callback!.actionId));
      for (const r of applied) expect(r.outcome).toBe('applied');
      for (const r of rows.filter((x) => x.state !== 'applied')) {
        expect(r).toMatchObject({ state: 'dead_lettered', reason: 'alert_closed' });
      }
    }
    const metrics = (await api.get('/metrics')).text;
    const handlerSum = Number(
      /desktop_callback_ack_seconds_sum\{outcome="accepted"\} ([\d.e-]+)/.exec(metrics)?.[1],
    );
    const handlerCount = Number(
      /desktop_callback_ack_seconds_count\{outcome="accepted"\} (\d+)/.exec(metrics)?.[1],
    );
    process.stdout.write(
      `callback handler time (server side, accepted): mean ${((handlerSum / handlerCount) * 1000).toFixed(2)} ms over ${handlerCount}\n`,
    );
    expect(metrics).toMatch(/desktop_callback_acks_total\{outcome="accepted"\} \d+/);
    expect(metrics).toMatch(/desktop_callback_ack_seconds_bucket\{le="0.005",outcome="accepted"\} \d+/);
    expect(metrics).toMatch(/desktop_callback_relay_total\{outcome="applied",reason=""\} \d+/);
  });
});

describe('dead letters', () => {
  test('malformed JSON (signed): 400 and a dead letter with the raw body', async () => {
    const raw = '{"notificationId": "n-1", oops';
    const res = await postCallback(h.ingress.url, raw, signed(raw));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: '/problems/malformed-json', deadLetterId: expect.any(Number) });
    const list = await api.get('/v1/dead-letters').set(auth());
    expect(list.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: res.body.deadLetterId, reason: 'malformed_json', rawBody: raw }),
      ]),
    );
  });

  test('invalid body (signed): 400 naming the fields, and a dead letter', async () => {
    const payload = { notificationId: '', actionId: 'ack', timestamp: 'yesterday' };
    const body = JSON.stringify(payload);
    const res = await postCallback(h.ingress.url, body, signed(body));
    expect(res.status).toBe(400);
    expect((res.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual([
      'notificationId',
      'timestamp',
      'userId',
    ]);
    expect(h.ingress.inbox.get(res.body.deadLetterId as number)).toMatchObject({
      state: 'dead_lettered',
      reason: 'invalid_schema',
    });
  });

  test('unroutable, unknown alert, rejected by the workflow, alert closed, relay error; listed, then replayed', async () => {
    // One alert takes the workflow's refusals, its click, and a click after it closed.
    const closed = await deliveredAlert({
      actions: [
        {
          id: 'open',
          label: 'Open Case',
          actionType: 'openUrl',
          url: 'https://crm.example.com/cases/TXN-88921',
        },
        ...callbackActions('ack', 'open-later', 'wrong-ack'),
      ],
    });
    // Another alert's click meets a Temporal that keeps failing in a way no outage explains.
    const glitchy = await deliveredAlert();
    const realApply = h.ingress.alerts.applyAction.bind(h.ingress.alerts);
    const spy = jest
      .spyOn(h.ingress.alerts, 'applyAction')
      .mockImplementation(async (alertId, action, updateId) => {
        if (alertId === glitchy.alertId) throw new Error('13 INTERNAL: something unexpected');
        return realApply(alertId, action, updateId);
      });
    const neverStarted = uniqueKey('never');
    const sends = [
      { reason: 'unroutable', cb: { ...callbackFor(uniqueKey('x')), metadata: { transactionId: 'T' } } },
      { reason: 'unknown_alert', cb: callbackFor(neverStarted) },
      // The real workflow's validator: the alert's agent only, its notification only, its callback actions only.
      { reason: 'rejected:WrongAgent', cb: clickOn(closed, 'wrong-ack', 'someone-else') },
      {
        reason: 'rejected:UnknownNotification',
        cb: clickOn({ ...closed, notificationId: `not-${closed.notificationId}` }, 'ack'),
      },
      { reason: 'rejected:UnknownAction', cb: clickOn(closed, 'open') },
      { reason: 'relay_error', cb: clickOn(glitchy, 'ack') },
    ];
    const keyOf = (cb: { notificationId: string; actionId: string }) => `${cb.notificationId}:${cb.actionId}`;
    for (const s of sends) {
      const body = JSON.stringify(s.cb);
      expect((await postCallback(h.ingress.url, body, signed(body))).status).toBe(202);
    }
    // The alert completes on its first action; a second, different click arrives once it has closed.
    const ack = JSON.stringify(clickOn(closed, 'ack'));
    expect((await postCallback(h.ingress.url, ack, signed(ack))).status).toBe(202);
    await eventually(async () => (await runStatus(h.client, closed.alertId)) === 'COMPLETED', 60_000);
    const late = JSON.stringify(clickOn(closed, 'open-later'));
    expect((await postCallback(h.ingress.url, late, signed(late))).status).toBe(202);
    const expected = [
      ...sends.map((s) => ({ key: keyOf(s.cb), reason: s.reason })),
      { key: keyOf(clickOn(closed, 'open-later')), reason: 'alert_closed' },
    ];

    // Each is listed as a dead letter, with its reason.
    const dead = await eventually(
      async () => {
        const r = await api.get('/v1/dead-letters?limit=1000').set(auth());
        const items = r.body.items as InboxRecord[];
        const mine = expected.map((e) => items.find((d) => d.key === e.key));
        return mine.every(Boolean) ? (mine as InboxRecord[]) : undefined;
      },
      60_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${JSON.stringify(rowsOf(expected.map((e) => e.key)), null, 2)}`);
    });
    expect(dead.map((d) => ({ key: d.key, reason: d.reason }))).toEqual(expected);
    expect((await stateOf(closed.alertId)).actions.map((a) => a.actionId)).toEqual(['ack']);

    // Temporal behaves again: an operator replays the relay error and it is applied.
    spy.mockRestore();
    const relayError = dead.find((d) => d.reason === 'relay_error')!;
    const replay = await api.post(`/v1/dead-letters/${relayError.id}/replay`).set(auth());
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ id: relayError.id, status: 'replayed' });
    const s = await settledAlert(glitchy.alertId, [relayError.key!]);
    expect(s.actions.map((a) => a.actionId)).toEqual(['ack']);
    expect(h.ingress.inbox.get(relayError.id)).toMatchObject({ state: 'applied', outcome: 'applied' });

    expect((await api.post(`/v1/dead-letters/${relayError.id}/replay`).set(auth())).status).toBe(409);
    expect((await api.post('/v1/dead-letters/999999/replay').set(auth())).status).toBe(404);
    expect((await api.post('/v1/dead-letters/abc/replay').set(auth())).status).toBe(404);

    // Replay all: the rest go round again and come back dead. Their reasons stay, except the workflow's
    // refusals: their alert has closed since, which is now the reason.
    const all = await api.post('/v1/dead-letters/replay').set(auth());
    expect(all.status).toBe(202);
    expect(all.body.replayed).toBeGreaterThanOrEqual(6);
    await eventually(() => h.ingress.inbox.counts().received === 0, 60_000);
    for (const e of expected.filter((x) => x.reason !== 'relay_error')) {
      const row = h.ingress.inbox.getByKey(e.key)!;
      expect({ key: e.key, state: row.state, reason: row.reason }).toEqual({
        key: e.key,
        state: 'dead_lettered',
        reason: e.reason.startsWith('rejected:') ? 'alert_closed' : e.reason,
      });
    }
    const metrics = (await api.get('/metrics')).text;
    expect(metrics).toMatch(/desktop_callback_dead_letters [1-9]\d*/);
    expect(metrics).toMatch(
      /desktop_callback_relay_total\{outcome="dead_lettered",reason="alert_closed"\} \d+/,
    );
  });

  test('the reserved routing key cannot be smuggled in by a caller', async () => {
    const res = await api
      .post('/v1/alerts')
      .set(auth())
      .send(
        alertBody({
          actions: [
            {
              id: 'ack',
              label: 'Ack',
              actionType: 'callback',
              metadata: { [ALERT_ID_METADATA_KEY]: 'alert-victim' },
            },
          ],
        }),
      );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: `actions.0.metadata.${ALERT_ID_METADATA_KEY}`, message: 'reserved key, set by the service' },
    ]);
  });
});
