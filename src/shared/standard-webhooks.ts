import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com) signing and verification, with node:crypto:
 * HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${raw body}`, key = base64 after `whsec_`,
 * `webhook-signature` = space-separated `v1,<base64>` entries, timestamps within 5 minutes.
 *
 * Why not the `standardwebhooks` package at run time: it is the reference, and test/api/signature.test.ts checks
 * this module against it in both directions, but it signs `payload.toString()` (a body that is not valid UTF-8 is
 * signed over replacement characters, not the bytes that arrived), hashes in pure JS, and tells why a check failed
 * only in message text, where the metrics and logs need the reason.
 */

const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = 'whsec_';

export type WebhookVerifyFailure =
  'missing_headers' | 'invalid_timestamp' | 'timestamp_out_of_tolerance' | 'no_matching_signature';

export type WebhookVerifyResult =
  { ok: true; id: string; timestamp: number } | { ok: false; reason: WebhookVerifyFailure };

export interface WebhookHeaders {
  'webhook-id'?: string | string[];
  'webhook-timestamp'?: string | string[];
  'webhook-signature'?: string | string[];
}

/** Decode a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries). */
function decodeWebhookSecret(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(b64, 'base64');
  if (key.length === 0) throw new Error('webhook secret is empty');
  return key;
}

function signatureBytes(key: Buffer, id: string, timestamp: number, body: Buffer | string): Buffer {
  const h = createHmac('sha256', key);
  h.update(`${id}.${timestamp}.`);
  h.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return h.digest();
}

/** `v1,<base64>` for one message. */
export function signWebhook(
  secret: string | Buffer,
  id: string,
  timestamp: number,
  body: Buffer | string,
): string {
  const key = typeof secret === 'string' ? decodeWebhookSecret(secret) : secret;
  return `v1,${signatureBytes(key, id, timestamp, body).toString('base64')}`;
}

/** The three headers for a signed delivery (for senders: the emulator, tests, downstream webhooks). */
export function webhookHeaders(
  secret: string,
  id: string,
  body: Buffer | string,
  now: Date = new Date(),
): Record<string, string> {
  const ts = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': signWebhook(secret, id, ts, body),
  };
}

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Verify a delivery against the raw body bytes. Every candidate signature is compared in constant
 * time; nothing about the expected value leaks through the result.
 */
export function verifyWebhook(
  secret: string | Buffer,
  headers: WebhookHeaders,
  rawBody: Buffer | string,
  now: Date = new Date(),
): WebhookVerifyResult {
  const id = single(headers['webhook-id']);
  const tsHeader = single(headers['webhook-timestamp']);
  const sigHeader = single(headers['webhook-signature']);
  if (!id || !tsHeader || !sigHeader || id.length > 256 || sigHeader.length > 4096)
    return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(tsHeader)) return { ok: false, reason: 'invalid_timestamp' };
  const timestamp = Number(tsHeader);
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'timestamp_out_of_tolerance' };
  }
  const key = typeof secret === 'string' ? decodeWebhookSecret(secret) : secret;
  const expected = signatureBytes(key, id, timestamp, rawBody);
  let match = false;
  for (const entry of sigHeader.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    // Lengths are public (always 32 for SHA-256); only equal-length buffers reach the comparison.
    if (given.length === expected.length && timingSafeEqual(given, expected)) match = true;
  }
  return match ? { ok: true, id, timestamp } : { ok: false, reason: 'no_matching_signature' };
}
