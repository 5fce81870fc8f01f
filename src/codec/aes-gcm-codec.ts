/**
 * The payload codec: AES-256-GCM (node:crypto) over every payload the SDK hands to `payloadCodecs` (workflow
 * inputs and results, memos, signal/update/query payloads, activity arguments and results, encoded failure
 * attributes). Search attributes are not payloads of the codec: they stay readable, so they must hold no secrets.
 *
 * An encrypted payload is `encoding: binary/encrypted`, `encryption-key-id: <id>`, and data = 12-byte IV, then the
 * ciphertext of the whole original Payload (protobuf), then the 16-byte GCM tag. The key id is also the GCM
 * associated data, so a payload relabelled with another id fails to decrypt rather than being misread.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PayloadKey } from '../config';

export const ENCODING = 'binary/encrypted';
export const KEY_ID_HEADER = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (b: Uint8Array | null | undefined): string | undefined =>
  b ? Buffer.from(b).toString('utf8') : undefined;

/** A payload the codec cannot decrypt: an unknown key id, or ciphertext that fails authentication. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

export class AesGcmCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: PayloadKey;

  /** `keys[0]` encrypts; every key decrypts (rotation). */
  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new Error('AesGcmCodec needs at least one key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`key ${k.id}: AES-256 needs 32 bytes`);
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encryptOne(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decryptOne(p));
  }

  private encryptOne(payload: Payload): Payload {
    const { id, key } = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(utf8(id));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: utf8(ENCODING), [KEY_ID_HEADER]: utf8(id) }, data };
  }

  private decryptOne(payload: Payload): Payload {
    // Payloads written before encryption was on (older runs) pass through unchanged.
    if (text(payload.metadata?.encoding) !== ENCODING) return payload;
    const id = text(payload.metadata?.[KEY_ID_HEADER]);
    if (!id) throw new PayloadDecryptionError(`encrypted payload without an ${KEY_ID_HEADER}`);
    const key = this.byId.get(id);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload encrypted with unknown key id "${id}": add that key to TEMPORAL_PAYLOAD_KEYS to read it`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(`key id "${id}": payload too short`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(utf8(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    } catch {
      throw new PayloadDecryptionError(
        `payload with key id "${id}" failed to decrypt (tampered, or another key with that id)`,
      );
    }
  }
}
