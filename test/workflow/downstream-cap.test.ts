/**
 * Issue 11: with DOWNSTREAM_WEBHOOK_URL down, every actioned alert stayed open, its hand-off retried for ever.
 * The retries are capped (DOWNSTREAM_RETRY_MAX_SECONDS, carried in the run's input); past the cap the action is
 * recorded `downstream: failed` and the run closes.
 */
import { freePort } from '../../src/dev/temporal';
import { deliverAlert } from '../../src/workflows';
import { agentActionUpdate, getStateQuery } from '../../src/shared/messages';
import { eventually, makeInput, startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  // Nothing listens there: every hand-off is refused (a retryable network error).
  const closedPort = await freePort();
  stack = await startStack({
    config: { downstream: { webhookUrl: `http://127.0.0.1:${closedPort}/downstream` } },
  });
});

afterAll(async () => {
  await stack?.close();
});

test.each([
  ['revision 1: the hand-off is an activity from the start', undefined],
  ['revision 2: a local first try, then the activity', 2],
])(
  'a downstream that stays down (%s): retried up to the cap, then recorded failed, and the run closes actioned',
  async (_what, revision) => {
    const u = stack.emulator.control.addUser({
      name: 'Capped Agent',
      email: `capped.agent.${revision ?? 1}@example.com`,
      presence: 'Available',
    });
    const input = { ...makeInput({ target: { userId: u.id } }), downstreamRetrySeconds: 3, revision };
    const handle = await stack.client.workflow.start(deliverAlert, {
      taskQueue: stack.taskQueue,
      workflowId: input.alertId,
      args: [input],
    });
    const sent = await eventually(async () => {
      const s = await handle.query(getStateQuery);
      return s.status === 'awaiting_action' ? s : undefined;
    });
    const click = {
      notificationId: sent.notificationId!,
      userId: u.id,
      actionId: 'ack',
      timestamp: new Date().toISOString(),
    };
    expect(await handle.executeUpdate(agentActionUpdate, { args: [click] })).toEqual({ outcome: 'applied' });
    // The run closes by itself once the cap has passed.
    expect(
      await eventually(async () => {
        const name = (await handle.describe()).status.name;
        return name === 'RUNNING' ? undefined : name;
      }),
    ).toBe('COMPLETED');
    // It was retried, not given up at the first refusal.
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'forwardAction',
    );
    const started = events.find(
      (e) =>
        e.activityTaskStartedEventAttributes &&
        Number(e.activityTaskStartedEventAttributes.scheduledEventId) === Number(scheduled?.eventId),
    );
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBeGreaterThanOrEqual(2);
    // Revision 2 tried once in the workflow task first (a local activity's marker before the activity).
    const firstTry = events.find(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    );
    if (revision === 2) expect(Number(firstTry?.eventId)).toBeLessThan(Number(scheduled?.eventId));
    else expect(firstTry).toBeUndefined();
    const final = await handle.result();
    expect(final.status).toBe('actioned');
    expect(final.actions).toEqual([expect.objectContaining({ actionId: 'ack', downstream: 'failed' })]);
  },
);
