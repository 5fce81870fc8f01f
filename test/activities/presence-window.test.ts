/**
 * The operational window compares presences in one spelling (GENESYS.md: casing varies between endpoints,
 * normalise). The ingress now writes a policy's names that way; a run started before it did keeps its input, so
 * the activity normalises them as well. Over undici's MockAgent.
 */
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { deliverToDesktopInput } from './helpers';
import { API, makeClient, useMockAgent } from '../genesys/helpers';

describe('deliverToDesktop: the operational window in any spelling (MockAgent)', () => {
  const mock = useMockAgent();

  const answers = (systemPresence: string) => {
    mock.agent
      .get(API)
      .intercept({ path: '/api/v2/users/presences/purecloud/bulk?id=u-1', method: 'GET' })
      .reply(200, [{ userId: 'u-1', presenceDefinition: { id: 'p', systemPresence } }]);
    mock.agent
      .get(API)
      .intercept({ path: '/api/v2/desktop/notifications', method: 'POST' })
      .reply(201, { id: 'n-1', status: 'queued' });
  };
  const activities = () =>
    createActivities({ genesys: makeClient(mock.agent), logger: pino({ level: 'silent' }) });

  test.each([['ON_QUEUE'], ['OnQueue'], ['on_queue']])(
    "a run's policy naming %s matches an agent On Queue",
    async (name) => {
      answers('On Queue');
      await expect(
        activities().deliverToDesktop(deliverToDesktopInput({ operationalPresences: [name] })),
      ).resolves.toMatchObject({ outcome: 'sent', presence: 'on queue' });
    },
  );

  test('a presence outside the window is still skipped', async () => {
    answers('AWAY');
    await expect(
      activities().deliverToDesktop(deliverToDesktopInput({ operationalPresences: ['ON_QUEUE'] })),
    ).resolves.toMatchObject({ outcome: 'skipped', reason: 'outside_operational_window' });
  });
});
