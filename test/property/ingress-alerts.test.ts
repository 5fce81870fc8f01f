/**
 * Property: whatever a caller POSTs to /v1/alerts (hostile strings, wrong types, deep nesting,
 * `__proto__`/`constructor`/`prototype` keys anywhere, odd Idempotency-Key headers), the ingress
 * answers 2xx exactly when the body is a valid alert, never 5xx, never pollutes Object.prototype,
 * and starts a workflow only for what it accepted (counted on the task queue, via visibility).
 */
import fc from 'fast-check';
import { propertyTimeLimit } from './budget';
import { buildAlertInput } from '../../src/alerts';
import { BODY_LIMIT_BYTES } from '../../src/api/app';
import { API_KEY } from '../api/helpers';
import { testConfig } from '../helpers/config';
import { startIngressHarness, settledWorkflowCount, type IngressHarness } from '../security/harness';
import { assertNotPolluted, hostileBody, nested, prototypeSnapshot } from '../security/hostile';

jest.setTimeout(60_000);

/** Header values travel as printable ASCII (fetch refuses control characters before sending). */
const printable = (s: string) =>
  [...s].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f).join('');

/**
 * What the server receives for a header value: HTTP drops leading and trailing whitespace (RFC 9110
 * 5.5, "field values exclude leading and trailing whitespace"; fetch normalises the same way), so the
 * oracle must judge `0`, not ` 0`.
 */
const asDelivered = (value: string) => value.replace(/^[\t ]+|[\t ]+$/g, '');

let h: IngressHarness;
beforeAll(async () => {
  // No per-key request limit: a failing property shrinks with thousands of requests a minute, and a 429 would
  // then hide the real counterexample (CI once reported a 429 for a 413). The limit has tests of its own.
  const config = testConfig();
  config.ingress.rateLimitPerMinute = 0;
  h = await startIngressHarness({ config });
});
afterAll(async () => {
  await h?.close();
});

const validAlert = () => ({
  target: { userId: 'agent-1' },
  title: 'Compliance Review Required',
  message: 'Customer interaction flagged for secondary verification.',
  type: 'warning',
  priority: 'high',
  actions: [
    { id: 'open', label: 'Open Case', actionType: 'openUrl', url: 'https://crm.example.com/cases/1' },
    { id: 'ack', label: 'Acknowledge', actionType: 'callback', metadata: { transactionId: 'TXN-1' } },
  ],
  fallback: { channels: ['webhook'] },
  policy: { requireAck: true },
  metadata: { source: 'crm', transactionId: 'TXN-1' },
});

const headerValue = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 200 }).map(printable),
  fc.constantFrom('__proto__', 'constructor', '../../etc', 'a'.repeat(129), 'ok-key-1'),
);

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.ingress.url}/v1/alerts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', json };
}

/** What the service's own rules say about a body (the oracle): valid or not. */
function shouldAccept(text: string, idempotencyKeyHeader: string | undefined): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  return buildAlertInput(parsed, { config: h.config, correlationId: 'oracle', idempotencyKeyHeader }).ok;
}

test('hostile bodies: 2xx only when valid, never 5xx or pollution, one workflow per accepted alert', async () => {
  const before = prototypeSnapshot();
  const acceptedIds = new Set<string>();
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(
      hostileBody(validAlert(), ['target', 'actions', 'metadata', 'fallback', 'policy']),
      fc.option(headerValue, { freq: 4 }),
      async (body, key) => {
        const headers: Record<string, string> = key === null ? {} : { 'idempotency-key': key };
        const r = await post(body, headers);
        expect(r.status).toBeLessThan(500);
        const ok = shouldAccept(body, key === null ? undefined : asDelivered(key));
        // Over the body limit, the answer is 413 whatever the body holds (fetch sends the text as UTF-8).
        const tooLarge = Buffer.byteLength(body, 'utf8') > BODY_LIMIT_BYTES;
        if (tooLarge) {
          expect(r.status).toBe(413);
          expect(r.type).toContain('application/problem+json');
          rejected++;
        } else if (r.status === 202 || r.status === 200) {
          expect(ok).toBe(true);
          expect(typeof r.json.alertId).toBe('string');
          acceptedIds.add(String(r.json.alertId));
        } else {
          expect(ok).toBe(false);
          expect(r.status).toBe(400);
          expect(r.type).toContain('application/problem+json');
          expect(r.json.status).toBe(400);
          rejected++;
        }
        assertNotPolluted(before);
      },
    ),
    // A counterexample CI once found: the header's leading space never reaches the server.
    { numRuns: 200, plugins: [propertyTimeLimit()], examples: [[JSON.stringify(validAlert()), ' 0']] },
  );
  // Both kinds were exercised, and the server holds exactly the accepted alerts.
  expect(rejected).toBeGreaterThan(50);
  expect(acceptedIds.size).toBeGreaterThan(0);
  expect(await settledWorkflowCount(h, acceptedIds.size)).toBe(acceptedIds.size);
});

test('pollution keys at every level are refused, not merged', async () => {
  const before = prototypeSnapshot();
  const payloads = [
    '{"__proto__":{"polluted":true},"target":{"userId":"a"},"title":"t","message":"m","type":"info"}',
    '{"constructor":{"prototype":{"polluted":true}},"target":{"userId":"a"},"title":"t","message":"m","type":"info"}',
    '{"target":{"userId":"a","__proto__":{"isAdmin":true}},"title":"t","message":"m","type":"info"}',
    '{"target":{"userId":"a"},"title":"t","message":"m","type":"info","metadata":{"__proto__":"x"}}',
    '{"target":{"userId":"a"},"title":"t","message":"m","type":"info","metadata":{"constructor":"x","prototype":"y"}}',
    '{"target":{"userId":"a"},"title":"t","message":"m","type":"info","actions":[{"label":"A","actionType":"callback","metadata":{"__proto__":{"desktopAlertId":"alert-victim"}}}]}',
    '{"target":{"userId":"a"},"title":"t","message":"m","type":"info","policy":{"__proto__":{"requireAck":true}}}',
  ];
  const n0 = await h.countWorkflows();
  for (const p of payloads) {
    const r = await post(p);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json.errors)).toMatch(
      /__proto__|constructor|prototype|reserved key|unknown field/,
    );
    assertNotPolluted(before);
  }
  expect(await settledWorkflowCount(h, n0, 1_000)).toBe(n0);
});

test('deep nesting and huge bodies: 400 or 413, never a crash', async () => {
  const deep = await post(`{"target":${nested(30_000)},"title":"t","message":"m","type":"info"}`);
  expect(deep.status).toBe(400);
  const deepMeta = await post(
    `{"target":{"userId":"a"},"title":"t","message":"m","type":"info","metadata":{"a":${nested(30_000)}}}`,
  );
  expect(deepMeta.status).toBe(400);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 64 * 1024 + 1, max: 512 * 1024 }), async (size) => {
      const r = await post(`{"title":"${'x'.repeat(size)}"}`);
      expect(r.status).toBe(413);
      expect(r.json.type).toBe('/problems/payload-too-large');
    }),
    { numRuns: 10, plugins: [propertyTimeLimit()] },
  );
  // Still serving afterwards.
  expect((await fetch(`${h.ingress.url}/healthz`)).status).toBe(200);
});
