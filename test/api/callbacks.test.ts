/**
 * POST /webhooks/desktop-callback over real HTTP: signature checks, durable inbox, relay into real
 * workflows on the real Temporal dev server, dead letters and their replay.
 */
import request from 'supertest';
import { ALERT_ID_METADATA_KEY } from '../../src/shared/constants';
import type { AlertState } from '../../src/shared/messages';
import {
  alertBody,
  auth,
  callbackFor,
  eventually,
  postCallback,
  signed,
  startHarness,
  uniqueKey,
  type Harness,
} from './helpers';

let h: Harness;
let api: ReturnType<typeof request>;
beforeAll(async () => {
  h = await startHarness();
  api = request(h.ingress.url);
});
afterAll(async () => {
  await h?.close();
});

async function startAlert(key: string, metadata: Record<string, string> = {}): Promise<string> {
  const res = await api
    .post('/v1/alerts')
    .set(auth())
    .send(alertBody({ idempotencyKey: key, metadata: { transactionId: 'TXN-88921', ...metadata } }));
  expect(res.status).toBe(202);
  return res.body.alertId as string;
}

const stateOf = async (alertId: string): Promise<AlertState> =>
  (await api.get(`/v1/alerts/${alertId}`).set(auth())).body as AlertState;
/** An inbox row once the relay has finished with it (the workflow may hold the action a moment before the mark lands). */
const settled = <T extends { state: string }>(row: T | undefined): T | undefined =>
  row && row.state !== 'received' ? row : undefined;

describe('signature: 401 and nothing stored or applied', () => {
  test('bad signature, stale or future timestamp, tampered body, missing headers, wrong secret', async () => {
    const key = uniqueKey('sig');
    const alertId = await startAlert(key);
    const before = h.ingress.inbox.counts();
    const body = JSON.stringify(callbackFor(key));
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
    expect((await stateOf(alertId)).actions).toEqual([]);
  });
});

