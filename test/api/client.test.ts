/** buildAlertInput (pure) and AlertsClient against the real Temporal dev server + a fixture worker. */
import { Client, type Connection } from '@temporalio/client';
import {
  ActionRejectedError,
  AlertClosedError,
  AlertNotFoundError,
  AlertValidationError,
  AlertsClient,
  buildAlertInput,
  executionTimeoutMs,
  type FieldIssue,
} from '../../src/alerts';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { createTemporalConnection } from '../../src/service/ingress';
import { MAX_ACTIONS } from '../../src/shared/schemas';
import { DEFAULT_DOWNSTREAM_RETRY_SECONDS, FALLBACK_RETRY_SECONDS } from '../../src/shared/constants';
import { SA } from '../../src/shared/search-attributes';
import {
  alertBody,
  callbackFor,
  startFixtureWorker,
  testConfig,
  uniqueKey,
  type TestWorker,
} from './helpers';

const now = new Date('2026-11-29T12:00:00Z');
const config = testConfig();
const build = (body: unknown, extra: Partial<Parameters<typeof buildAlertInput>[1]> = {}) =>
  buildAlertInput(body, { config, correlationId: 'corr-1', now, ...extra });
const fields = (r: ReturnType<typeof buildAlertInput>): string[] =>
  r.ok ? [] : r.issues.map((i: FieldIssue) => i.path).sort();

