import { Webhook } from 'standardwebhooks';
import { startEmulator, type CallbackDelivery, type Emulator } from '../../src/emulator';
import { call, getToken, NOTIFICATIONS, notificationBody, startReceiver } from './helpers';

const SECRET = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length!').toString('base64')}`;

describe('emulator: agent clicks and callbacks', () => {
  let emu: Emulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let answers: { status: number; delayMs?: number }[];

  beforeAll(async () => {
    emu = await startEmulator({ callbackSigningSecret: SECRET, timeScale: 0.01, rateLimitPerMinute: 0 });
    receiver = await startReceiver((n) => answers[n - 1] ?? { status: 202 });
  });
  afterAll(async () => {
    await emu.close();
    await receiver.close();
  });
  beforeEach(() => {
    emu.control.reset();
    // The platform's own 5 s callback time-out: a loopback round trip cannot plausibly stall that long, so an
    // answer is never recorded as a time-out and retried behind a test's back. Tests of retries scale the
    // schedule down with fastRetries().
    emu.control.setConfig({ callbackSigningSecret: SECRET, timeScale: 1 });
    emu.control.addUser({ id: 'u-1', name: 'Jordan', email: 'jordan@company.com' });
    receiver.received.length = 0;
    answers = [];
  });

  /**
   * Retries after 0.2, 1.2, 4.8 s (5, 30, 120 s x 0.04), but a 10 s time-out, not 5 s x 0.04 = 200 ms: a round
   * trip stalled past 200 ms on a loaded machine would otherwise be recorded as a time-out and change the outcome.
   */
  const fastRetries = (timeScale = 0.04) => emu.control.setConfig({ timeScale, callbackTimeoutSeconds: 10 });

  async function notify(actions: unknown[]): Promise<string> {
    const token = await getToken(emu.url);
    const res = await call(emu.url, 'POST', NOTIFICATIONS, { token, json: notificationBody({ actions }) });
    expect(res.status).toBe(201);
    return (res.body as { id: string }).id;
  }
  /**
   * Waits until `markerId`, a message sent after the one under test whose receiver answers 500 then 202, has
   * been retried and delivered. The marker's retry was scheduled after any retry of the earlier message would have
   * been, with the same delay, and timers of one delay fire in order: so once the marker is delivered, a retry of
   * the earlier message would already have reached the receiver. A negative check without a sleep that hopes
   * to be long enough.
   */
  async function expectNoRetryBefore(markerId: string): Promise<void> {
    const marker = await emu.control.waitForCallback(markerId, 20_000);
    expect(marker).toMatchObject({ status: 'delivered', attempts: [{ status: 500 }, { status: 202 }] });
  }

  const ack = (extra: Record<string, unknown> = {}) => ({
    id: 'ack',
    label: 'Acknowledge',
    actionType: 'callback',
    callbackUrl: receiver.url,
    metadata: { alertId: 'alert-1', nested: { n: 1 } },
    ...extra,
  });

  it('POSTs a signed callback that a Standard Webhooks library verifies', async () => {
    const id = await notify([{ label: 'Open', actionType: 'openUrl', url: 'https://x.example' }, ack()]);
    const click = emu.control.click(id, { actionId: 'ack' });
    expect(click).toMatchObject({
      actionId: 'ack',
      index: 1,
      actionType: 'callback',
      delivery: { status: 'pending' },
    });
    const done = await emu.control.waitForCallback(click.delivery!.id, 5000);
    expect(done).toMatchObject({
      status: 'delivered',
      signed: true,
      attempts: [{ attempt: 1, status: 202, error: null }],
    });

    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-id']).toBe(click.delivery!.id);
    const payload = new Webhook(SECRET).verify(got.body, {
      'webhook-id': got.headers['webhook-id'] as string,
      'webhook-timestamp': got.headers['webhook-timestamp'] as string,
      'webhook-signature': got.headers['webhook-signature'] as string,
    });
    expect(payload).toEqual({
      notificationId: id,
      userId: 'u-1',
      actionId: 'ack',
      metadata: { alertId: 'alert-1', nested: { n: 1 } },
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    });
    // a wrong secret does not verify
    expect(() =>
      new Webhook(`whsec_${Buffer.from('another-secret').toString('base64')}`).verify(got.body, {
        'webhook-id': got.headers['webhook-id'] as string,
        'webhook-timestamp': got.headers['webhook-timestamp'] as string,
        'webhook-signature': got.headers['webhook-signature'] as string,
      }),
    ).toThrow();
    expect(emu.control.getNotification(id)).toMatchObject({
      status: 'actioned',
      clicks: [{ actionId: 'ack', deliveryId: click.delivery!.id }],
    });
  });

  it('uses the action index as actionId when the action has no id; no secret = unsigned', async () => {
    emu.control.setConfig({ callbackSigningSecret: null });
    const id = await notify([ack({ id: undefined, metadata: undefined })]);
    const click = emu.control.click(id);
    await emu.control.waitForCallback(click.delivery!.id, 5000);
    const got = receiver.received[0]!;
    expect(JSON.parse(got.body)).toMatchObject({ actionId: '0', notificationId: id, metadata: {} });
    expect(got.headers['webhook-signature']).toBeUndefined();
    expect(got.headers['webhook-id']).toBeTruthy();
  });

  it('retries a 5xx after 5, 30, 120 s (x timeScale) with the same webhook-id, then marks it failed', async () => {
    fastRetries();
    answers = [{ status: 500 }, { status: 503 }, { status: 502 }, { status: 500 }];
    const id = await notify([ack()]);
    const click = emu.control.click(id, { actionId: 'ack' });
    const done = await emu.control.waitForCallback(click.delivery!.id, 20_000);
    expect(done.status).toBe('failed');
    expect(done.attempts.map((a) => a.status)).toEqual([500, 503, 502, 500]);
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(
      new Set([click.delivery!.id]),
    );
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    const gaps = done.attempts.slice(1).map((a, i) => a.at - done.attempts[i]!.at);
    // 5, 30, 120 s x 0.04
    expect(gaps[0]).toBeGreaterThanOrEqual(200 - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(1200 - 5);
    expect(gaps[2]).toBeGreaterThanOrEqual(4800 - 5);
    expect(gaps[2]).toBeLessThan(7000);
    // every attempt is individually signed and verifies
    const wh = new Webhook(SECRET);
    for (const r of receiver.received) {
      expect(() =>
        wh.verify(r.body, {
          'webhook-id': r.headers['webhook-id'] as string,
          'webhook-timestamp': r.headers['webhook-timestamp'] as string,
          'webhook-signature': r.headers['webhook-signature'] as string,
        }),
      ).not.toThrow();
    }
    expect(emu.control.getNotification(id)!.status).toBe('failed');
    expect(emu.control.stats().callbacks).toMatchObject({ messages: 1, attempts: 4, failed: 1, pending: 0 });
  });

  it('a retry that succeeds ends delivered', async () => {
    fastRetries();
    answers = [{ status: 503 }, { status: 200 }];
    const id = await notify([ack()]);
    const click = emu.control.click(id);
    const done = await emu.control.waitForCallback(click.delivery!.id, 20_000);
    expect(done.status).toBe('delivered');
    expect(done.attempts.map((a) => a.status)).toEqual([503, 200]);
  });

  it('a time-out (no answer within 5 s x timeScale) is retried', async () => {
    // The first attempt has the scaled time-out, 5 s x 0.04 = 200 ms (what this test is about); retry after 200 ms.
    emu.control.setConfig({ timeScale: 0.04 });
    answers = [{ status: 202, delayMs: 30_000 }, { status: 202 }];
    // Once the first attempt is recorded as timed out (the dispatcher's change event, sent before the retry is
    // scheduled), the retry gets a time-out no stall reaches, so its prompt 202 is what it records.
    const unsubscribe = emu.control.subscribe((e) => {
      if (e.kind === 'callback' && e.delivery.attempts.length === 1)
        emu.control.setConfig({ callbackTimeoutSeconds: 10 });
    });
    try {
      const id = await notify([ack()]);
      const click = emu.control.click(id);
      const done = await emu.control.waitForCallback(click.delivery!.id, 20_000);
      expect(done.status).toBe('delivered');
      expect(done.attempts[0]).toMatchObject({ status: null, error: 'timeout' });
      // Not before the scaled time-out (5 s x 0.04). That it fired at all (status null, 'timeout') shows it came
      // before the 30 s answer; no upper bound on the clock here (timing belongs in the bench).
      expect(done.attempts[0]!.latencyMs).toBeGreaterThanOrEqual(195);
      expect(done.attempts[1]).toMatchObject({ status: 202, error: null });
      expect(done.attempts).toHaveLength(2);
    } finally {
      unsubscribe();
    }
  });

  it('a 4xx stops the retries (rejected)', async () => {
    fastRetries();
    answers = [{ status: 401 }, { status: 500 }, { status: 202 }];
    const id = await notify([ack()]);
    const click = emu.control.click(id);
    const done = await emu.control.waitForCallback(click.delivery!.id, 20_000);
    expect(done).toMatchObject({ status: 'rejected', attempts: [{ status: 401 }] });
    const marker = emu.control.click(id);
    await expectNoRetryBefore(marker.delivery!.id);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([
      click.delivery!.id,
      marker.delivery!.id,
      marker.delivery!.id,
    ]);
    expect(emu.control.getCallbackDelivery(click.delivery!.id)!.attempts).toHaveLength(1);
  });

  it('connection errors are retried', async () => {
    fastRetries(0.01);
    const id = await notify([ack({ callbackUrl: 'http://127.0.0.1:1/unreachable' })]);
    const click = emu.control.click(id);
    const done = await emu.control.waitForCallback(click.delivery!.id, 10_000);
    expect(done.status).toBe('failed');
    expect(done.attempts).toHaveLength(4);
    expect(done.attempts.map((a) => a.error)).toEqual(Array(4).fill(expect.stringMatching(/^connection/)));
  });

  it('a double click sends two messages with different webhook-ids', async () => {
    const id = await notify([ack()]);
    const a = emu.control.click(id, { actionId: 'ack' });
    const b = emu.control.click(id, { actionId: 'ack' });
    await emu.control.waitForCallbacksIdle(5000);
    expect(a.delivery!.id).not.toBe(b.delivery!.id);
    expect(receiver.received).toHaveLength(2);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(2);
    const bodies = receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies[0]).toMatchObject({ notificationId: id, actionId: 'ack' });
    expect(bodies[1]).toMatchObject({ notificationId: id, actionId: 'ack' });
    expect(emu.control.listCallbackDeliveries({ notificationId: id })).toHaveLength(2);
  });

  it('clicks over the control HTTP API; refused (409) once expired or when the agent is offline', async () => {
    const id = await notify([ack()]);
    const res = await call(emu.url, 'POST', `/__emulator/notifications/${id}/click`, {
      json: { actionId: 'ack' },
    });
    expect(res.status).toBe(202);
    const deliveryId = (res.body as { delivery: { id: string } }).delivery.id;
    await emu.control.waitForCallback(deliveryId, 5000);
    const listed = await call(emu.url, 'GET', `/__emulator/callbacks?notificationId=${id}`);
    expect(listed.body).toEqual([
      expect.objectContaining({
        id: deliveryId,
        status: 'delivered',
        attempts: [expect.objectContaining({ status: 202 })],
      }),
    ]);
    expect((await call(emu.url, 'GET', `/__emulator/callbacks/${deliveryId}`)).status).toBe(200);

    emu.control.updateUser('u-1', { presence: 'Offline' });
    expect((await call(emu.url, 'POST', `/__emulator/notifications/${id}/click`, { json: {} })).status).toBe(
      409,
    );
    emu.control.updateUser('u-1', { presence: 'Available' });
    await call(emu.url, 'POST', `/__emulator/notifications/${id}/expire`);
    const expired = await call(emu.url, 'POST', `/__emulator/notifications/${id}/click`, { json: {} });
    expect(expired).toMatchObject({ status: 409, body: { code: 'notification.expired' } });
    expect((await call(emu.url, 'POST', `/__emulator/notifications/nope/click`, { json: {} })).status).toBe(
      404,
    );
  });

  it('reset() cancels pending retries', async () => {
    fastRetries();
    answers = [{ status: 500 }, { status: 500 }, { status: 202 }];
    const id = await notify([ack()]);
    // reset() right after the first attempt's record: the dispatcher announces the record, then schedules the
    // retry in the same synchronous run; a microtask runs after that and before any timer can fire. So the retry
    // is pending when reset() comes, however busy the machine (polling for the record could miss the 200 ms).
    const resetDone = new Promise<CallbackDelivery>((resolve) => {
      const unsubscribe = emu.control.subscribe((e) => {
        if (e.kind !== 'callback' || e.delivery.attempts.length !== 1) return;
        unsubscribe();
        const before = e.delivery;
        queueMicrotask(() => {
          emu.control.reset();
          resolve(before);
        });
      });
    });
    const click = emu.control.click(id);
    expect(await resetDone).toMatchObject({
      id: click.delivery!.id,
      status: 'pending',
      attempts: [{ status: 500 }],
    });
    expect(emu.control.listCallbackDeliveries()).toHaveLength(0);
    fastRetries(); // reset() went back to the start options
    emu.control.addUser({ id: 'u-1', name: 'Jordan', email: 'jordan@company.com' });
    const marker = emu.control.click(await notify([ack()]));
    await expectNoRetryBefore(marker.delivery!.id);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([
      click.delivery!.id,
      marker.delivery!.id,
      marker.delivery!.id,
    ]);
    expect(emu.control.listCallbackDeliveries()).toEqual([
      expect.objectContaining({ id: marker.delivery!.id }),
    ]);
  });
});
