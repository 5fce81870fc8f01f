/**
 * Secrets never reach a log line. One full run (ingress, relay, worker, Genesys client, emulator) logs
 * at trace level into a captured pino stream while it: sends an alert, the agent clicks, the callback
 * comes back signed, the action goes downstream (signed); an alert falls back (signed webhook); every
 * token is revoked so the client meets a 401 and refreshes; a caller tries a bad API key. Then the
 * captured text is searched for every secret and for every bearer token the emulator issued.
 */
import { createLogger } from '../../src/observability/logger';
import { installTemporalRuntimeLogger } from '../../src/observability/temporal-runtime';
import { AVAILABLE, OFFLINE, startE2E, waitForAlert, type E2E } from './e2e';

jest.setTimeout(60_000);

const lines: string[] = [];
const logger = createLogger({
  level: 'trace',
  name: 'secrets-test',
  destination: { write: (s: string) => void lines.push(s) },
});
let e: E2E;

beforeAll(async () => {
  installTemporalRuntimeLogger(logger, 'TRACE');
  e = await startE2E({ logger });
});
afterAll(async () => {
  await e?.close();
});

const alert = (key: string, userId: string) => ({
  idempotencyKey: key,
  target: { userId },
  title: 'Compliance Review Required',
  message: 'Customer interaction flagged for secondary verification.',
  type: 'warning',
  actions: [
    { id: 'open', label: 'Open Case', actionType: 'openUrl', url: 'https://crm.example.com/cases/1' },
    { id: 'ack', label: 'Acknowledge', actionType: 'callback', metadata: { transactionId: 'TXN-1' } },
  ],
});

test('a full run with clicks, callbacks, fallback, 401 refresh and a bad API key logs no secret', async () => {
  const key = `sec-${Date.now().toString(36)}`;
  // 1. An alert to an available agent; the agent clicks; the callback is applied and forwarded.
  const a = await e.api('/v1/alerts', alert(`${key}-a`, AVAILABLE.id));
  expect(a.status).toBe(202);
  const sent = await waitForAlert(e, String(a.json.alertId), (s) => s.status === 'awaiting_action');
  const click = e.emulator.control.click(String(sent.notificationId), { actionId: 'ack' });
  await e.emulator.control.waitForCallback(click.delivery!.id, 10_000);
  await waitForAlert(
    e,
    String(a.json.alertId),
    (s) =>
      s.status === 'actioned' && (s.actions as Array<{ downstream: string }>)[0]?.downstream === 'delivered',
  );
  expect(e.downstream.requests).toHaveLength(1);
  expect(e.downstream.requests[0]!.headers['webhook-signature']).toMatch(/^v1,/);

  // 2. An alert to an offline agent goes to the (signed) fallback webhook.
  const b = await e.api('/v1/alerts', alert(`${key}-b`, OFFLINE.id));
  expect(b.status).toBe(202);
  await waitForAlert(e, String(b.json.alertId), (s) => s.status === 'fallback_delivered');
  expect(e.fallback.requests[0]!.headers['webhook-signature']).toMatch(/^v1,/);

  // 3. Every token is revoked: the next call meets a 401, the client gets a new token and retries.
  const tokensBefore = e.issuedTokens.length;
  expect(e.emulator.control.revokeTokens()).toBeGreaterThan(0);
  const c = await e.api('/v1/alerts', alert(`${key}-c`, AVAILABLE.id));
  expect(c.status).toBe(202);
  await waitForAlert(e, String(c.json.alertId), (s) => s.status === 'awaiting_action');
  expect(e.issuedTokens.length).toBeGreaterThan(tokensBefore);
  expect(e.emulator.control.listRequests({ status: 401 }).length).toBeGreaterThan(0);

  // 4. A caller with a wrong key (that looks like a real one), and one with a key in the wrong place.
  const badKey = `ak-${'f'.repeat(40)}`;
  expect((await e.api('/v1/alerts', alert(`${key}-d`, AVAILABLE.id), badKey)).status).toBe(401);
  const wrongPlace = await fetch(`${e.ingress.url}/v1/alerts?api_key=${e.secrets.apiKeys[1]}`, {
    method: 'POST',
    headers: { 'x-api-key': e.secrets.apiKeys[1]! },
  });
  expect(wrongPlace.status).toBe(401);

  await new Promise((r) => setTimeout(r, 300)); // let the last lines flush
  const text = lines.join('');

  // The capture really saw the run (so an empty search would not pass by accident).
  for (const marker of [
    'notification sent',
    'callback applied',
    'action forwarded downstream',
    'fallback webhook delivered',
    '"status":401',
    'http request',
  ]) {
    expect(text).toContain(marker);
  }
  expect(lines.length).toBeGreaterThan(20);

  const { secrets } = e;
  const forbidden: Array<[string, string]> = [
    ['client secret', secrets.clientSecret],
    [
      'client id:secret as Basic auth',
      Buffer.from(`${secrets.clientId}:${secrets.clientSecret}`).toString('base64'),
    ],
    ['callback signing secret', secrets.signingSecret],
    ['callback signing key', secrets.signingSecret.slice('whsec_'.length)],
    ['downstream signing secret', secrets.downstreamSecret],
    ['downstream signing key', secrets.downstreamSecret.slice('whsec_'.length)],
    ['fallback signing secret', secrets.fallbackSecret],
    ['fallback signing key', secrets.fallbackSecret.slice('whsec_'.length)],
    ['API key 1', secrets.apiKeys[0]!],
    ['API key 2', secrets.apiKeys[1]!],
    ['rejected API key', badKey],
  ];
  expect(e.issuedTokens.length).toBeGreaterThanOrEqual(2);
  e.issuedTokens.forEach((t, i) => forbidden.push([`bearer token #${i + 1}`, t]));
  const leaks = forbidden.filter(([, value]) => text.includes(value)).map(([name]) => name);
  expect(leaks).toEqual([]);
});