describe('buildAlertInput', () => {
  test('resolves every default', () => {
    const r = build(alertBody({ metadata: { transactionId: 'TXN-1' } }));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const i = r.input;
    expect(i.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(i.alertId).toBe(`alert-${i.idempotencyKey}`);
    expect(i.expiresAt).toBe('2026-11-29T13:00:00.000Z');
    expect(i.priority).toBe('normal');
    expect(i.fallback.channels).toEqual(['webhook']);
    expect(i.policy).toEqual({
      requireAck: true,
      waitForAgent: false,
      operationalPresences: expect.arrayContaining(['available', 'away']),
    });
    expect(i.source).toBe('api');
    expect(i.callbackUrl).toBe('https://alerts.example.com/webhooks/desktop-callback');
    expect(i.acceptedAt).toBe(now.toISOString());
    expect(i.correlationId).toBe('corr-1');
    // The downstream hand-off's cap travels with the run, so a run keeps the cap it started with.
    expect(i.downstreamRetrySeconds).toBe(86_400);
    const capped = testConfig();
    capped.downstream.retryMaxSeconds = 60;
    const r2 = build(alertBody(), { config: capped });
    expect(r2.ok && r2.input.downstreamRetrySeconds).toBe(60);
  });

  test('source from metadata, then the caller, then "api"; requireAck false without callback actions', () => {
    const r = build(alertBody({ actions: [], metadata: { source: 'crm' } }), { source: 'svc' });
    expect(r.ok && r.input.source).toBe('crm');
    expect(r.ok && r.input.policy.requireAck).toBe(false);
    const r2 = build(alertBody({ metadata: {} }), { source: 'svc' });
    expect(r2.ok && r2.input.source).toBe('svc');
  });

  test('idempotency key from the body or the header; both and different is an error', () => {
    expect(build(alertBody({ idempotencyKey: 'k-1' }))).toMatchObject({
      ok: true,
      input: { idempotencyKey: 'k-1', alertId: 'alert-k-1' },
    });
    expect(build(alertBody(), { idempotencyKeyHeader: 'k-2' })).toMatchObject({
      ok: true,
      input: { idempotencyKey: 'k-2' },
    });
    expect(build(alertBody({ idempotencyKey: 'k-3' }), { idempotencyKeyHeader: 'k-3' }).ok).toBe(true);
    expect(fields(build(alertBody({ idempotencyKey: 'k-4' }), { idempotencyKeyHeader: 'k-5' }))).toEqual([
      'idempotencyKey',
    ]);
    expect(fields(build(alertBody(), { idempotencyKeyHeader: 'has space' }))).toEqual(['Idempotency-Key']);
  });

  test('expiresAt must be in the future and within 24 h', () => {
    expect(fields(build(alertBody({ expiresAt: '2026-11-29T11:59:59Z' })))).toEqual(['expiresAt']);
    expect(fields(build(alertBody({ expiresAt: '2026-11-30T12:00:01Z' })))).toEqual(['expiresAt']);
    expect(build(alertBody({ expiresAt: '2026-11-30T12:00:00+00:00' })).ok).toBe(true);
    expect(fields(build(alertBody({ expiresAt: 'tomorrow' })))).toEqual(['expiresAt']);
  });

  test('names every bad field at once, structural and semantic', () => {
    const r = build({
      ...alertBody({ expiresAt: '2020-01-01T00:00:00Z', title: 'x'.repeat(251), type: 'urgent' }),
      actions: [
        { id: 'a', label: 'Open', actionType: 'openUrl', url: 'http://crm.example.com/x' },
        { id: 'b', label: 'Ack', actionType: 'callback', callbackUrl: 'https://evil.example.com/' },
      ],
      callbackUrl: 'https://evil.example.com/',
      surprise: true,
    });
    expect(fields(r)).toEqual([
      'actions.0.url',
      'actions.1.callbackUrl',
      'callbackUrl',
      'expiresAt',
      'surprise',
      'title',
      'type',
    ]);
    const byPath = Object.fromEntries((r.ok ? [] : r.issues).map((i) => [i.path, i.message]));
    expect(byPath.callbackUrl).toMatch(/chosen by the service/);
  });

  test('target: exactly one of userId or email, and the branch the caller meant is reported', () => {
    expect(fields(build(alertBody({ target: { email: 'not-an-email' } })))).toEqual(['target.email']);
    expect(fields(build(alertBody({ target: { userId: 'u1', email: 'a@b.co' } })))).toEqual(['target']);
  });

  test('action URLs on the allow-list, reserved routing key, duplicate ids, unconfigured channels', () => {
    const strict = testConfig({ ingress: { actionUrlAllowedHosts: ['crm.example.com', '*.corp.example'] } });
    const ok = build(
      alertBody({ actions: [{ label: 'x', actionType: 'openUrl', url: 'https://a.corp.example/x' }] }),
      { config: strict },
    );
    expect(ok.ok).toBe(true);
    const r = build(
      alertBody({
        actions: [
          { id: 'x', label: 'Open', actionType: 'openUrl', url: 'https://phish.example.net/' },
          {
            id: 'x',
            label: 'Ack',
            actionType: 'callback',
            metadata: { desktopAlertId: 'alert-someone-else' },
          },
        ],
        fallback: { channels: ['email'] },
      }),
      { config: strict },
    );
    expect(fields(r)).toEqual([
      'actions.0.url',
      'actions.1.id',
      'actions.1.metadata.desktopAlertId',
      'fallback.channels.0',
    ]);
  });

  test('more actions than MAX_ACTIONS: refused on the count alone, before any action is read', () => {
    // 21,800 `{}` actions fit in the 64 KB body limit; checking them one by one (the duplicate-id check was
    // O(n^2)) held the event loop for most of a second. Count what the checks read instead of timing them.
    let reads = 0;
    const actions = new Proxy(
      Array.from({ length: 21_800 }, () => ({})),
      {
        get(target, prop, receiver) {
          if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
          return Reflect.get(target, prop, receiver) as unknown;
        },
      },
    );
    const r = build(alertBody({ actions }));
    expect(reads).toBe(0);
    expect(r).toEqual({
      ok: false,
      issues: [{ path: 'actions', message: `too many actions: at most ${MAX_ACTIONS}` }],
    });
    // At the limit the per-action checks still run and name each bad action.
    const five = Array.from({ length: MAX_ACTIONS }, () => ({
      id: 'same',
      label: 'A',
      actionType: 'callback',
    }));
    expect(fields(build(alertBody({ actions: five })))).toEqual([
      'actions.1.id',
      'actions.2.id',
      'actions.3.id',
      'actions.4.id',
    ]);
  });
});

test('the execution time-out follows the downstream cap the run carries (the default when it carries none)', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  const expiresAt = '2026-11-29T13:00:00Z';
  const day = executionTimeoutMs({ expiresAt, downstreamRetrySeconds: 86_400 }, now);
  expect(day - executionTimeoutMs({ expiresAt, downstreamRetrySeconds: 60 }, now)).toBe((86_400 - 60) * 1000);
  expect(executionTimeoutMs({ expiresAt }, now)).toBe(
    executionTimeoutMs({ expiresAt, downstreamRetrySeconds: DEFAULT_DOWNSTREAM_RETRY_SECONDS }, now),
  );
  // Always longer than the retries a run may still do after its expiry.
  expect(
    executionTimeoutMs({ expiresAt: '2026-11-29T11:00:00Z', downstreamRetrySeconds: 60 }, now),
  ).toBeGreaterThan((FALLBACK_RETRY_SECONDS + 60) * 1000);
});

