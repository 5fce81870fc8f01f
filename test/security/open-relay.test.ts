/**
 * No open relay (issue 14 item 3): a caller cannot make the service mail an address of its choosing (fallback.email
 * only at a FALLBACK_EMAIL_ALLOWED_DOMAINS domain; without one the agent's own address), the ingress refuses to
 * start without an openUrl allow-list, and the fallback webhook is signed with its own key, not the downstream one.
 */
import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import type { FallbackInput } from '../../src/activities/types';
import { buildAlertInput } from '../../src/alerts/build-input';
import { checkIngressConfig } from '../../src/api/app';
import { checkWorkerConfig, loadConfig } from '../../src/config';
import type { GenesysClient } from '../../src/genesys/types';
import { outboundDeps } from '../../src/service/workers';
import { verifyWebhook, type WebhookHeaders } from '../../src/shared/standard-webhooks';
import { startSink } from '../helpers/sink';
import { API_KEY, alertBody, testConfig } from '../api/helpers';
import { startAppServer, type AppServer } from './app-server';
import { OFFLINE, startE2E, waitForAlert, type E2E } from './e2e';

jest.setTimeout(60_000);

const silent = pino({ level: 'silent' });
const SMTP_CONFIGURED = { smtpUrl: 'smtp://127.0.0.1:9' };

