/**
 * A click the alert can never take, end to end (issue 11): the signed callback is stored and answered, the relay
 * applies it while the alert's send is still in flight (the update is accepted and waits for the notification id),
 * then the send fails. The update must end rejected with the workflow's reason and the relay must dead-letter the
 * callback with it. Before, the update waited for ever and the relay retried it for ever, holding one of its lanes.
 */
import { postCallback, signed } from '../api/helpers';
import { eventually } from '../helpers/eventually';
import { TEST_SIGNING_SECRET, quietRuntime } from '../helpers/stack';
import { ALERT_ID_METADATA_KEY } from '../../src/shared/constants';
import { alertRequest, startOpsStack, uniqueId, type OpsStack } from './helpers';

const NOTIFICATIONS = '/api/v2/desktop/notifications';

describe('a click on an alert whose send then fails', () => {
  const agent = {
    id: uniqueId('pending-agent'),
    name: 'Jordan Smith',
    email: 'pending.agent@example.com',
    presence: 'Available',
  };
  let stack: OpsStack;

  beforeAll(async () => {
    quietRuntime();
    stack = await startOpsStack({ users: [agent] });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is dead-lettered as rejected:AlertNotDelivered, and the alert closes failed', async () => {
    const emu = stack.emulator.control;
    // Hold the send open: every POST of the notification answers 503 and the activity retries.
    emu.setFaults({ errorRate: 1, errorStatus: 503, errorPathPrefix: NOTIFICATIONS });
    const sent = await stack.api('/v1/alerts', {
      body: alertRequest({ target: { userId: agent.id }, idempotencyKey: uniqueId('pending') }),
    });
    expect(sent.status).toBe(202);
    const alertId = sent.json.alertId as string;
    await eventually(() => emu.listRequests({ method: 'POST', pathPrefix: NOTIFICATIONS }).length >= 1);

    // The desktop's signed callback, for a notification the alert does not know yet.
    const callback = {
      notificationId: 'notif-in-flight',
      userId: agent.id,
      actionId: 'ack',
      metadata: { [ALERT_ID_METADATA_KEY]: alertId },
      timestamp: new Date().toISOString(),
    };
    const body = JSON.stringify(callback);
    expect(
      (await postCallback(stack.ingress.url, body, signed(body, { secret: TEST_SIGNING_SECRET }))).status,
    ).toBe(202);
    // The relay's update is accepted while the alert is sending, and waits.
    const handle = stack.client.workflow.getHandle(alertId);
    await eventually(async () =>
      (await handle.fetchHistory()).events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes),
    );
    expect((await stack.api(`/v1/alerts/${alertId}`)).json.status).toBe('sending');

    // Genesys refuses the send for good: no notification, no fallback configured in this stack.
    emu.clearFaults();
    emu.forceStatus({ status: 400, count: 1, method: 'POST', pathPrefix: NOTIFICATIONS });

    const row = await eventually(() => {
      const r = stack.ingress.inbox.getByKey('notif-in-flight:ack');
      return r && r.state !== 'received' ? r : undefined;
    });
    expect(row).toMatchObject({ state: 'dead_lettered', reason: 'rejected:AlertNotDelivered' });
    expect(row.detail).toMatch(/notification was never delivered/);
    const state = await stack.waitForAlert(alertId, (s) => s.status === 'failed');
    expect(state.actions).toEqual([]);
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED');
  });
});
