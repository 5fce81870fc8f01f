/**
 * Whether a process may start with the payload settings it has. `npm start` (embedded) runs without keys and
 * warns; the production entry points (server, worker) refuse unless TEMPORAL_PAYLOAD_ENCRYPTION=off says so on
 * purpose (then they warn); NODE_ENV=development relaxes that as it relaxes missing API keys.
 */
import type { Config } from '../config';

export const PLAINTEXT_WARNING = 'payloads are stored in plaintext in Temporal; set TEMPORAL_PAYLOAD_KEYS';

export function payloadEncryptionCheck(
  temporal: Pick<Config['temporal'], 'payloadKeys' | 'payloadEncryptionOff'>,
  mode: 'embedded' | 'production' | 'development',
): { error?: string; warning?: string } {
  if ((temporal.payloadKeys ?? []).length > 0) return {};
  if (mode === 'production' && !temporal.payloadEncryptionOff) {
    return {
      error:
        'TEMPORAL_PAYLOAD_KEYS: required so alert payloads are encrypted in Temporal (keyId:base64 of 32 bytes; ' +
        'make one: echo key1:$(openssl rand -base64 32)), or set TEMPORAL_PAYLOAD_ENCRYPTION=off to run in plaintext on purpose',
    };
  }
  return { warning: PLAINTEXT_WARNING };
}