describe('AlertsClient on a real Temporal server', () => {
  let worker: TestWorker;
  let connection: Connection;
  let alerts: AlertsClient;
  let client: Client;
  beforeAll(async () => {
    worker = await startFixtureWorker(process.env.TEMPORAL_TEST_ADDRESS!);
    connection = createTemporalConnection(process.env.TEMPORAL_TEST_ADDRESS);
    client = new Client({ connection, namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default' });
    alerts = new AlertsClient(client, testConfig(), { taskQueue: worker.taskQueue });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await connection?.close();
  });

  test('start once, the same key again is a duplicate of the same run; search attributes and summary are set', async () => {
    const key = uniqueKey('dup');
    const first = await alerts.startAlert(alertBody({ idempotencyKey: key }), { correlationId: 'c1' });
    expect(first).toEqual({ alertId: `alert-${key}`, status: 'accepted' });
    const handle = client.workflow.getHandle(first.alertId);
    const before = await handle.describe();
    const again = await alerts.startAlert(alertBody({ idempotencyKey: key, title: 'different' }), {
      correlationId: 'c2',
    });
    expect(again).toEqual({ alertId: first.alertId, status: 'duplicate' });
    const after = await handle.describe();
    expect(after.runId).toBe(before.runId);
    expect(after.typedSearchAttributes.get(SA.status)).toBe('sending');
    expect(after.typedSearchAttributes.get(SA.type)).toBe('warning');
    expect(after.typedSearchAttributes.get(SA.priority)).toBe('normal');
    expect(after.typedSearchAttributes.get(SA.agent)).toBe('agent-1');
    expect(after.typedSearchAttributes.get(SA.source)).toBe('crm');
    expect(after.typedSearchAttributes.get(SA.transactionId)).toBe('TXN-88921');
    expect(await after.staticSummary()).toBe('warning alert to agent agent-1: Compliance Review Required');
    // The run itself carries the task priority, so its first workflow task is ordered too (normal: key 3).
    expect(after.priority).toMatchObject({ priorityKey: 3, fairnessKey: 'normal', fairnessWeight: 4 });
    await alerts.cancelAlert(first.alertId);
  });

  test('a high alert starts with priority key 1; the FIFO option starts without one', async () => {
    const high = await alerts.startAlert(alertBody({ idempotencyKey: uniqueKey('high'), priority: 'high' }), {
      correlationId: 'c',
    });
    expect((await client.workflow.getHandle(high.alertId).describe()).priority).toMatchObject({
      priorityKey: 1,
      fairnessKey: 'high',
    });
    const fifo = new AlertsClient(client, testConfig(), { taskQueue: worker.taskQueue, taskPriority: false });
    const plain = await fifo.startAlert(alertBody({ idempotencyKey: uniqueKey('fifo'), priority: 'high' }), {
      correlationId: 'c',
    });
    expect((await client.workflow.getHandle(plain.alertId).describe()).priority?.priorityKey).toBeUndefined();
    await alerts.cancelAlert(high.alertId);
    await alerts.cancelAlert(plain.alertId);
  });

  // Issue 11: a backstop, so no alert run stays open for ever whatever goes wrong. It must leave time for all a run
  // may legitimately do after expiresAt: its fallback (retried an hour) or an action's hand-off (retried up to the cap).
  test('a run starts with an execution time-out: until expiresAt, plus the fallback and downstream retry caps, plus slack', async () => {
    const expiresAt = Date.now() + 30 * 60_000;
    const before = Date.now();
    const { alertId } = await alerts.startAlert(
      alertBody({ idempotencyKey: uniqueKey('backstop'), expiresAt: new Date(expiresAt).toISOString() }),
      { correlationId: 'c' },
    );
    const after = Date.now();
    const desc = await client.workflow.getHandle(alertId).describe();
    const timeoutMs = optionalTsToMs(desc.raw.executionConfig?.workflowExecutionTimeout);
    expect(timeoutMs).toBeDefined();
    const retries = (FALLBACK_RETRY_SECONDS + DEFAULT_DOWNSTREAM_RETRY_SECONDS) * 1000;
    // Past the expiry the run has more than both caps, and at most a couple of hours more.
    expect(timeoutMs! - (expiresAt - after)).toBeGreaterThan(retries);
    expect(timeoutMs! - (expiresAt - before)).toBeLessThanOrEqual(retries + 2 * 3_600_000);
    await alerts.cancelAlert(alertId);
  });

  test('invalid requests throw AlertValidationError without touching Temporal', async () => {
    await expect(alerts.startAlert({ title: 'x' }, { correlationId: 'c' })).rejects.toBeInstanceOf(
      AlertValidationError,
    );
  });

  test('applyAction: applied, deduplicated by update id, rejected by the validator, closed, unknown', async () => {
    const key = uniqueKey('act');
    const { alertId } = await alerts.startAlert(
      alertBody({ idempotencyKey: key, metadata: { completeAfterActions: '2' } }),
      { correlationId: 'c' },
    );
    const cb = callbackFor(key);
    const action = { ...cb };
    expect(await alerts.applyAction(alertId, action)).toEqual({ outcome: 'applied' });
    expect(await alerts.applyAction(alertId, action)).toEqual({ outcome: 'applied' }); // same update id: Temporal returns the first result
    expect(await alerts.applyAction(alertId, action, 'another-update-id')).toEqual({ outcome: 'duplicate' }); // workflow-level dedup
    const wrongAgent = alerts.applyAction(alertId, { ...callbackFor(key, 'x'), userId: 'intruder' });
    await expect(wrongAgent).rejects.toBeInstanceOf(ActionRejectedError);
    await expect(wrongAgent).rejects.toMatchObject({ failureType: 'WrongAgent' });
    await expect(
      alerts.applyAction(alertId, { ...callbackFor(key), notificationId: 'notif-other' }),
    ).rejects.toMatchObject({ failureType: 'UnknownNotification' });
    expect(await alerts.applyAction(alertId, callbackFor(key, 'second'))).toEqual({ outcome: 'applied' });
    await expect(alerts.applyAction(alertId, callbackFor(key, 'third'))).rejects.toBeInstanceOf(
      AlertClosedError,
    );
    await expect(alerts.applyAction('alert-never-started-' + key, callbackFor(key))).rejects.toBeInstanceOf(
      AlertNotFoundError,
    );
    const final = await alerts.getAlert(alertId);
    expect(final?.status).toBe('actioned');
    expect(final?.actions.map((a) => a.actionId)).toEqual(['ack', 'second']);
  });

  test('getAlert: live state, final state, null; cancelAlert: closed and unknown', async () => {
    const key = uniqueKey('get');
    const { alertId } = await alerts.startAlert(alertBody({ idempotencyKey: key }), {
      correlationId: 'corr-get',
    });
    expect(await alerts.getAlert(alertId)).toMatchObject({
      alertId,
      status: 'awaiting_action',
      correlationId: 'corr-get',
    });
    await alerts.cancelAlert(alertId, 'test');
    await client.workflow.getHandle(alertId).result();
    expect(await alerts.getAlert(alertId)).toMatchObject({ alertId, status: 'cancelled' });
    await expect(alerts.cancelAlert(alertId)).rejects.toBeInstanceOf(AlertClosedError);
    expect(await alerts.getAlert('alert-missing-' + key)).toBeNull();
    await expect(alerts.cancelAlert('alert-missing-' + key)).rejects.toBeInstanceOf(AlertNotFoundError);
  });

  test('a terminated alert is still described (from its memo)', async () => {
    const key = uniqueKey('term');
    const { alertId } = await alerts.startAlert(alertBody({ idempotencyKey: key }), {
      correlationId: 'c-term',
    });
    await client.workflow.getHandle(alertId).terminate('operator');
    expect(await alerts.getAlert(alertId)).toMatchObject({
      alertId,
      status: 'failed',
      failureReason: 'workflow terminated: operator',
      correlationId: 'c-term',
      type: 'warning',
    });
  });

  // Issue 11: a closed run that did not complete is described with a reason a person can read, never a bare
  // "workflow failed".
  test('a failed run is described with its failure message', async () => {
    const key = uniqueKey('failed');
    const { alertId } = await alerts.startAlert(
      alertBody({
        idempotencyKey: key,
        metadata: { failWith: 'invalid alert input: title: expected 1-250 characters' },
      }),
      { correlationId: 'c-fail' },
    );
    await expect(client.workflow.getHandle(alertId).result()).rejects.toThrow();
    expect(await alerts.getAlert(alertId)).toMatchObject({
      alertId,
      status: 'failed',
      failureReason: 'workflow failed: invalid alert input: title: expected 1-250 characters',
      correlationId: 'c-fail',
    });
  });

  test('a timed-out run says it passed its execution time-out', async () => {
    const built = buildAlertInput(alertBody({ idempotencyKey: uniqueKey('timeout') }), {
      config: testConfig(),
      correlationId: 'c-to',
    });
    if (!built.ok) throw new Error(JSON.stringify(built.issues));
    const handle = await client.workflow.start('deliverAlert', {
      args: [built.input],
      taskQueue: worker.taskQueue,
      workflowId: built.input.alertId,
      workflowExecutionTimeout: '1s',
    });
    await expect(handle.result()).rejects.toThrow();
    const state = await alerts.getAlert(built.input.alertId);
    expect(state?.status).toBe('failed');
    expect(state?.failureReason).toBe(
      'workflow timed out: the run passed its execution time-out of 1 s (expiresAt plus the margin for fallback and downstream retries) and was closed unfinished',
    );
  });
});
