/**
 * A user search that returns no `presence` (GENESYS.md: expand is best effort; a missing presence means "not
 * returned", not offline and not unknown) must not count as a reading: the presence endpoint is asked instead.
 * Over undici's MockAgent, then the whole alert on the real dev server against the emulator over HTTP.
 */
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { deliverToDesktopInput } from './helpers';
import { getStateQuery } from '../../src/shared/messages';
import { deliverAlert } from '../../src/workflows';
import { API, makeClient, useMockAgent, user } from '../genesys/helpers';
import { eventually, makeInput, startStack, type Stack } from '../helpers/stack';

const input = deliverToDesktopInput({
  alertId: 'alert-k2',
  idempotencyKey: 'k2',
  correlationId: 'corr-2',
  target: { email: 'u-1@company.com' },
});

describe('deliverToDesktop after a search without presence (MockAgent)', () => {
  const mock = useMockAgent();

  test('asks the bulk presence endpoint and sends', async () => {
    const { presence: _left, ...withoutPresence } = user('u-1');
    mock.agent
      .get(API)
      .intercept({ path: '/api/v2/users/search', method: 'POST' })
      .reply(200, { total: 1, pageCount: 1, results: [withoutPresence] });
    let asked = 0;
    mock.agent
      .get(API)
      .intercept({ path: '/api/v2/users/presences/purecloud/bulk?id=u-1', method: 'GET' })
      .reply(() => {
        asked++;
        return {
          statusCode: 200,
          data: JSON.stringify([{ userId: 'u-1', presenceDefinition: { systemPresence: 'AVAILABLE' } }]),
        };
      });
    mock.agent
      .get(API)
      .intercept({ path: '/api/v2/desktop/notifications', method: 'POST' })
      .reply(201, { id: 'n-1', status: 'queued' });
    const activities = createActivities({
      genesys: makeClient(mock.agent),
      logger: pino({ level: 'silent' }),
    });
    await expect(activities.deliverToDesktop(input)).resolves.toMatchObject({
      outcome: 'sent',
      notificationId: 'n-1',
      presence: 'available',
    });
    expect(asked).toBe(1);
  });
});

describe('an alert while the users API leaves presence out (emulator, real dev server)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  test('is sent to the available agent, whose presence comes from the presence endpoint', async () => {
    const u = stack.emulator.control.addUser({ name: 'Expand Agent', email: 'expand.agent@example.com' });
    stack.emulator.control.setFaults({ presenceExpandOmitRate: 1 });
    const alert = makeInput({ target: { email: u.email }, fallback: { channels: [] } });
    const handle = await stack.client.workflow.start(deliverAlert, {
      taskQueue: stack.taskQueue,
      workflowId: alert.alertId,
      args: [alert],
    });
    const state = await eventually(async () => {
      const s = await handle.query(getStateQuery);
      return s.status === 'awaiting_action' || s.status === 'failed' ? s : undefined;
    });
    expect(state).toMatchObject({
      status: 'awaiting_action',
      presence: 'available',
      agent: { userId: u.id },
    });
    expect(stack.emulator.control.listNotifications({ idempotencyKey: alert.idempotencyKey })).toHaveLength(
      1,
    );
    const routes = stack.emulator.control.listRequests({ pathPrefix: '/api/' }).map((r) => r.route);
    expect(routes).toContain('POST /api/v2/users/search');
    expect(routes).toContain('GET /api/v2/users/presences/purecloud/bulk');
    await handle.cancel();
  });
});
