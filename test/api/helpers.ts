import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import pino from 'pino';
import { Registry } from 'prom-client';
import { webhookHeaders } from '../../src/shared/standard-webhooks';
import type { Config } from '../../src/config';
import { ALERT_ID_METADATA_KEY } from '../../src/shared/constants';
import { createTemporalConnection, startIngress, type Ingress } from '../../src/service/ingress';
import { uniqueQueue } from '../helpers/temporal';

export const SIGNING_SECRET = 'whsec_' + Buffer.from('api-test-signing-secret-0123456789').toString('base64');
export const API_KEY = 'test-key-0123456789abcdef';
export const OTHER_API_KEY = 'ops-key-abcdef0123456789';
export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function testConfig(
  over: {
    ingress?: Partial<Config['ingress']>;
    fallback?: Partial<Config['fallback']>;
    temporal?: Partial<Config['temporal']>;
    dataDir?: string;
  } = {},
): Config {
  return {
    logLevel: 'silent',
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
      apiKeys: [API_KEY, OTHER_API_KEY],
      callbackSigningSecret: SIGNING_SECRET,
      actionUrlAllowedHosts: [],
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

let runtimeInstalled = false;
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    /* installed already in this process */
  }
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The fixture workflow, bundled once per test file. */
export function fixtureBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('./fixtures/workflows'),
    logger: new DefaultLogger('ERROR'),
  });
  return bundle;
}

export interface TestWorker {
  taskQueue: string;
  shutdown(): Promise<void>;
}

/** A real worker running the fixture workflow on its own task queue. */
export async function startFixtureWorker(
  address: string,
  taskQueue = uniqueQueue('api'),
): Promise<TestWorker> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    taskQueue,
    workflowBundle: await fixtureBundle(),
  });
  const running = worker.run();
  return {
    taskQueue,
    async shutdown() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

export interface Harness {
  ingress: Ingress;
  worker: TestWorker;
  client: Client;
  connection: Connection;
  registry: Registry;
  config: Config;
  close(): Promise<void>;
}

/** Ingress on port 0 + a fixture worker, both on `address` (default: the shared test server). */
export async function startHarness(
  opts: { address?: string; config?: Config; worker?: boolean; inboxFile?: string } = {},
): Promise<Harness> {
  const address = opts.address ?? process.env.TEMPORAL_TEST_ADDRESS!;
  const config = opts.config ?? testConfig();
  const worker =
    opts.worker === false
      ? { taskQueue: uniqueQueue('api'), shutdown: async () => {} }
      : await startFixtureWorker(address);
  const connection = createTemporalConnection(address);
  const client = new Client({ connection, namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default' });
  const registry = new Registry();
  const ingress = await startIngress({
    config,
    logger: silentLogger,
    client,
    registry,
    inboxFile: opts.inboxFile,
    alertsClientOptions: { taskQueue: worker.taskQueue, rpcTimeoutMs: 3_000 },
    relay: { initialBackoffMs: 100, maxBackoffMs: 1_000, pollIntervalMs: 500 },
  });
  return {
    ingress,
    worker,
    client,
    connection,
    registry,
    config,
    async close() {
      await ingress.close();
      await worker.shutdown();
      await connection.close();
    },
  };
}

export const auth = (key = API_KEY) => ({ Authorization: `Bearer ${key}` });

let seq = 0;
export const uniqueKey = (prefix = 'k'): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** A valid POST /v1/alerts body. */
export function alertBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: { userId: 'agent-1' },
    title: 'Compliance Review Required',
    message: 'Customer interaction #TXN-88921 flagged for secondary verification.',
    type: 'warning',
    actions: [
      {
        id: 'open',
        label: 'Open Case',
        actionType: 'openUrl',
        url: 'https://crm.example.com/cases/TXN-88921',
      },
      { id: 'ack', label: 'Acknowledge', actionType: 'callback', metadata: { transactionId: 'TXN-88921' } },
    ],
    metadata: { transactionId: 'TXN-88921', source: 'crm' },
    ...over,
  };
}

/** A callback as the desktop would send it for a fixture alert (notification id `notif-<key>`). */
export function callbackFor(
  idempotencyKey: string,
  actionId = 'ack',
  userId = 'agent-1',
  extraMeta: Record<string, unknown> = {},
) {
  return {
    notificationId: `notif-${idempotencyKey}`,
    userId,
    actionId,
    metadata: {
      transactionId: 'TXN-88921',
      [ALERT_ID_METADATA_KEY]: `alert-${idempotencyKey}`,
      ...extraMeta,
    },
    timestamp: new Date().toISOString(),
  };
}

let delivery = 0;
/** Signed headers (Standard Webhooks) for a body. */
export function signed(
  body: string,
  opts: { secret?: string; id?: string; now?: Date } = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...webhookHeaders(
      opts.secret ?? SIGNING_SECRET,
      opts.id ?? `msg_${process.pid}_${delivery++}`,
      body,
      opts.now,
    ),
  };
}

/** POST a callback with fetch (real HTTP); returns status, body and elapsed ms. */
export async function postCallback(baseUrl: string, payload: unknown, headers?: Record<string, string>) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/webhooks/desktop-callback`, {
    method: 'POST',
    body,
    headers: headers ?? signed(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    ms: performance.now() - t0,
  };
}

export { eventually } from '../helpers/eventually';
