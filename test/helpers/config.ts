/** The service's configuration as the tests use it: keys, signing secret, the shared dev server, a temp data folder. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseApiKeys, type Config } from '../../src/config';

export const SIGNING_SECRET = 'whsec_' + Buffer.from('api-test-signing-secret-0123456789').toString('base64');
export const API_KEY = 'test-key-0123456789abcdef';
export const OTHER_API_KEY = 'ops-key-abcdef0123456789';
export type TestConfigOverrides = {
  ingress?: Partial<Config['ingress']>;
  fallback?: Partial<Config['fallback']>;
  temporal?: Partial<Config['temporal']>;
  dataDir?: string;
  desktopChannels?: Config['desktopChannels'];
  agentApp?: Partial<Config['agentApp']>;
};

export function testConfig(over: TestConfigOverrides = {}): Config {
  return {
    logLevel: 'silent',
    // The REST channel alone unless a test says otherwise: the agent-app tests connect agents and list it first.
    desktopChannels: over.desktopChannels ?? ['notifications-endpoint'],
    agentApp: { hostOrigins: [], heartbeatSeconds: 10, ...over.agentApp },
    temporal: {
      address: process.env.TEMPORAL_TEST_ADDRESS,
      namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
      ...over.temporal,
    },
    genesys: {
      rateLimitPerMinute: 300,
      rateLimitShare: 0.8,
      notificationsPath: '/api/v2/desktop/notifications',
      timeoutMs: 2000,
    },
    ingress: {
      port: 0,
      host: '127.0.0.1',
      publicBaseUrl: 'https://alerts.example.com',
      // Plain keys: both are admins (key-1, key-2), as keys were before roles.
      apiKeys: parseApiKeys([API_KEY, OTHER_API_KEY]),
      rateLimitPerMinute: 6000,
      callbackSigningSecret: SIGNING_SECRET,
      // Required in production (checkIngressConfig): the host the tests' openUrl actions link to.
      actionUrlAllowedHosts: ['crm.example.com', 'wallboard.example.com'],
      ...over.ingress,
    },
    fallback: { smtpFrom: 'alerts@test', webhookUrl: 'https://queue.example.com/fallback', ...over.fallback },
    downstream: {},
    defaultAlertTtlSeconds: 3600,
    dataDir: over.dataDir ?? tempDir(),
    callbackRetentionDays: 7,
  };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'desktop-alerts-api-'));
}
