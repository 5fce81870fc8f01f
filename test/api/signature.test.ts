/** Our Standard Webhooks verifier, proven against the reference `standardwebhooks` package both ways. */
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { signWebhook, verifyWebhook, webhookHeaders } from '../../src/shared/standard-webhooks';
import { SIGNING_SECRET } from './helpers';

const ref = new Webhook(SIGNING_SECRET);
const body = JSON.stringify({
  notificationId: 'n-1',
  userId: 'u-1',
  actionId: 'ack',
  timestamp: '2026-11-29T14:32:11Z',
});

describe('Standard Webhooks signatures', () => {
  test('signed by the standardwebhooks package -> verified by ours', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\s]/.test(s)),
        fc.string({ maxLength: 500 }),
        (id, payload) => {
          const now = new Date();
          const headers = {
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': ref.sign(id, now, payload),
          };
          expect(verifyWebhook(SIGNING_SECRET, headers, Buffer.from(payload, 'utf8'))).toMatchObject({
            ok: true,
            id,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  test('signed by ours -> verified by the standardwebhooks package', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\s]/.test(s)),
        fc.string({ maxLength: 500 }),
        (id, payload) => {
          const headers = webhookHeaders(SIGNING_SECRET, id, payload);
          expect(() => ref.verify(payload, headers, { jsonParse: false })).not.toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });

  test('signs the bytes that arrived, where the reference package signs their UTF-8 reading', () => {
    // Why src/shared/standard-webhooks.ts does not call the package at run time (see its header).
    const raw = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"\xff\xfe"}
    const now = new Date();
    const ts = Math.floor(now.getTime() / 1000);
    const ours = signWebhook(SIGNING_SECRET, 'msg_raw', ts, raw);
    expect(
      verifyWebhook(
        SIGNING_SECRET,
        { 'webhook-id': 'msg_raw', 'webhook-timestamp': String(ts), 'webhook-signature': ours },
        raw,
      ),
    ).toMatchObject({ ok: true });
    expect(ref.sign('msg_raw', now, raw)).not.toBe(ours);
  });

  test('identical signature strings for the same message', () => {
    const now = new Date('2026-11-29T14:32:11Z');
    expect(signWebhook(SIGNING_SECRET, 'msg_1', Math.floor(now.getTime() / 1000), body)).toBe(
      ref.sign('msg_1', now, body),
    );
  });

  test('accepts any matching entry among several (key rotation)', () => {
    const h = webhookHeaders(SIGNING_SECRET, 'msg_2', body);
    const other = webhookHeaders(
      'whsec_' + Buffer.from('another-secret-0123456789').toString('base64'),
      'msg_2',
      body,
    );
    const multi = {
      ...h,
      'webhook-signature': `v1a,ignored ${other['webhook-signature']} ${h['webhook-signature']}`,
    };
    expect(verifyWebhook(SIGNING_SECRET, multi, body).ok).toBe(true);
    expect(
      verifyWebhook(SIGNING_SECRET, { ...h, 'webhook-signature': other['webhook-signature'] }, body),
    ).toEqual({ ok: false, reason: 'no_matching_signature' });
  });

  test('rejects tampered bodies, ids and timestamps, wrong versions, missing headers', () => {
    const h = webhookHeaders(SIGNING_SECRET, 'msg_3', body);
    expect(verifyWebhook(SIGNING_SECRET, h, body.replace('ack', 'ACK'))).toEqual({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect(verifyWebhook(SIGNING_SECRET, { ...h, 'webhook-id': 'msg_4' }, body).ok).toBe(false);
    expect(
      verifyWebhook(
        SIGNING_SECRET,
        { ...h, 'webhook-timestamp': String(Number(h['webhook-timestamp']) + 1) },
        body,
      ).ok,
    ).toBe(false);
    expect(
      verifyWebhook(
        SIGNING_SECRET,
        { ...h, 'webhook-signature': h['webhook-signature']!.replace('v1,', 'v2,') },
        body,
      ).ok,
    ).toBe(false);
    for (const k of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [k]: _gone, ...rest } = h;
      expect(verifyWebhook(SIGNING_SECRET, rest, body)).toEqual({ ok: false, reason: 'missing_headers' });
    }
    expect(verifyWebhook(SIGNING_SECRET, { ...h, 'webhook-timestamp': '12e3' }, body)).toEqual({
      ok: false,
      reason: 'invalid_timestamp',
    });
  });

  test('timestamps more than 5 minutes off either way are refused, like the reference library', () => {
    // The reference library reads the clock itself, in whole seconds. Pinned, so that both judge the same instant:
    // with the real clock, a second boundary crossed between `now` and its check made +301 s look like +300 s,
    // which it accepts (a CI failure).
    const now = new Date();
    jest.useFakeTimers({ now });
    try {
      for (const offset of [-301, 301, -3600, 86_400]) {
        const then = new Date(now.getTime() + offset * 1000);
        const h = webhookHeaders(SIGNING_SECRET, 'msg_5', body, then);
        expect(verifyWebhook(SIGNING_SECRET, h, body, now)).toEqual({
          ok: false,
          reason: 'timestamp_out_of_tolerance',
        });
        expect(() => ref.verify(body, h)).toThrow();
      }
      for (const offset of [-299, 0, 299]) {
        const h = webhookHeaders(SIGNING_SECRET, 'msg_6', body, new Date(now.getTime() + offset * 1000));
        expect(verifyWebhook(SIGNING_SECRET, h, body, now).ok).toBe(true);
        expect(() => ref.verify(body, h)).not.toThrow();
      }
    } finally {
      jest.useRealTimers();
    }
  });

  test('random garbage never verifies', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (id, sig, payload) => {
        const h = {
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': sig,
        };
        expect(verifyWebhook(SIGNING_SECRET, h, payload).ok).toBe(false);
      }),
    );
  });
});
