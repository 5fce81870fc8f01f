/**
 * Property: POST /webhooks/desktop-callback with a *valid* signature over any body is answered 202/200
 * when the body is a valid callback and 400 (kept as a dead letter, with its reason) otherwise; with
 * hostile signature headers it is refused with 401 and nothing is stored. Never a 5xx, never
 * Object.prototype pollution. (How fast the answers come is the bench's job: bench/, `callbacks`.)
 */
import fc from 'fast-check';
import { propertyTimeLimit } from './budget';
import { DesktopCallbackSchema } from '../../src/shared/schemas';
import { CALLBACK_BODY_LIMIT_BYTES } from '../../src/api/routes/callbacks';
import { signed, SIGNING_SECRET } from '../api/helpers';
import { webhookHeaders } from '../../src/shared/standard-webhooks';
import { startIngressHarness, stored, type IngressHarness } from '../security/harness';
import {
  assertNotPolluted,
  hostileBody,
  hostileString,
  nested,
  prototypeSnapshot,
  tree,
  toJson,
} from '../security/hostile';

jest.setTimeout(60_000);

/** Header values travel as printable ASCII (fetch refuses control characters before sending). */
const printable = (s: string) =>
  [...s].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f).join('');

let h: IngressHarness;
beforeAll(async () => {
  h = await startIngressHarness();
});
afterAll(async () => {
  await h?.close();
});

let seq = 0;
const validCallback = () => ({
  notificationId: `notif-${process.pid}-${seq++}`,
  userId: 'agent-1',
  actionId: 'ack',
  metadata: { transactionId: 'TXN-1', desktopAlertId: 'alert-does-not-exist' },
  timestamp: new Date().toISOString(),
});

async function post(body: string | Buffer, headers: Record<string, string>) {
  const res = await fetch(`${h.ingress.url}/webhooks/desktop-callback`, { method: 'POST', body, headers });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json };
}

const kindOf = (text: string): 'valid' | 'malformed_json' | 'invalid_schema' => {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'malformed_json';
  }
  return DesktopCallbackSchema.safeParse(v).success ? 'valid' : 'invalid_schema';
};

const rawBytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

test('validly signed hostile bodies: 2xx iff valid, otherwise 400 + a dead letter with its reason', async () => {
  const before = prototypeSnapshot();
  const seen = { valid: 0, malformed_json: 0, invalid_schema: 0 };
  const body = fc.oneof(
    { weight: 6, arbitrary: fc.constant(null).chain(() => hostileBody(validCallback(), ['metadata'])) },
    { weight: 1, arbitrary: rawBytes.map((b) => b.toString('latin1')) },
    { weight: 1, arbitrary: tree.map(toJson).map((t) => t.slice(0, Math.max(1, t.length - 1))) },
  );
  await fc.assert(
    fc.asyncProperty(body, async (text) => {
      const r = await post(text, signed(text));
      expect(r.status).toBeLessThan(500);
      // Over the body limit: 413 whatever the body holds, and nothing stored (fetch sends the text as UTF-8).
      if (Buffer.byteLength(text, 'utf8') > CALLBACK_BODY_LIMIT_BYTES) {
        expect(r.status).toBe(413);
        expect(r.json.deadLetterId).toBeUndefined();
        return;
      }
      const kind = kindOf(text);
      seen[kind]++;
      if (kind === 'valid') {
        expect([200, 202]).toContain(r.status);
      } else {
        expect(r.status).toBe(400);
        const id = Number(r.json.deadLetterId);
        const dead = h.ingress.inbox.get(id);
        expect(dead?.state).toBe('dead_lettered');
        expect(dead?.reason).toBe(kind);
      }
      assertNotPolluted(before);
    }),
    { numRuns: 200, plugins: [propertyTimeLimit()] },
  );
  expect(seen.invalid_schema).toBeGreaterThan(20);
  expect(seen.malformed_json).toBeGreaterThan(5);
});

test('hostile signature headers are refused with 401 and store nothing', async () => {
  const before = prototypeSnapshot();
  const headerText = fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 300 }).map(printable),
    fc.constantFrom(
      'v1,',
      'v1,===',
      'v2,abc',
      ' ',
      'v1,' + 'A'.repeat(5000),
      '__proto__',
      '-1',
      '99999999999999',
      '1e3',
      '0x10',
    ),
  );
  const headers = fc.record(
    {
      id: headerText,
      timestamp: fc.oneof(
        headerText,
        fc.integer({ min: -1e6, max: 1e6 }).map((d) => String(Math.floor(Date.now() / 1000) + d)),
      ),
      signature: fc.oneof(
        headerText,
        fc.base64String({ maxLength: 64 }).map((b) => `v1,${b}`),
      ),
      extra: fc.constantFrom(
        'x-forwarded-for',
        'content-type',
        'x-http-method-override',
        'transfer-encoding',
      ),
      extraValue: headerText,
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(headers, async (hd) => {
      const text = JSON.stringify(validCallback());
      const good = signed(text);
      const sent: Record<string, string> = { 'content-type': 'application/json' };
      // Each header missing, hostile, or (id and timestamp only) the genuine one: the signature never is.
      if (hd.id !== undefined) sent['webhook-id'] = hd.id;
      if (hd.timestamp !== undefined) sent['webhook-timestamp'] = hd.timestamp;
      else sent['webhook-timestamp'] = good['webhook-timestamp']!;
      if (hd.signature !== undefined) sent['webhook-signature'] = hd.signature;
      if (hd.extra && hd.extra !== 'transfer-encoding' && hd.extraValue !== undefined)
        sent[hd.extra] = hd.extraValue;
      const counts = stored(h);
      const r = await post(text, sent);
      expect(r.status).toBe(401);
      expect(r.json.type).toBe('/problems/invalid-signature');
      expect(stored(h)).toBe(counts); // no new row (the relay may move old ones meanwhile)
      assertNotPolluted(before);
    }),
    { numRuns: 200, plugins: [propertyTimeLimit()] },
  );
});

test('a signature is bound to the exact bytes: any change to the body is refused', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat(), hostileString, async (pos, insert) => {
      const text = JSON.stringify(validCallback());
      const headers = signed(text);
      const i = pos % text.length;
      const tampered = text.slice(0, i) + insert + text.slice(i + 1);
      fc.pre(tampered !== text);
      const r = await post(tampered, headers);
      expect(r.status).toBe(401);
    }),
    { numRuns: 100, plugins: [propertyTimeLimit()] },
  );
});

test('deeply nested metadata under a valid signature is dead-lettered, not a 500', async () => {
  // Some nesting is tolerated (the platform may echo a structured value)...
  const ok = JSON.stringify({
    ...validCallback(),
    metadata: { desktopAlertId: 'alert-x', a: JSON.parse(nested(20)) as unknown },
  });
  expect((await post(ok, signed(ok))).status).toBe(202);
  // ...stack-overflowing depth is not.
  for (const depth of [40, 5_000, 20_000]) {
    const text = `{"notificationId":"deep-${depth}-${process.pid}","userId":"u","actionId":"ack","timestamp":"${new Date().toISOString()}","metadata":{"desktopAlertId":"alert-x","a":${nested(depth, '{"__proto__":{"polluted":1}}')}}}`;
    const r = await post(text, {
      'content-type': 'application/json',
      ...webhookHeaders(SIGNING_SECRET, `msg-deep-${depth}`, text),
    });
    expect(r.status).toBe(400);
    expect(h.ingress.inbox.get(Number(r.json.deadLetterId))?.reason).toBe('invalid_schema');
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
