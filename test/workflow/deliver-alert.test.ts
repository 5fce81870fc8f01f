/**
 * The deliverAlert workflow on a real Temporal dev server, against the Genesys emulator over HTTP.
 * One test per trap and edge case of the integration guide.
 */
import {
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { deliverAlert } from '../../src/workflows';
import {
  agentActionUpdate,
  cancelSignal,
  getStateQuery,
  TERMINAL_STATUSES,
  type AgentActionResult,
  type AlertState,
} from '../../src/shared/messages';
import type { AlertInput } from '../../src/shared/schemas';
import { Worker } from '@temporalio/worker';
import { alertSinks } from '../../src/observability/worker-telemetry';
import { eventually, makeInput, startStack, workflowBundle, type Stack } from '../helpers/stack';
import { startSink } from '../helpers/sink';
import { SA } from '../../src/shared/search-attributes';

jest.setTimeout(60_000);

let stack: Stack;
let fallbackSink: Awaited<ReturnType<typeof startSink>>;
let downstreamSink: Awaited<ReturnType<typeof startSink>>;

beforeAll(async () => {
  fallbackSink = await startSink();
  downstreamSink = await startSink();
  stack = await startStack({
    config: {
      fallback: { webhookUrl: `${fallbackSink.url}/fallback` },
      downstream: { webhookUrl: `${downstreamSink.url}/downstream` },
    },
  });
});

afterAll(async () => {
  await stack?.close();
  await fallbackSink?.close();
  await downstreamSink?.close();
});

beforeEach(() => {
  stack.emulator.control.reset();
  fallbackSink.requests.length = 0;
  downstreamSink.requests.length = 0;
});

const agent = (
  name: string,
  presence = 'Available',
  state: 'active' | 'inactive' = 'active',
  email?: string,
) =>
  stack.emulator.control.addUser({
    name,
    email: email ?? `${name.toLowerCase().replace(/\s+/g, '.')}@example.com`,
    presence,
    state,
  });

async function start(input: AlertInput) {
  return stack.client.workflow.start(deliverAlert, {
    taskQueue: stack.taskQueue,
    workflowId: input.alertId,
    args: [input],
  });
}

async function waitForStatus(
  handle: Awaited<ReturnType<typeof start>>,
  status: AlertState['status'],
): Promise<AlertState> {
  return eventually(async () => {
    const s = await handle.query(getStateQuery);
    return s.status === status ? s : undefined;
  });
}

const notificationsFor = (key: string) => stack.emulator.control.listNotifications({ idempotencyKey: key });
const notificationPosts = () =>
  stack.emulator.control.listRequests({ method: 'POST', pathPrefix: '/api/v2/desktop/notifications' });

describe('happy path', () => {
  test('sends one toast, applies the agent action once, hands it downstream once', async () => {
    const u = agent('Jordan Smith');
    const input = makeInput({ target: { email: u.email } });
    const handle = await start(input);
    const awaiting = await waitForStatus(handle, 'awaiting_action');
    expect(awaiting.agent?.userId).toBe(u.id);
    const [n] = notificationsFor(input.idempotencyKey);
    expect(n).toBeDefined();
    expect(n!.userId).toBe(u.id);
    // The service owns the callback URL and routes callbacks back with the alert id.
    const ack = n!.actions.find((a: { actionType: string }) => a.actionType === 'callback')!;
    expect(ack.callbackUrl).toBe(input.callbackUrl);
    expect(ack.metadata).toMatchObject({ transactionId: 'TXN-88921', desktopAlertId: input.alertId });

    const action = {
      notificationId: n!.id,
      userId: u.id,
      actionId: 'ack',
      timestamp: new Date().toISOString(),
    };
    // The desktop retries callbacks: the same click arrives three times, concurrently.
    const results = await Promise.all(
      [1, 2, 3].map(() => handle.executeUpdate(agentActionUpdate, { args: [action] })),
    );
    expect(results.map((r) => r.outcome).sort()).toEqual(['applied', 'duplicate', 'duplicate']);

    const final = await handle.result();
    expect(final.status).toBe('actioned');
    expect(final.actions).toHaveLength(1);
    expect(final.actions[0]).toMatchObject({ actionId: 'ack', userId: u.id, downstream: 'delivered' });
    expect(downstreamSink.requests).toHaveLength(1);
    expect(downstreamSink.requests[0]!.json).toMatchObject({
      alertId: input.alertId,
      action: { actionId: 'ack', userId: u.id },
    });
    expect(fallbackSink.requests).toHaveLength(0);
    expect(notificationsFor(input.idempotencyKey)).toHaveLength(1);
  });

  test("an action that is not this alert's is rejected before it enters history", async () => {
    const u = agent('Rejecting Agent');
    const input = makeInput({ target: { userId: u.id } });
    const handle = await start(input);
    const s = await waitForStatus(handle, 'awaiting_action');
    const base = {
      notificationId: s.notificationId!,
      userId: u.id,
      actionId: 'ack',
      timestamp: new Date().toISOString(),
    };
    const rejection = async (action: typeof base) => {
      const err = await handle.executeUpdate(agentActionUpdate, { args: [action] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (err as WorkflowUpdateFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      return (cause as ApplicationFailure).type;
    };
    expect(await rejection({ ...base, notificationId: 'someone-elses' })).toBe('UnknownNotification');
    expect(await rejection({ ...base, userId: 'another-agent' })).toBe('WrongAgent');
    expect(await rejection({ ...base, actionId: 'open' })).toBe('UnknownAction');
    expect((await handle.query(getStateQuery)).actions).toHaveLength(0);
    await handle.executeUpdate(agentActionUpdate, { args: [base] });
    expect((await handle.result()).status).toBe('actioned');
  });
});

describe('guide section 1 trap: token expiring mid-batch', () => {
  test('revoking every token in the middle of 20 alerts loses none and surfaces no error', async () => {
    const u = agent('Batch Agent');
    const inputs = Array.from({ length: 20 }, () =>
      makeInput({
        target: { userId: u.id },
        policy: { requireAck: false, waitForAgent: false, operationalPresences: ['available'] },
      }),
    );
    const handles = [];
    for (const [i, input] of inputs.entries()) {
      if (i === 10) stack.emulator.control.revokeTokens();
      handles.push(await start(input));
    }
    await eventually(() => inputs.every((i) => notificationsFor(i.idempotencyKey).length === 1));
    for (const h of handles) expect((await h.query(getStateQuery)).status).toBe('awaiting_action');
    // The revoked token was answered 401 and replaced, not surfaced.
    const unauthorized = stack.emulator.control.listRequests({ status: 401 });
    expect(unauthorized.length).toBeGreaterThanOrEqual(1);
    for (const h of handles) await h.cancel();
  });
});

describe('guide section 2 trap: resolving agents by email', () => {
  test('duplicate active matches are ambiguous: no toast to anyone, fallback with the reason', async () => {
    agent('Twin One', 'Available', 'active', 'shared@example.com');
    agent('Twin Two', 'Available', 'active', 'shared@example.com');
    const input = makeInput({ target: { email: 'shared@example.com' }, fallback: { channels: ['webhook'] } });
    const final = await (await start(input)).result();
    expect(final.status).toBe('fallback_delivered');
    expect(final.desktopFailureReason).toMatch(/^agent_ambiguous/);
    expect(notificationPosts()).toHaveLength(0);
    expect(fallbackSink.requests).toHaveLength(1);
    expect(fallbackSink.requests[0]!.json).toMatchObject({
      alertId: input.alertId,
      reason: expect.stringMatching(/agent_ambiguous/),
    });
  });

  test('a deactivated account sharing the email is never chosen, even when listed first', async () => {
    const old = agent('Former Employee', 'Available', 'inactive', 'desk@example.com');
    const current = agent('Current Employee', 'Available', 'active', 'desk@example.com');
    const input = makeInput({ target: { email: 'DESK@example.com' } });
    const handle = await start(input);
    const s = await waitForStatus(handle, 'awaiting_action');
    expect(s.agent?.userId).toBe(current.id);
    const [n] = notificationsFor(input.idempotencyKey);
    expect(n!.userId).toBe(current.id);
    expect(stack.emulator.control.listNotifications({ userId: old.id })).toHaveLength(0);
    await handle.cancel();
  });

  test('only deactivated matches: no toast, fallback says so', async () => {
    agent('Gone', 'Available', 'inactive', 'gone@example.com');
    const final = await (
      await start(makeInput({ target: { email: 'gone@example.com' }, fallback: { channels: ['webhook'] } }))
    ).result();
    expect(final.desktopFailureReason).toMatch(/^agent_inactive/);
    expect(notificationPosts()).toHaveLength(0);
  });
});

describe('edge case 1: session state', () => {
  test('agent offline: fallback, and no desktop call at all', async () => {
    const u = agent('Offline Agent', 'Offline');
    const input = makeInput({ target: { userId: u.id }, fallback: { channels: ['webhook'] } });
    const final = await (await start(input)).result();
    expect(final.status).toBe('fallback_delivered');
    expect(final.desktopFailureReason).toMatch(/^logged_out/);
    expect(notificationPosts()).toHaveLength(0);
    expect(fallbackSink.requests).toHaveLength(1);
    // A second alert to the same agent right after does not look the agent up again (fresh reading,
    // then the 300 s breaker: see test/activities/lookups.test.ts for the breaker's clock).
    const before = stack.emulator.control.listRequests({}).length;
    const second = await (
      await start(makeInput({ target: { userId: u.id }, fallback: { channels: ['webhook'] } }))
    ).result();
    expect(second.desktopFailureReason).toMatch(/^(logged_out|breaker_open)/);
    expect(stack.emulator.control.listRequests({}).length).toBe(before);
  });

  test('agent offline, found by email: the presence from the search decides, no further call', async () => {
    const u = agent('Offline By Email', 'Offline');
    const final = await (
      await start(makeInput({ target: { email: u.email }, fallback: { channels: ['webhook'] } }))
    ).result();
    expect(final.desktopFailureReason).toMatch(/^logged_out/);
    // (reset() between tests revokes the client's token: a 401 and its one retry are expected there)
    const calls = stack.emulator.control
      .listRequests({ pathPrefix: '/api/' })
      .filter((r: { status: number }) => r.status !== 401);
    expect(calls.map((r: { route: string }) => r.route)).toEqual(['POST /api/v2/users/search']);
  });

  test('agent logs out between check and send (409): fallback', async () => {
    const u = agent('Leaving Agent');
    stack.emulator.control.flipPresenceOnNextSend(u.id);
    const final = await (
      await start(makeInput({ target: { userId: u.id }, fallback: { channels: ['webhook'] } }))
    ).result();
    expect(final.status).toBe('fallback_delivered');
    expect(final.desktopFailureReason).toMatch(/^session_changed/);
    expect(notificationPosts().map((r: { status: number }) => r.status)).toEqual([409]);
  });

  test("presence outside the alert type's operational window: fallback without a send", async () => {
    const u = agent('Lunch Agent', 'Meal');
    const final = await (
      await start(
        makeInput({
          type: 'info',
          target: { userId: u.id },
          policy: { requireAck: false, waitForAgent: false, operationalPresences: ['available', 'on queue'] },
          fallback: { channels: ['webhook'] },
        }),
      )
    ).result();
    expect(final.desktopFailureReason).toMatch(/^outside_operational_window/);
    expect(notificationPosts()).toHaveLength(0);
  });

  test('waitForAgent: an offline agent is waited for durably and alerted once back', async () => {
    const u = agent('Returning Agent', 'Offline');
    const input = makeInput({
      target: { userId: u.id },
      policy: {
        requireAck: false,
        waitForAgent: true,
        operationalPresences: ['available'],
        recheckIntervalSeconds: 1,
      },
      fallback: { channels: ['webhook'] },
    });
    const handle = await start(input);
    await waitForStatus(handle, 'waiting_for_agent');
    expect(notificationPosts()).toHaveLength(0);
    stack.emulator.control.updateUser(u.id, { presence: 'Available' });
    const s = await waitForStatus(handle, 'awaiting_action');
    expect(s.notificationId).toBeDefined();
    expect(notificationsFor(input.idempotencyKey)).toHaveLength(1);
    expect(fallbackSink.requests).toHaveLength(0);
    await handle.cancel();
  });

  test('no fallback channel configured: the alert ends failed with its reason', async () => {
    const u = agent('Unreachable Agent', 'Offline');
    const final = await (
      await start(makeInput({ target: { userId: u.id }, fallback: { channels: [] } }))
    ).result();
    expect(final.status).toBe('failed');
    expect(final.failureReason).toMatch(/logged_out.*no fallback channel configured/);
  });
});

describe('guide section 3 trap: retries never duplicate a toast', () => {
  test('a send whose answer is lost is retried with the same idempotency key: one toast', async () => {
    const u = agent('Retry Agent');
    // Every answer to the send arrives after the client's 2 s timeout on the first try only.
    stack.emulator.control.setFaults({
      slowRate: 1,
      slowMs: 3_000,
      latencyPathPrefix: '/api/v2/desktop/notifications',
    });
    const input = makeInput({ target: { userId: u.id } });
    const handle = await start(input);
    await eventually(() => notificationPosts().length >= 1);
    stack.emulator.control.clearFaults();
    await waitForStatus(handle, 'awaiting_action');
    const ns = notificationsFor(input.idempotencyKey);
    expect(ns).toHaveLength(1);
    expect(ns[0]!.posts).toBeGreaterThanOrEqual(2);
    expect(stack.emulator.control.listNotifications({ userId: u.id })).toHaveLength(1);
    await handle.cancel();
  });

  test('5xx answers are retried to success', async () => {
    const u = agent('Flaky Agent');
    stack.emulator.control.forceStatus({
      status: 503,
      count: 3,
      method: 'POST',
      pathPrefix: '/api/v2/desktop/notifications',
    });
    const input = makeInput({ target: { userId: u.id } });
    const handle = await start(input);
    await waitForStatus(handle, 'awaiting_action');
    expect(notificationPosts().map((r: { status: number }) => r.status)).toEqual([503, 503, 503, 201]);
    expect(notificationsFor(input.idempotencyKey)).toHaveLength(1);
    await handle.cancel();
  });
});

describe('edge case 2: 429 and Retry-After', () => {
  test('the next attempt comes no sooner than Retry-After', async () => {
    const u = agent('Throttled Agent');
    stack.emulator.control.forceStatus({
      status: 429,
      count: 1,
      method: 'POST',
      pathPrefix: '/api/v2/desktop/notifications',
      retryAfterSeconds: 3,
    });
    const input = makeInput({ target: { userId: u.id } });
    const handle = await start(input);
    await waitForStatus(handle, 'awaiting_action');
    const posts = notificationPosts();
    expect(posts.map((r: { status: number }) => r.status)).toEqual([429, 201]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(3_000);
    await handle.cancel();
  });
});

describe('expiry', () => {
  // The toast must be out before the alert expires, or the emulator (as Genesys) answers 400 "expiresAt must be in
  // the future" and the alert falls back for that instead: start, first task, activity and POST all come first. A
  // Temporal dev server's timers run on the real clock (no time skipping), so the expiry is a real wait, and this is
  // its margin for a loaded machine, not a number the tests are about: 2-3 s was once too short. Each test checks the
  // toast is out before the expiry decides anything, so a machine slower still fails by name at that step.
  const EXPIRES_IN_MS = 8_000;

  /** The alert's state once it is awaiting the agent's action, or has ended without getting there. */
  async function deliveredOrEnded(handle: Awaited<ReturnType<typeof start>>): Promise<AlertState> {
    return eventually(async () => {
      const s = await handle.query(getStateQuery);
      return s.status === 'awaiting_action' || TERMINAL_STATUSES.includes(s.status) ? s : undefined;
    });
  }

  test('an alert that needs acknowledgement and expires unacknowledged runs the fallback policy', async () => {
    const u = agent('Busy Agent');
    const input = makeInput({
      target: { userId: u.id },
      expiresAt: new Date(Date.now() + EXPIRES_IN_MS).toISOString(),
      fallback: { channels: ['webhook'] },
    });
    const handle = await start(input);
    expect(await deliveredOrEnded(handle)).toMatchObject({ status: 'awaiting_action' });
    expect(fallbackSink.requests).toHaveLength(0);
    const final = await handle.result();
    expect(final.status).toBe('fallback_delivered');
    expect(final.desktopFailureReason).toBe('expired without acknowledgement');
    expect(notificationsFor(input.idempotencyKey)).toHaveLength(1);
    expect(fallbackSink.requests).toHaveLength(1);
  });

  test('an informational alert that expires just expires', async () => {
    const u = agent('Info Agent');
    const input = makeInput({
      type: 'info',
      target: { userId: u.id },
      actions: [],
      expiresAt: new Date(Date.now() + EXPIRES_IN_MS).toISOString(),
      policy: { requireAck: false, waitForAgent: false, operationalPresences: ['available'] },
      fallback: { channels: ['webhook'] },
    });
    const handle = await start(input);
    expect(await deliveredOrEnded(handle)).toMatchObject({ status: 'awaiting_action' });
    const final = await handle.result();
    expect(final.status).toBe('expired');
    expect(notificationsFor(input.idempotencyKey)).toHaveLength(1);
    expect(fallbackSink.requests).toHaveLength(0);
  });
});

describe('input checks', () => {
  // The launcher parses every input with zod, but a run started by hand, by an older client, or with a rule
  // the ingress counts differently (issue 11: 126 x "🚨" is 126 characters but 252 UTF-16 units) can still
  // reach the workflow with something it finds wrong. Such a run never just fails: it ends `failed` with the
  // problems named, and the fallback still goes out when the input holds what the fallback needs.
  test('a title of 126 x "🚨" (252 UTF-16 units): no toast, the fallback goes out, the alert ends failed with the reason', async () => {
    const u = agent('Emoji Agent');
    const title = '🚨'.repeat(126);
    const input = makeInput({ target: { userId: u.id }, title, fallback: { channels: ['webhook'] } });
    const handle = await start(input);
    const final = await handle.result();
    expect(final.status).toBe('failed');
    expect(final.failureReason).toMatch(/^invalid alert input: title: expected 1-250 characters; /);
    expect(final.failureReason).not.toMatch(/workflow failed/);
    expect(final.fallback).toEqual([expect.objectContaining({ channel: 'webhook', outcome: 'delivered' })]);
    expect(notificationPosts()).toHaveLength(0);
    // The fallback carries the alert as given: too long for a Genesys toast, not for a webhook or an email.
    expect(fallbackSink.requests).toHaveLength(1);
    expect(fallbackSink.requests[0]!.json).toMatchObject({
      alertId: input.alertId,
      title,
      reason: expect.stringMatching(/^invalid alert input: title/),
    });
    expect((await handle.describe()).typedSearchAttributes.get(SA.status)).toBe('failed');
  });

  test('a broken fallback part: no toast and no fallback, failed with every problem named', async () => {
    const input = {
      ...makeInput({ target: { userId: 'x' } }),
      title: 'x'.repeat(251),
      fallback: { channels: ['sms'] },
    } as unknown as AlertInput;
    const handle = await start(input);
    const final = await handle.result();
    expect(final.status).toBe('failed');
    expect(final.failureReason).toMatch(
      /^invalid alert input: title: expected 1-250 characters; fallback.channels: expected an array of email, webhook; /,
    );
    expect(final.failureReason).toMatch(/no fallback/);
    expect(final.fallback).toEqual([]);
    expect(notificationPosts()).toHaveLength(0);
    expect(fallbackSink.requests).toHaveLength(0);
    expect((await handle.describe()).typedSearchAttributes.get(SA.status)).toBe('failed');
  });

  test('an input that is not an object at all: failed with the reason, described under its workflow id', async () => {
    const alertId = `alert-not-an-object-${Date.now()}`;
    const handle = await stack.client.workflow.start(deliverAlert, {
      taskQueue: stack.taskQueue,
      workflowId: alertId,
      args: [null as unknown as AlertInput],
    });
    const final = await handle.result();
    expect(final).toMatchObject({
      alertId,
      status: 'failed',
      failureReason: expect.stringMatching(/^invalid alert input: input: expected an object; /),
    });
    expect(fallbackSink.requests).toHaveLength(0);
  });
});

describe('a click while the alert is still sending', () => {
  // Issue 11: the validator accepts a click while the send is in flight (the toast may be up before the send's
  // answer is back), and the handler then waits for the notification id. If the send fails or is skipped, or a
  // cancel lands, no id ever comes: the handler must end (the update rejected with its reason), or finish() waits
  // for it, and the run stays open, for ever.
  const NOTIFICATIONS = '/api/v2/desktop/notifications';

  /** Start the alert with its send held open (every POST answers 503 and the activity retries), then click. */
  async function clickWhileSending(input: AlertInput, userId: string) {
    stack.emulator.control.setFaults({ errorRate: 1, errorStatus: 503, errorPathPrefix: NOTIFICATIONS });
    const handle = await start(input);
    await eventually(() => notificationPosts().length >= 1);
    const click = {
      notificationId: 'notif-from-the-desktop',
      userId,
      actionId: 'ack',
      timestamp: new Date().toISOString(),
    };
    // Accepted by the validator: the run is still sending, so the notification id is not known yet.
    const update = await handle.startUpdate(agentActionUpdate, {
      args: [click],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    expect((await handle.query(getStateQuery)).status).toBe('sending');
    return { handle, update };
  }

  /** The run's Temporal status once it is no longer running. */
  const closed = (handle: Awaited<ReturnType<typeof start>>) =>
    eventually(async () => {
      const name = (await handle.describe()).status.name;
      return name === 'RUNNING' ? undefined : name;
    });

  async function rejection(update: WorkflowUpdateHandle<AgentActionResult>): Promise<ApplicationFailure> {
    const err: unknown = await update.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    return cause as ApplicationFailure;
  }

  test('then the send fails: the click is rejected (AlertNotDelivered) and the run closes', async () => {
    const u = agent('Failing Send Agent');
    const { handle, update } = await clickWhileSending(makeInput({ target: { userId: u.id } }), u.id);
    // Genesys refuses the send for good (400).
    stack.emulator.control.clearFaults();
    stack.emulator.control.forceStatus({ status: 400, count: 1, method: 'POST', pathPrefix: NOTIFICATIONS });
    // The alert reaches its final state; the run must then close too.
    await waitForStatus(handle, 'failed');
    expect(await closed(handle)).toBe('COMPLETED');
    const failure = await rejection(update);
    expect(failure.type).toBe('AlertNotDelivered');
    expect(failure.message).toMatch(/notification was never delivered \(desktop delivery failed: /);
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'failed', actions: [] });
    expect(final.failureReason).toMatch(/^desktop delivery failed: .*no fallback channel configured$/);
    // Its history (with the patch marker that lets runs of the earlier code replay as they ran) replays on this code.
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(
      true,
    );
    // With the sinks the real worker has: without them every alertMetrics call logs an ERROR (replay.test.ts).
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), sinks: alertSinks() }, history);
  });

  test('then the send is skipped (the agent logged out): the click is rejected, the fallback runs, the run closes', async () => {
    const u = agent('Leaving While Sending');
    const input = makeInput({ target: { userId: u.id }, fallback: { channels: ['webhook'] } });
    const { handle, update } = await clickWhileSending(input, u.id);
    stack.emulator.control.clearFaults();
    stack.emulator.control.flipPresenceOnNextSend(u.id);
    await waitForStatus(handle, 'fallback_delivered');
    expect(await closed(handle)).toBe('COMPLETED');
    const failure = await rejection(update);
    expect(failure.type).toBe('AlertNotDelivered');
    expect(failure.message).toMatch(/session_changed/);
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'fallback_delivered', actions: [] });
    expect(fallbackSink.requests).toHaveLength(1);
  });

  test('then a cancel lands: the click is rejected (NotAwaitingAction) and the run closes cancelled', async () => {
    const u = agent('Cancelled While Sending');
    const { handle, update } = await clickWhileSending(makeInput({ target: { userId: u.id } }), u.id);
    await handle.signal(cancelSignal, { reason: 'test' });
    // The send in flight completes; the run then honours the cancel.
    stack.emulator.control.clearFaults();
    await waitForStatus(handle, 'cancelled');
    expect(await closed(handle)).toBe('COMPLETED');
    const failure = await rejection(update);
    expect(failure.type).toBe('NotAwaitingAction');
    expect(failure.message).toMatch(/cancelled/);
    expect(await handle.result()).toMatchObject({ status: 'cancelled', actions: [] });
  });
});

describe('durability', () => {
  test('a worker restart in the middle of a run still delivers exactly once', async () => {
    const u = agent('Durable Agent');
    // Slow sends, so the restart lands while activities are in flight.
    stack.emulator.control.setFaults({ latencyMs: 500, latencyPathPrefix: '/api/v2/desktop/notifications' });
    const inputs = Array.from({ length: 10 }, () => makeInput({ target: { userId: u.id } }));
    const handles = await Promise.all(inputs.map(start));
    await eventually(() => notificationPosts().length >= 2);
    await stack.restartWorkers();
    stack.emulator.control.clearFaults();
    await eventually(() => inputs.every((i) => notificationsFor(i.idempotencyKey).length === 1), 30_000);
    for (const h of handles) await waitForStatus(h, 'awaiting_action');
    expect(stack.emulator.control.listNotifications({ userId: u.id })).toHaveLength(10);
    for (const h of handles) await h.cancel();
  });
});