let n = 0;
async function post(h: AppServer, body: Record<string, unknown>) {
  const res = await fetch(`${h.url}/v1/alerts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ idempotencyKey: `relay-${process.pid}-${Date.now()}-${n++}`, ...body }),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    json: (await res.json()) as { errors?: Array<{ field: string; message: string }> },
  };
}
const withEmail = (email: string) => alertBody({ fallback: { channels: ['email'], email } });

describe('fallback.email with FALLBACK_EMAIL_ALLOWED_DOMAINS set', () => {
  const config = testConfig({
    fallback: { ...SMTP_CONFIGURED, emailAllowedDomains: ['example.com', '*.corp.example'] },
  });
  let h: AppServer;
  beforeAll(async () => {
    h = await startAppServer(config);
  });
  afterAll(async () => {
    await h?.close();
  });

  test.each([['supervisor@example.com'], ['Supervisor@EXAMPLE.COM'], ['team@eu.corp.example']])(
    '%s is at an allowed domain: accepted, and the input carries it',
    (email) => {
      const built = buildAlertInput(withEmail(email), { config, correlationId: 'c-1' });
      expect(built.ok && built.input.fallback).toEqual({ channels: ['email'], email });
    },
  );

  test.each([
    ['victim@evil.example', 'another domain'],
    ['x@sub.example.com', 'a subdomain of an exact entry (exact match)'],
    ['x@corp.example', 'the apex of a *. entry'],
    ['x@example.com.evil.example', 'a suffix trick'],
  ])('%s (%s): 400 naming fallback.email', async (email) => {
    const r = await post(h, withEmail(email));
    expect(r.status).toBe(400);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.json.errors).toEqual([
      {
        field: 'fallback.email',
        message: 'domain is not on the allow-list (FALLBACK_EMAIL_ALLOWED_DOMAINS)',
      },
    ]);
  });
});

describe('fallback.email with FALLBACK_EMAIL_ALLOWED_DOMAINS unset', () => {
  const config = testConfig({ fallback: SMTP_CONFIGURED });
  let h: AppServer;
  beforeAll(async () => {
    h = await startAppServer(config);
  });
  afterAll(async () => {
    await h?.close();
  });

  test('any caller-chosen fallback.email is refused', async () => {
    const r = await post(h, withEmail('supervisor@example.com'));
    expect(r.status).toBe(400);
    expect(r.json.errors?.map((e) => e.field)).toEqual(['fallback.email']);
  });

  test('without fallback.email the alert is accepted, and its input names no recipient', () => {
    const built = buildAlertInput(alertBody({ fallback: { channels: ['email'] } }), {
      config,
      correlationId: 'c-1',
    });
    expect(built.ok && built.input.fallback).toEqual({ channels: ['email'] });
  });

  test('the config parses the variable: lower-cased, and nonsense refused', () => {
    expect(loadConfig({}).fallback.emailAllowedDomains).toEqual([]);
    expect(
      loadConfig({ FALLBACK_EMAIL_ALLOWED_DOMAINS: ' Example.COM , *.Corp.example' }).fallback
        .emailAllowedDomains,
    ).toEqual(['example.com', '*.corp.example']);
    expect(() => loadConfig({ FALLBACK_EMAIL_ALLOWED_DOMAINS: '*' })).toThrow(
      /FALLBACK_EMAIL_ALLOWED_DOMAINS/,
    );
    expect(() => loadConfig({ FALLBACK_EMAIL_ALLOWED_DOMAINS: 'a@b.com' })).toThrow(
      /FALLBACK_EMAIL_ALLOWED_DOMAINS/,
    );
  });
});

/** What the workflow hands a fallback activity for agent u-1, who has no fallback.email of the caller's. */
const fallbackInput = (): FallbackInput => ({
  alertId: 'alert-1',
  correlationId: 'c-1',
  reason: 'agent_offline',
  title: 'T',
  message: 'M',
  type: 'warning',
  priority: 'normal',
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
  source: 'api',
  metadata: {},
  agent: { userId: 'u-1', email: 'jordan.smith@example.com' },
  target: { userId: 'u-1' },
  actions: [],
});

/** The smallest SMTP server nodemailer talks to: it records each RCPT TO. */
async function startSmtp(): Promise<{ url: string; recipients: string[]; close(): Promise<void> }> {
  const recipients: string[] = [];
  const server = net.createServer((socket) => {
    let inData = false;
    let buffer = '';
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 queued\r\n');
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 test\r\n');
        else if (verb === 'RCPT') {
          recipients.push(/<([^>]*)>/.exec(line)?.[1] ?? line);
          socket.write('250 ok\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    recipients,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test("by default the fallback email goes to the agent's own address", async () => {
  const smtp = await startSmtp();
  try {
    const activities = createActivities({
      genesys: {} as GenesysClient,
      logger: silent,
      fallback: { smtpUrl: smtp.url, smtpFrom: 'alerts@test' },
    });
    expect(await activities.sendFallbackEmail(fallbackInput())).toEqual({
      outcome: 'delivered',
      detail: 'email',
    });
    expect(smtp.recipients).toEqual(['jordan.smith@example.com']);
  } finally {
    await smtp.close();
  }
});

describe('start-up', () => {
  test('ACTION_URL_ALLOWED_HOSTS is required in production, not in development', () => {
    const config = testConfig({ ingress: { actionUrlAllowedHosts: [] } });
    expect(checkIngressConfig(config)).toEqual([
      expect.stringMatching(/^ACTION_URL_ALLOWED_HOSTS: required/),
    ]);
    expect(checkIngressConfig(config, true)).toEqual([]);
    expect(checkIngressConfig(testConfig())).toEqual([]);
  });

  test('FALLBACK_WEBHOOK_URL without FALLBACK_WEBHOOK_SIGNING_SECRET is a worker start-up problem', () => {
    const url = 'https://queue.example.com/fallback';
    const secret = whsec(7);
    expect(checkWorkerConfig(loadConfig({ FALLBACK_WEBHOOK_URL: url }))).toEqual([
      expect.stringMatching(/^FALLBACK_WEBHOOK_SIGNING_SECRET: required/),
    ]);
    expect(
      checkWorkerConfig(loadConfig({ FALLBACK_WEBHOOK_URL: url, FALLBACK_WEBHOOK_SIGNING_SECRET: secret })),
    ).toEqual([]);
    expect(checkWorkerConfig(loadConfig({}))).toEqual([]);
    // The same whsec_ rules as the other signing secrets.
    expect(() => loadConfig({ FALLBACK_WEBHOOK_SIGNING_SECRET: 'whsec_================' })).toThrow(
      /FALLBACK_WEBHOOK_SIGNING_SECRET/,
    );
  });
});

const whsec = (fill: number) => `whsec_${Buffer.alloc(32, fill).toString('base64')}`;
const webhookHeadersOf = (h: IncomingHttpHeaders): WebhookHeaders => ({
  'webhook-id': h['webhook-id'],
  'webhook-timestamp': h['webhook-timestamp'],
  'webhook-signature': h['webhook-signature'],
});

test('the workers sign the fallback webhook with FALLBACK_WEBHOOK_SIGNING_SECRET, not the downstream secret', async () => {
  const sink = await startSink();
  try {
    const fallbackSecret = whsec(1);
    const downstreamSecret = whsec(2);
    const config = testConfig({
      fallback: { webhookUrl: `${sink.url}/fallback`, webhookSigningSecret: fallbackSecret },
    });
    const activities = createActivities({
      genesys: {} as GenesysClient,
      logger: silent,
      ...outboundDeps({
        ...config,
        downstream: { webhookUrl: `${sink.url}/downstream`, signingSecret: downstreamSecret },
      }),
    });
    expect(await activities.sendFallbackWebhook(fallbackInput())).toMatchObject({ outcome: 'delivered' });
    const req = sink.requests[0]!;
    expect(verifyWebhook(fallbackSecret, webhookHeadersOf(req.headers), req.body)).toMatchObject({
      ok: true,
    });
    expect(verifyWebhook(downstreamSecret, webhookHeadersOf(req.headers), req.body)).toEqual({
      ok: false,
      reason: 'no_matching_signature',
    });
  } finally {
    await sink.close();
  }
});

// Needs the Temporal dev server of test/global-setup.ts: the same through the real workers and workflow.
describe('the fallback webhook (whole service)', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E({ logger: silent });
  });
  afterAll(async () => {
    await e?.close();
  });

  test('is signed with FALLBACK_WEBHOOK_SIGNING_SECRET, not the downstream secret', async () => {
    const r = await e.api('/v1/alerts', {
      idempotencyKey: `relay-fb-${process.pid}-${Date.now()}`,
      target: { userId: OFFLINE.id },
      title: 'T',
      message: 'M',
      type: 'warning',
      actions: [],
    });
    expect(r.status).toBe(202);
    await waitForAlert(e, String(r.json.alertId), (s) => s.status === 'fallback_delivered');
    const req = e.fallback.requests.at(-1)!;
    const headers = webhookHeadersOf(req.headers);
    expect(verifyWebhook(e.secrets.fallbackSecret, headers, req.body)).toMatchObject({ ok: true });
    expect(verifyWebhook(e.secrets.downstreamSecret, headers, req.body)).toEqual({
      ok: false,
      reason: 'no_matching_signature',
    });
  });
});
