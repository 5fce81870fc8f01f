/**
 * Issue 14 item 2, "Nothing readable in Temporal but the search attributes". A full stack with TEMPORAL_PAYLOAD_KEYS
 * runs real alerts to an agent given by email: one is shown and its callback action clicked (forwarded
 * downstream), one falls back to the webhook (the agent is offline). Then each run's raw history is read with a
 * plain Client (no codec) and searched, every string and every base64 field decoded too, for the title, the
 * message and the email: none may appear, while the search attributes stay readable. The codec endpoint decodes
 * those payloads for an API key, answers 401 without one, and its CORS preflight answers the configured origin.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { AesGcmCodec, ENCODING, dataConverterFor } from '../../src/codec';
import type { PayloadKey } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import { cli } from '../cli/helpers';
import { eventually } from '../helpers/eventually';
import { testTemporalAddress } from '../helpers/temporal';
import { AVAILABLE, OFFLINE, startE2E, waitForAlert, type E2E } from './e2e';

jest.setTimeout(90_000);

const UI_ORIGIN = 'http://temporal-ui.test:8233';
const keys: PayloadKey[] = [
  { id: 'k-new', key: randomBytes(32) },
  { id: 'k-old', key: randomBytes(32) },
];
const logger = createLogger({ level: 'silent', name: 'payload-encryption-test' });
let e: E2E;
let plainConnection: Connection;
let plain: Client;
let withCodec: Client;

beforeAll(async () => {
  e = await startE2E({ logger, payloadKeys: keys, codecCorsOrigins: [UI_ORIGIN] });
  plainConnection = await Connection.connect({ address: testTemporalAddress() });
  plain = new Client({ connection: plainConnection, namespace: 'default' });
  withCodec = new Client({
    connection: plainConnection,
    namespace: 'default',
    dataConverter: dataConverterFor({ payloadKeys: keys }),
  });
});
afterAll(async () => {
  await plainConnection?.close();
  await e?.close();
});

const tag = randomBytes(6).toString('hex');
const TITLE = `Zebra-title-${tag}`;
const MESSAGE = `Narwhal message body ${tag} for secondary verification`;

const alert = (key: string, email: string) => ({
  idempotencyKey: key,
  target: { email },
  title: TITLE,
  message: MESSAGE,
  type: 'warning',
  metadata: { transactionId: `TXN-${tag}` }, // a search attribute: readable by design
  actions: [
    { id: 'open', label: 'Open Case', actionType: 'openUrl', url: 'https://crm.example.com/cases/1' },
    { id: 'ack', label: 'Acknowledge', actionType: 'callback', metadata: { transactionId: `TXN-${tag}` } },
  ],
});

/** Every string of the history as protobuf JSON, each also base64-decoded (payload data, metadata, ...). */
async function historyText(
  workflowId: string,
): Promise<{ text: string; payloads: temporal.api.common.v1.IPayload[] }> {
  const history = await plain.workflow.getHandle(workflowId).fetchHistory();
  const obj = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), {
    bytes: String,
    longs: String,
    enums: String,
    defaults: false,
  });
  const parts: string[] = [JSON.stringify(obj)];
  const payloads: temporal.api.common.v1.IPayload[] = [];
  const walk = (n: unknown): void => {
    if (typeof n === 'string') {
      parts.push(n);
      if (/^[A-Za-z0-9+/]+={0,2}$/.test(n) && n.length >= 4) {
        const raw = Buffer.from(n, 'base64');
        parts.push(raw.toString('utf8'), raw.toString('latin1'));
      }
    } else if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (typeof o.data === 'string' && o.metadata && typeof o.metadata === 'object') {
        payloads.push({
          metadata: Object.fromEntries(
            Object.entries(o.metadata as Record<string, string>).map(([k, v]) => [
              k,
              Buffer.from(v, 'base64'),
            ]),
          ),
          data: Buffer.from(o.data, 'base64'),
        });
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(obj);
  return { text: parts.join('\n'), payloads };
}

test('nothing readable in the raw history but the search attributes; operators decode through /codec', async () => {
  const key = `enc-${tag}`;
  // 1. To an available agent by email: shown, the callback action clicked and forwarded downstream.
  const a = await e.api('/v1/alerts', alert(`${key}-a`, AVAILABLE.email));
  expect(a.status).toBe(202);
  const shownId = String(a.json.alertId);
  const sent = await waitForAlert(e, shownId, (s) => s.status === 'awaiting_action');
  const click = e.emulator.control.click(String(sent.notificationId), { actionId: 'ack' });
  await e.emulator.control.waitForCallback(click.delivery!.id, 10_000);
  const done = await waitForAlert(
    e,
    shownId,
    (s) =>
      s.status === 'actioned' && (s.actions as Array<{ downstream: string }>)[0]?.downstream === 'delivered',
  );
  // The service itself reads everything back (its client has the codec).
  expect(done).toMatchObject({ target: { email: AVAILABLE.email } });
  expect(e.downstream.requests).toHaveLength(1);

  // 2. To an offline agent by email: the fallback webhook gets it.
  const b = await e.api('/v1/alerts', alert(`${key}-b`, OFFLINE.email));
  expect(b.status).toBe(202);
  const fallbackId = String(b.json.alertId);
  await waitForAlert(e, fallbackId, (s) => s.status === 'fallback_delivered');
  expect(e.fallback.requests.some((r) => r.body.includes(TITLE))).toBe(true);

  const codec = new AesGcmCodec(keys);
  for (const [id, email, agentId] of [
    [shownId, AVAILABLE.email, AVAILABLE.id],
    [fallbackId, OFFLINE.email, OFFLINE.id],
  ] as const) {
    const { text, payloads } = await historyText(id);
    // The search was real: the history has encrypted payloads, and decrypted they hold the alert.
    const encrypted = payloads.filter((p) => Buffer.from(p.metadata?.encoding ?? []).toString() === ENCODING);
    expect(encrypted.length).toBeGreaterThan(3);
    const decrypted = (await codec.decode(encrypted.map((p) => ({ metadata: p.metadata!, data: p.data! }))))
      .map((p) => Buffer.from(p.data ?? []).toString('utf8'))
      .join('\n');
    expect(decrypted).toContain(TITLE);
    expect(decrypted).toContain(email);
    // Nothing of it in the clear.
    const leaks = [
      ['title', TITLE],
      ['message', MESSAGE],
      ['email', email],
    ].filter(([, v]) => text.includes(v!));
    expect(leaks).toEqual([]);
    // The search attributes stay readable without the codec (raw describe: a plain Client's describe() would
    // decode the memo, which it cannot); the agent is its user id, never the email.
    const raw = await plain.workflowService.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: id },
    });
    const attrs = Object.fromEntries(
      Object.entries(raw.workflowExecutionInfo?.searchAttributes?.indexedFields ?? {}).map(([k, p]) => [
        k,
        JSON.parse(Buffer.from(p.data ?? []).toString('utf8')) as unknown,
      ]),
    );
    expect(attrs).toMatchObject({ AlertAgent: agentId, AlertType: 'warning', AlertSource: 'key-1' }); // the API key's name (a plain key)
    expect(['actioned', 'fallback_delivered']).toContain(attrs.AlertStatus);
    // The summary goes through the codec too (the SDK encodes user metadata); decoded, it names no one.
    const desc = await withCodec.workflow.getHandle(id).describe();
    await expect(desc.staticSummary()).resolves.toBe('warning alert (normal) to an agent by email');
  }

  // The CLI's list decodes each run's memo: with the service's keys it reads encrypted runs.
  const cliEnv = {
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_PAYLOAD_KEYS: keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
  };
  const listed = await eventually(async () => {
    const r = await cli(['list', '--transaction-id', `TXN-${tag}`, '--json'], cliEnv);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ alertId: string; agent: string }>;
    return rows.length === 2 ? rows : undefined;
  });
  expect(listed.map((r) => r.alertId).sort()).toEqual([shownId, fallbackId].sort());
  expect(
    (await cli(['list', '--transaction-id', `TXN-${tag}`], { ...cliEnv, TEMPORAL_PAYLOAD_KEYS: 'k:x' }))
      .stderr,
  ).toMatch(/TEMPORAL_PAYLOAD_KEYS: entry 1 \(key id k\)/);

  // 3. The codec endpoint (Temporal's codec server protocol): decodes for a key, 401 without, CORS for the UI.
  const { payloads } = await historyText(shownId);
  const one = payloads.find((p) => Buffer.from(p.metadata?.encoding ?? []).toString() === ENCODING)!;
  const body = {
    payloads: [
      {
        metadata: Object.fromEntries(
          Object.entries(one.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
        ),
        data: Buffer.from(one.data!).toString('base64'),
      },
    ],
  };
  const post = (path: string, auth?: string) =>
    fetch(`${e.ingress.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-namespace': 'default',
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      },
      body: JSON.stringify(body),
    });
  const decoded = await post('/codec/decode', e.secrets.apiKeys[0]);
  expect(decoded.status).toBe(200);
  const out = (await decoded.json()) as {
    payloads: Array<{ metadata: Record<string, string>; data: string }>;
  };
  expect(out.payloads).toHaveLength(1);
  expect(Buffer.from(out.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
  expect(Buffer.from(out.payloads[0]!.data, 'base64').toString()).toMatch(/alert|TXN|warning|Zebra/);
  // Encode answers the same shape, and the result decodes back.
  const encoded = await fetch(`${e.ingress.url}/codec/encode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${e.secrets.apiKeys[0]}` },
    body: JSON.stringify(out),
  });
  expect(encoded.status).toBe(200);
  const reEncoded = (await encoded.json()) as typeof out;
  expect(Buffer.from(reEncoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCODING);

  expect((await post('/codec/decode')).status).toBe(401);
  expect((await post('/codec/decode', `ak-${'f'.repeat(40)}`)).status).toBe(401);

  const preflight = (origin: string) =>
    fetch(`${e.ingress.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });
  const ok = await preflight(UI_ORIGIN);
  expect(ok.status).toBe(204);
  expect(ok.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
  expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toEqual(
    expect.stringContaining('authorization'),
  );
  expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
  const other = await preflight('https://evil.example.com');
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
});
