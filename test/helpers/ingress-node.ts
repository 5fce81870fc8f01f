/**
 * One ingress-only process for the multi-node tests (test/agent-app/two-nodes.test.ts): `node --import tsx
 * test/helpers/ingress-node.ts` with INGRESS_NODE set to a JSON object (below). It runs startService without
 * workers, as `npm run server` does, on the given port and alerts task queue, and prints one JSON line
 * `{"url", "nodeId"}` on stdout once it listens. Logs go to stderr. SIGTERM closes it cleanly.
 */
import pino from 'pino';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseApiKeys, type Config } from '../../src/config';
import { startService } from '../../src/service';
import { testConfig } from './config';

export interface IngressNodeSpec {
  nodeId: string;
  /** The alerts task queue (the node polls `<taskQueue>-agent-app-<nodeId>`). */
  taskQueue: string;
  port: number;
  dataDir: string;
  temporalAddress: string;
  namespace: string;
  publicBaseUrl: string;
  apiKey: string;
  /** The same in every node: sessions and notification ids made by one are valid on the others. */
  signingSecret: string;
  /** The emulator standing in for Genesys (the session exchange asks its users/me). */
  genesysBase: string;
  desktopChannels: Config['desktopChannels'];
  logLevel?: string;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.INGRESS_NODE ?? '') as IngressNodeSpec;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const base = testConfig({
    ingress: {
      port: spec.port,
      publicBaseUrl: spec.publicBaseUrl,
      apiKeys: parseApiKeys([spec.apiKey]),
      callbackSigningSecret: spec.signingSecret,
    },
    temporal: { address: spec.temporalAddress, namespace: spec.namespace },
    fallback: { webhookUrl: undefined },
    desktopChannels: spec.desktopChannels,
    dataDir: spec.dataDir,
  });
  const config: Config = {
    ...base,
    genesys: {
      ...base.genesys,
      credentials: { clientId: 'emulator-client', clientSecret: 'emulator-secret' },
      apiBase: spec.genesysBase,
      loginBase: spec.genesysBase,
    },
  };
  const logger = pino({ level: spec.logLevel ?? 'warn', base: { nodeId: spec.nodeId } }, pino.destination(2));
  const service = await startService(config, {
    logger,
    taskQueue: spec.taskQueue,
    workers: false,
    ingress: {
      agentApp: { nodeId: spec.nodeId },
      relay: { initialBackoffMs: 100, maxBackoffMs: 1_000, pollIntervalMs: 250 },
      drainTimeoutMs: 1_000,
    },
  });
  process.stdout.write(`${JSON.stringify({ url: service.ingress!.url, nodeId: spec.nodeId })}\n`);
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`ingress node failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
