/**
 * The payload codec (src/codec): AES-256-GCM round trip, key rotation, an unknown key id, tampering, plaintext
 * passthrough for payloads written before encryption was on, and the data converter of a configuration.
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  AesGcmCodec,
  ENCODING,
  FAILURE_CONVERTER_PATH,
  KEY_ID_HEADER,
  dataConverterFor,
  payloadEncryptionCheck,
} from '../../src/codec';

const key = (id: string) => ({ id, key: randomBytes(32) });
const json = (v: unknown): Payload => defaultPayloadConverter.toPayload(v);
const value = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);
const text = (b?: Uint8Array | null) => Buffer.from(b ?? []).toString('utf8');

const SECRET = { title: 'Quarterly secret', email: 'jordan@example.com' };

test('round trip: encrypted payloads carry the key id and none of the plaintext, and decode to the original', async () => {
  const codec = new AesGcmCodec([key('k1')]);
  const [enc] = await codec.encode([json(SECRET)]);
  expect(text(enc!.metadata!.encoding)).toBe(ENCODING);
  expect(text(enc!.metadata![KEY_ID_HEADER])).toBe('k1');
  expect(Buffer.from(enc!.data!).toString('latin1')).not.toContain('jordan');
  const [dec] = await codec.decode([enc!]);
  expect(value(dec!)).toEqual(SECRET);
  expect(text(dec!.metadata!.encoding)).toBe('json/plain');
});

test('two encodings of one payload differ (a fresh IV each time)', async () => {
  const codec = new AesGcmCodec([key('k1')]);
  const [a, b] = await codec.encode([json(SECRET), json(SECRET)]);
  expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
});

test('rotation: a payload encrypted with the old key decodes once a new key is prepended; new ones use the new key', async () => {
  const old = key('2026-01');
  const [enc] = await new AesGcmCodec([old]).encode([json(SECRET)]);
  const rotated = new AesGcmCodec([key('2026-06'), old]);
  expect(value((await rotated.decode([enc!]))[0]!)).toEqual(SECRET);
  const [fresh] = await rotated.encode([json(1)]);
  expect(text(fresh!.metadata![KEY_ID_HEADER])).toBe('2026-06');
});

test('an unknown key id fails with an error naming it', async () => {
  const [enc] = await new AesGcmCodec([key('gone')]).encode([json(SECRET)]);
  await expect(new AesGcmCodec([key('k2')]).decode([enc!])).rejects.toThrow(/unknown key id "gone"/);
});

test('tampered ciphertext, a swapped key id or a wrong key of the same id fails authentication', async () => {
  const k = key('k1');
  const codec = new AesGcmCodec([k, key('k2')]);
  const [enc] = await codec.encode([json(SECRET)]);
  const flipped = Buffer.from(enc!.data!);
  flipped[20] = flipped[20]! ^ 1;
  await expect(codec.decode([{ ...enc!, data: flipped }])).rejects.toThrow(/failed to decrypt/);
  const relabelled = { ...enc!, metadata: { ...enc!.metadata, [KEY_ID_HEADER]: Buffer.from('k2') } };
  await expect(codec.decode([relabelled])).rejects.toThrow(/failed to decrypt/);
  await expect(new AesGcmCodec([key('k1')]).decode([enc!])).rejects.toThrow(/failed to decrypt/);
});

test('plaintext payloads (older runs) pass through decode unchanged', async () => {
  const codec = new AesGcmCodec([key('k1')]);
  const plain = [json(SECRET), json(undefined), json(null)];
  expect(await codec.decode(plain)).toEqual(plain);
});

test('dataConverterFor: the codec with keys, the SDK default (undefined) without', () => {
  expect(dataConverterFor({})).toBeUndefined();
  expect(dataConverterFor({ payloadKeys: [] })).toBeUndefined();
  const dc = dataConverterFor({ payloadKeys: [key('k1')] });
  expect(dc?.payloadCodecs?.[0]).toBeInstanceOf(AesGcmCodec);
  expect(dc?.failureConverterPath).toMatch(/failure-converter/);
});

test('start-up: production refuses without keys unless TEMPORAL_PAYLOAD_ENCRYPTION=off; embedded and dev warn', () => {
  const refused = payloadEncryptionCheck({}, 'production');
  expect(refused.error).toMatch(/TEMPORAL_PAYLOAD_KEYS/);
  expect(refused.error).toMatch(/TEMPORAL_PAYLOAD_ENCRYPTION=off/);
  expect(payloadEncryptionCheck({ payloadEncryptionOff: true }, 'production')).toEqual({
    warning: expect.stringContaining('plaintext'),
  });
  expect(payloadEncryptionCheck({}, 'embedded').warning).toBe(
    'payloads are stored in plaintext in Temporal; set TEMPORAL_PAYLOAD_KEYS',
  );
  expect(payloadEncryptionCheck({}, 'development').error).toBeUndefined();
  expect(payloadEncryptionCheck({ payloadKeys: [key('k1')] }, 'production')).toEqual({});
});

test('the failure converter moves messages and stack traces into a payload the codec encrypts', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module the workers load by path
  const { failureConverter } = require(
    FAILURE_CONVERTER_PATH,
  ) as typeof import('../../src/codec/failure-converter');
  const failure = failureConverter.errorToFailure(
    new Error('cannot reach jordan@example.com'),
    defaultPayloadConverter,
  );
  expect(failure.message).toBe('Encoded failure');
  expect(failure.stackTrace).toBe('');
  expect(text(failure.encodedAttributes?.data)).toContain('jordan@example.com');
});
