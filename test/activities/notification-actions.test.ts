/**
 * The send builds the notification's actions (ids, callbackUrl, routing metadata); the workflow used to build them
 * before scheduling the send. The body Genesys receives must not change, whichever of the two built them: a send
 * scheduled by the earlier workflow code (already-mapped actions in its recorded input) may be retried on this code.
 */
import pino from 'pino';
import type { MockAgent } from 'undici';
import { createActivities } from '../../src/activities';
import { notificationActions } from '../../src/activities/notification-actions';
import type { DeliverToDesktopInput } from '../../src/activities/types';
import { API, makeClient, mockTokens, newMockAgent } from '../genesys/helpers';
import { deliverToDesktopInput } from './helpers';

const PATH = '/api/v2/desktop/notifications';

/** Actions as the alert has them: an id or none, metadata or none. */
const given: DeliverToDesktopInput['actions'] = [
  { label: 'Open Case', actionType: 'openUrl', url: 'https://crm.example.com/cases/TXN-88921' },
  { id: 'ack', label: 'Acknowledge', actionType: 'callback', metadata: { transactionId: 'TXN-88921' } },
  { label: 'Escalate', actionType: 'callback' },
];

/** The same actions as the earlier workflow code mapped them into the send's input. */
const mappedByEarlierWorkflow = [
  { id: '0', label: 'Open Case', actionType: 'openUrl', url: 'https://crm.example.com/cases/TXN-88921' },
  {
    id: 'ack',
    label: 'Acknowledge',
    actionType: 'callback',
    metadata: { transactionId: 'TXN-88921', desktopAlertId: 'alert-k1', desktopCorrelationId: 'corr-1' },
  },
  {
    id: '2',
    label: 'Escalate',
    actionType: 'callback',
    metadata: { desktopAlertId: 'alert-k1', desktopCorrelationId: 'corr-1' },
  },
] as DeliverToDesktopInput['actions'];

/** The actions of the POST body, as the earlier code sent them (ids, callbackUrl, routing keys last). */
const SENT_ACTIONS =
  '[{"id":"0","label":"Open Case","actionType":"openUrl","url":"https://crm.example.com/cases/TXN-88921"},' +
  '{"id":"ack","label":"Acknowledge","actionType":"callback","callbackUrl":"http://127.0.0.1:9/webhooks/desktop-callback",' +
  '"metadata":{"transactionId":"TXN-88921","desktopAlertId":"alert-k1","desktopCorrelationId":"corr-1"}},' +
  '{"id":"2","label":"Escalate","actionType":"callback","callbackUrl":"http://127.0.0.1:9/webhooks/desktop-callback",' +
  '"metadata":{"desktopAlertId":"alert-k1","desktopCorrelationId":"corr-1"}}]';

test("the alert's actions as given: ids, callbackUrl and routing keys added", () => {
  expect(JSON.stringify(notificationActions(deliverToDesktopInput({ actions: given })))).toBe(SENT_ACTIONS);
});

test('actions the earlier workflow had mapped come out the same, key for key (idempotent)', () => {
  expect(
    JSON.stringify(notificationActions(deliverToDesktopInput({ actions: mappedByEarlierWorkflow }))),
  ).toBe(SENT_ACTIONS);
});

describe('the POST body Genesys receives (MockAgent)', () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = newMockAgent();
    mockTokens(agent);
  });
  afterEach(async () => {
    await agent.close();
  });

  const sentBody = async (actions: DeliverToDesktopInput['actions']): Promise<string> => {
    agent
      .get(API)
      .intercept({ path: '/api/v2/users/presences/purecloud/bulk?id=u-1', method: 'GET' })
      .reply(200, [{ userId: 'u-1', presenceDefinition: { id: 'p', systemPresence: 'AVAILABLE' } }]);
    let body = '';
    agent
      .get(API)
      .intercept({ path: PATH, method: 'POST', body: (b) => ((body = b), true) })
      .reply(200, { id: 'n-1', status: 'sent' });
    const activities = createActivities({ genesys: makeClient(agent), logger: pino({ level: 'silent' }) });
    await expect(activities.deliverToDesktop(deliverToDesktopInput({ actions }))).resolves.toMatchObject({
      outcome: 'sent',
    });
    return body;
  };

  test('is byte for byte the same for actions as given and for actions the earlier workflow mapped', async () => {
    const fromGiven = await sentBody(given);
    expect(fromGiven).toContain(`"actions":${SENT_ACTIONS}`);
    expect(await sentBody(mappedByEarlierWorkflow)).toBe(fromGiven);
  });
});
