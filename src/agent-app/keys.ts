/**
 * The agent app's keys, derived from CALLBACK_SIGNING_SECRET (HKDF-SHA256, one label per use), so every ingress
 * node and worker that shares the service's configuration agrees on them without another secret to deploy. One
 * key signs session tokens, the other makes notification ids that any node can check (./notification-id.ts).
 */
import { hkdfSync, randomBytes } from 'node:crypto';

export interface AgentAppKeys {
  session: Buffer;
  notification: Buffer;
  /** No secret was configured: the keys are this process's own (development only; nodes would not agree). */
  ephemeral: boolean;
}

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

const derive = (ikm: Buffer, label: string): Buffer =>
  Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), `desktop-alerts agent-app ${label} v1`, 32));

export function agentAppKeys(signingSecret: string | undefined): AgentAppKeys {
  const ikm = signingSecret ? secretBytes(signingSecret) : randomBytes(32);
  return {
    session: derive(ikm, 'session'),
    notification: derive(ikm, 'notification'),
    ephemeral: !signingSecret,
  };
}
