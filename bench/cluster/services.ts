/**
 * The project's production entry points against the cluster: two worker processes (src/worker.ts) and two ingress
 * processes (src/server.ts) with production configuration (NODE_ENV=production, real payload keys, named API keys,
 * a signing secret, a public base URL, allowed action hosts), each under a supervisor that starts it again after a
 * kill -9 (bench/chaos/lib.ts WorkerProcess), the Genesys emulator as Genesys, and the balancer as the public URL.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/dev/temporal';
import { startEmulator, type Emulator } from '../../src/emulator';
import { CLIENT, ROOT, users, WorkerProcess } from '../chaos/lib';
import { startBalancer, type Balancer } from './balancer';

export interface Services {
  emulator: Emulator;
  balancer: Balancer;
  workers: WorkerProcess[];
  ingresses: Array<{ name: string; url: string; proc: WorkerProcess }>;
  apiKey: string;
  /** The API key's name: the alerts' AlertSource search attribute. */
  apiKeyName: string;
  close(): Promise<void>;
}

export const AGENTS = 50;
export const API_KEY_NAME = 'cluster-load';

export async function startServices(
  dir: string,
  temporalAddress: string,
  namespace: string,
  log: (m: string) => void,
): Promise<Services> {
  const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const apiKey = randomBytes(24).toString('hex');
  const opened: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const fn of opened.reverse()) await fn().catch(() => {});
  };
  try {
    const emulator = await startEmulator({
      rateLimitPerMinute: 0,
      // Genesys's own callback timing: 5 s for the answer, retries after 5, 30 and 120 s.
      timeScale: 1,
      callbackSigningSecret: signingSecret,
      users: users(AGENTS),
      clients: [CLIENT],
    });
    opened.push(() => emulator.close());
    const ports = [await freePort(), await freePort()];
    const balancer = await startBalancer(ports.map((p) => `http://127.0.0.1:${p}`));
    opened.push(() => balancer.close());
    const common: NodeJS.ProcessEnv = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      // A real AES-256 key for this run: payloads in PostgreSQL are encrypted as in production.
      TEMPORAL_PAYLOAD_KEYS: `cluster1:${randomBytes(32).toString('base64')}`,
      TEMPORAL_PAYLOAD_ENCRYPTION: '',
      GENESYS_API_BASE: emulator.url,
      GENESYS_LOGIN_BASE: emulator.url,
      GENESYS_REGION: '',
      DESKTOP_CHANNELS: 'notifications-endpoint',
      // The emulator has no rate limit here; the run measures the cluster, not Genesys's 300/min.
      GENESYS_RATE_LIMIT_PER_MINUTE: '60000',
      GENESYS_RATE_LIMIT_SHARE: '1',
    };
    const workers = [1, 2].map(
      (i) =>
        new WorkerProcess(
          {
            ...common,
            GENESYS_CLIENT_ID: CLIENT.clientId,
            GENESYS_CLIENT_SECRET: CLIENT.clientSecret,
            GENESYS_TIMEOUT_MS: '3000',
          },
          path.join(dir, `worker-${i}.log`),
          { script: path.join(ROOT, 'src', 'worker.ts'), ready: '"msg":"worker running"' },
        ),
    );
    const ingresses = ports.map((port, i) => {
      const name = `ingress-${i + 1}`;
      const dataDir = path.join(dir, name);
      fs.mkdirSync(dataDir, { recursive: true });
      return {
        name,
        url: `http://127.0.0.1:${port}`,
        proc: new WorkerProcess(
          {
            ...common,
            HOST: '127.0.0.1',
            PORT: String(port),
            PUBLIC_BASE_URL: balancer.url,
            INGRESS_API_KEYS: `${API_KEY_NAME}:sender:${apiKey}`,
            INGRESS_RATE_LIMIT_PER_MINUTE: '0',
            CALLBACK_SIGNING_SECRET: signingSecret,
            ACTION_URL_ALLOWED_HOSTS: 'crm.example.com',
            // Its own callback inbox (SQLite), kept across a restart like the compose volume.
            DATA_DIR: dataDir,
          },
          path.join(dir, `${name}.log`),
          { script: path.join(ROOT, 'src', 'server.ts'), ready: '"msg":"ingress listening"' },
        ),
      };
    });
    for (const p of [...workers, ...ingresses.map((x) => x.proc)]) opened.push(() => p.stop());
    await Promise.all([...workers.map((w) => w.start()), ...ingresses.map((x) => x.proc.start())]);
    log(
      `cluster: 2 workers (pids ${workers.map((w) => w.pid).join(', ')}) and 2 ingress nodes (${ingresses
        .map((x) => x.url)
        .join(', ')}) behind ${balancer.url}; emulator at ${emulator.url}`,
    );
    return { emulator, balancer, workers, ingresses, apiKey, apiKeyName: API_KEY_NAME, close };
  } catch (err) {
    await close();
    throw err;
  }
}
