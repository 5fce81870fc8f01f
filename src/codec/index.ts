/**
 * What every Temporal Client and Worker of the service passes as `dataConverter`: with TEMPORAL_PAYLOAD_KEYS, the
 * AES-256-GCM codec and a failure converter that encodes messages and stack traces; without keys, the SDK's
 * default (undefined). See README, "Payload encryption".
 */
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import { AesGcmCodec } from './aes-gcm-codec';

export { AesGcmCodec, ENCODING, KEY_ID_HEADER, PayloadDecryptionError } from './aes-gcm-codec';
export { payloadEncryptionCheck } from './startup';

/** The module of the encoding failure converter (for `failureConverterPath` and `bundleWorkflowCode`). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The codec of these settings, or undefined when no key is configured. */
export function payloadCodecFor(temporal: Pick<Config['temporal'], 'payloadKeys'>): AesGcmCodec | undefined {
  const keys = temporal.payloadKeys ?? [];
  return keys.length > 0 ? new AesGcmCodec(keys) : undefined;
}

/** The data converter of these settings: undefined (the SDK default) when no key is configured. */
export function dataConverterFor(
  temporal: Pick<Config['temporal'], 'payloadKeys'>,
): DataConverter | undefined {
  const codec = payloadCodecFor(temporal);
  return codec ? { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH } : undefined;
}
