/**
 * What the desktop activity makes of the send's 404 (issue 11). GENESYS.md: a 404 for the path itself means
 * the notifications channel does not exist on this org, a configuration error said as such and not retried,
 * never "session changed"; "404 user unknown" is about the mock.agent. Unit tests over undici's MockAgent, then the
 * whole alert on the real dev server against the emulator over HTTP.
 */
import { ApplicationFailure } from '@temporalio/common';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { deliverToDesktopInput } from './helpers';
import { deliverAlert } from '../../src/workflows';
import { API, makeClient, useMockAgent } from '../genesys/helpers';
import { startSink } from '../helpers/sink';
import { makeInput, startStack, type Stack } from '../helpers/stack';

const PATH = '/api/v2/desktop/notifications';
const silent = pino({ level: 'silent' });

const input = deliverToDesktopInput();

describe("deliverToDesktop and the send's 404 (MockAgent)", () => {
  const mock = useMockAgent();
  beforeEach(() => {
    // The session check right before the send: the agent exists and is available.
    mock.agent
      .get(API)
      .intercept({ path: '/api/v2/users/presences/purecloud/bulk?id=u-1', method: 'GET' })
      .reply(200, [{ userId: 'u-1', presenceDefinition: { id: 'p', systemPresence: 'AVAILABLE' } }]);
  });

  test('the path missing fails the attempt for good, naming the configuration, not the session', async () => {
    mock.agent
      .get(API)
      .intercept({ path: PATH, method: 'POST' })
      .reply(404, { status: 404, code: 'not.found', message: `No resource found at ${PATH}.` });
    const activities = createActivities({ genesys: makeClient(mock.agent), logger: silent });
    const err = await activities.deliverToDesktop(input).then(
      (r) => r,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    const f = err as ApplicationFailure;
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('Genesys_endpoint_missing');
    expect(f.message).toContain('the desktop notifications endpoint does not exist on this org');
    expect(f.message).not.toMatch(/session/i);
  });

  test('the user unknown to the endpoint is reported as agent_not_found, not as a session change', async () => {
    mock.agent
      .get(API)
      .intercept({ path: PATH, method: 'POST' })
      .reply(404, { status: 404, code: 'not.found', message: 'User u-1 not found.' });
    const activities = createActivities({ genesys: makeClient(mock.agent), logger: silent });
    await expect(activities.deliverToDesktop(input)).resolves.toMatchObject({
      outcome: 'skipped',
      reason: 'agent_not_found',
      agent: { userId: 'u-1' },
    });
  });
});

describe('an alert whose notifications endpoint does not exist (emulator, real dev server)', () => {
  let stack: Stack;
  let sink: Awaited<ReturnType<typeof startSink>>;
  beforeAll(async () => {
    sink = await startSink();
    // The emulator serves the endpoint elsewhere: the service's (default) path does not exist there.
    stack = await startStack({
      emulator: { notificationsPath: '/api/v2/somewhere/else' },
      config: { fallback: { webhookUrl: `${sink.url}/fallback` } },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await sink?.close();
  });

  test('falls back at once with that reason, after a single send', async () => {
    const u = stack.emulator.control.addUser({ name: 'Config Agent', email: 'config.agent@example.com' });
    const alert = makeInput({ target: { userId: u.id }, fallback: { channels: ['webhook'] } });
    const final = await (
      await stack.client.workflow.start(deliverAlert, {
        taskQueue: stack.taskQueue,
        workflowId: alert.alertId,
        args: [alert],
      })
    ).result();
    expect(final.status).toBe('fallback_delivered');
    expect(final.desktopFailureReason).toContain(
      'the desktop notifications endpoint does not exist on this org',
    );
    expect(final.desktopFailureReason).not.toMatch(/session/i);
    // Not retried: one POST, answered 404.
    const posts = stack.emulator.control.listRequests({ method: 'POST', pathPrefix: PATH });
    expect(posts.map((r) => r.status)).toEqual([404]);
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0]!.json).toMatchObject({
      alertId: alert.alertId,
      reason: expect.stringContaining('does not exist'),
    });
  });
});