describe('accepted callbacks', () => {
  test('202 first time, 200 for the platform retry; applied once to the workflow', async () => {
    const key = uniqueKey('ok');
    const alertId = await startAlert(key);
    const body = JSON.stringify(callbackFor(key));
    const first = await postCallback(h.ingress.url, body, signed(body, { id: 'msg_first' }));
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const retry = await postCallback(h.ingress.url, body, signed(body, { id: 'msg_first' }));
    expect(retry).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const state = await eventually(async () => {
      const s = await stateOf(alertId);
      return s.status === 'actioned' ? s : undefined;
    });
    expect(state.actions).toEqual([
      expect.objectContaining({ actionId: 'ack', userId: 'agent-1', notificationId: `notif-${key}` }),
    ]);
    // The workflow holds the action before the relay hears back and marks its row: the mark follows shortly.
    const row = await eventually(() => settled(h.ingress.inbox.getByKey(`notif-${key}:ack`)));
    expect(row).toMatchObject({ state: 'applied', outcome: 'applied', deliveryId: 'msg_first' });
  });

  test('a click whose applied mark is gone (pruned, or lost to a power cut) is recognised as applied, not applied twice', async () => {
    const key = uniqueKey('again');
    const alertId = await startAlert(key, { completeAfterActions: '1' });
    const body = JSON.stringify(callbackFor(key));
    expect((await postCallback(h.ingress.url, body, signed(body, { id: 'msg_once' }))).status).toBe(202);
    await eventually(() => h.ingress.inbox.getByKey(`notif-${key}:ack`)?.state === 'applied');
    await eventually(
      async () => (await h.client.workflow.getHandle(alertId).describe()).status.name === 'COMPLETED',
    );
    // The row goes (retention); the platform delivers the same click again.
    h.ingress.inbox.pruneApplied(new Date(Date.now() + 1000), 1_000_000);
    expect(h.ingress.inbox.getByKey(`notif-${key}:ack`)).toBeUndefined();
    expect((await postCallback(h.ingress.url, body, signed(body, { id: 'msg_again' }))).status).toBe(202);
    const row = await eventually(() => settled(h.ingress.inbox.getByKey(`notif-${key}:ack`)));
    // Not dead-lettered as "alert closed": Temporal answers a repeated update id with the first outcome
    // ('applied'), and failing that the relay finds the action in the closed alert ('duplicate').
    expect(row).toMatchObject({ state: 'applied', deliveryId: 'msg_again' });
    expect(['applied', 'duplicate']).toContain(row.outcome);
    expect((await stateOf(alertId)).actions).toHaveLength(1);
  });

  test('any Content-Type is accepted: the signature covers the bytes', async () => {
    const key = uniqueKey('ct');
    await startAlert(key);
    const body = JSON.stringify(callbackFor(key));
    const res = await postCallback(h.ingress.url, body, {
      ...signed(body),
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(res.status).toBe(202);
  });

  test('100 concurrent callbacks with duplicates mixed in: each applied exactly once, answered fast', async () => {
    const alerts = 10;
    const actionsPerAlert = 5;
    const keys = Array.from({ length: alerts }, () => uniqueKey('burst'));
    const ids = await Promise.all(
      keys.map((k) => startAlert(k, { completeAfterActions: String(actionsPerAlert) })),
    );
    const bodies = keys.flatMap((k) =>
      Array.from({ length: actionsPerAlert }, (_, i) => JSON.stringify(callbackFor(k, `act-${i}`))),
    );
    const sends = [...bodies, ...bodies].sort(() => Math.random() - 0.5); // every callback twice, shuffled
    expect(sends).toHaveLength(100);
    const results = await Promise.all(sends.map((b) => postCallback(h.ingress.url, b, signed(b))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(50);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    const ms = results.map((r) => r.ms).sort((a, b) => a - b);
    const p50 = ms[49]!;
    const max = ms[99]!;
    process.stdout.write(
      `callback ack latency under a 100-request burst: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms\n`,
    );
    expect(max).toBeLessThan(5_000);

    const finals = await Promise.all(
      ids.map((id) =>
        eventually(async () => {
          const s = await stateOf(id);
          return s.status === 'actioned' ? s : undefined;
        }, 30_000),
      ),
    );
    for (const s of finals) {
      const applied = s.actions.map((a) => a.actionId).sort();
      expect(applied).toEqual(Array.from({ length: actionsPerAlert }, (_, i) => `act-${i}`));
    }
    for (const k of keys) {
      for (let i = 0; i < actionsPerAlert; i++) {
        const row = await eventually(() => settled(h.ingress.inbox.getByKey(`notif-${k}:act-${i}`)));
        expect(row).toMatchObject({ state: 'applied', outcome: 'applied' });
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

  test('unroutable, unknown alert, rejected by the workflow, alert closed; listed, then replayed', async () => {
    const closedKey = uniqueKey('closed');
    const closedId = await startAlert(closedKey);
    const late = uniqueKey('late'); // its alert does not exist yet
    const sends = [
      { name: 'unroutable', cb: { ...callbackFor(uniqueKey('x')), metadata: { transactionId: 'T' } } },
      { name: 'unknown', cb: callbackFor(late) },
      { name: 'wrong agent', cb: callbackFor(closedKey, 'wrong-ack', 'someone-else') },
    ];
    for (const s of sends) {
      const body = JSON.stringify(s.cb);
      expect((await postCallback(h.ingress.url, body, signed(body))).status).toBe(202);
    }
    // The alert completes after its first action; a second, different click arrives too late.
    for (const action of ['ack', 'open-later']) {
      const body = JSON.stringify(callbackFor(closedKey, action));
      expect((await postCallback(h.ingress.url, body, signed(body))).status).toBe(202);
      await eventually(() => h.ingress.inbox.getByKey(`notif-${closedKey}:${action}`)?.state !== 'received');
    }
    const reasons = await eventually(async () => {
      const r = await api.get('/v1/dead-letters?limit=1000').set(auth());
      const mine = (
        r.body.items as Array<{ id: number; key: string; reason: string; alertId: string | null }>
      ).filter(
        (d) =>
          [late, closedKey].some((k) => d.key?.includes(k)) ||
          (d.alertId === null && d.reason === 'unroutable'),
      );
      return mine.length >= 4 ? mine : undefined;
    });
    const byReason = Object.fromEntries(reasons.map((d) => [d.reason, d]));
    expect(Object.keys(byReason)).toEqual(
      expect.arrayContaining(['unroutable', 'unknown_alert', 'rejected:WrongAgent', 'alert_closed']),
    );
    expect(byReason.alert_closed!.key).toBe(`notif-${closedKey}:open-later`);
    expect((await stateOf(closedId)).actions.map((a) => a.actionId)).toEqual(['ack']);

    // The alert the early callback belonged to now exists: an operator replays it and it is applied.
    const lateId = await startAlert(late);
    const unknown = byReason.unknown_alert!;
    const replay = await api.post(`/v1/dead-letters/${unknown.id}/replay`).set(auth());
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ id: unknown.id, status: 'replayed' });
    const s = await eventually(async () => {
      const st = await stateOf(lateId);
      return st.status === 'actioned' ? st : undefined;
    });
    expect(s.actions.map((a) => a.actionId)).toEqual(['ack']);
    expect(await eventually(() => settled(h.ingress.inbox.get(unknown.id)))).toMatchObject({
      state: 'applied',
    });

    expect((await api.post(`/v1/dead-letters/${unknown.id}/replay`).set(auth())).status).toBe(409);
    expect((await api.post('/v1/dead-letters/999999/replay').set(auth())).status).toBe(404);
    expect((await api.post('/v1/dead-letters/abc/replay').set(auth())).status).toBe(404);

    // Replay all: the rest go round again and come back dead with the same reasons.
    const all = await api.post('/v1/dead-letters/replay').set(auth());
    expect(all.status).toBe(202);
    expect(all.body.replayed).toBeGreaterThanOrEqual(3);
    await eventually(() => h.ingress.inbox.counts().received === 0);
    expect(h.ingress.inbox.getByKey(`notif-${closedKey}:open-later`)).toMatchObject({
      state: 'dead_lettered',
      reason: 'alert_closed',
    });
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
