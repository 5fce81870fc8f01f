/** One service under test for the benchmark: its own emulator, workers (design or baseline) and ingress. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { freePort } from '../../src/dev/temporal';
import { startEmulator, type Emulator, type EmulatorUser } from '../../src/emulator';
import { createGenesysClient } from '../../src/genesys';
import { startIngress, type Ingress } from '../../src/server';
import { createWorkers, type AlertWorkers } from '../../src/worker';
import { createBaselineActivities, TokenBucket } from '../baseline/activities';

export type Kind = 'design' | 'baseline';

export interface ServiceOptions {
  kind: Kind;
  temporalAddress: string;
  bundle: WorkflowBundleWithSourceMap;
  /** Emulator budget per minute (0: off). */
  limitPerMinute: number;
  /** Genesys calls per second: the design's queue cap, the baseline's token bucket (0: none). */
  capPerSecond: number;
  agents: number;
}

export interface Service {
  kind: Kind;
  emulator: Emulator;
  ingress: Ingress;
  client: Client;
  url: string;
  apiKey: string;
  secret: string;
  taskQueue: string;
  /** The queue holding Genesys activities (design: the companion queue; baseline: the alerts queue itself). */
  genesysQueue: string;
  users: EmulatorUser[];
  close(): Promise<void>;
}

export async function startService(o: ServiceOptions): Promise<Service> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${o.kind}-`));
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const apiKey = `bench-${randomBytes(8).toString('hex')}`;
  const users = Array.from({ length: o.agents }, (_, i) => ({
    name: `Agent ${i}`,
    email: `agent.${i}@bench.example.com`,
    presence: 'Available',
  }));
  const emulator = await startEmulator({
    rateLimitPerMinute: o.limitPerMinute,
    callbackSigningSecret: secret,
    users,
    maxRequestLog: 500_000,
    timeScale: 1,
  });
  const port = await freePort();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: o.temporalAddress,
    GENESYS_API_BASE: emulator.url,
    GENESYS_LOGIN_BASE: emulator.url,
    GENESYS_CLIENT_ID: 'emulator-client',
    GENESYS_CLIENT_SECRET: 'emulator-secret',
    GENESYS_RATE_LIMIT_PER_MINUTE: String(Math.max(1, o.limitPerMinute)),
    INGRESS_API_KEYS: apiKey,
    CALLBACK_SIGNING_SECRET: secret,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dir,
  });
  const logger = pino({ level: 'silent' });
  const genesys = createGenesysClient({
    apiBase: emulator.url,
    loginBase: emulator.url,
    clientId: 'emulator-client',
    clientSecret: 'emulator-secret',
    timeoutMs: 10_000,
    logger,
    connections: 50,
  });
  const nc = await NativeConnection.connect({ address: o.temporalAddress });
  const conn = await Connection.connect({ address: o.temporalAddress });
  const client = new Client({ connection: conn, namespace: 'default' });
  const taskQueue = `bench-${o.kind}-${randomBytes(4).toString('hex')}`;

  let design: AlertWorkers | undefined;
  let baseline: Worker | undefined;
  let running: Promise<void>;
  if (o.kind === 'design') {
    design = await createWorkers({
      connection: nc,
      namespace: 'default',
      config,
      genesys,
      logger,
      workflowBundle: o.bundle,
      taskQueue,
      genesysActivitiesPerSecond: o.capPerSecond,
    });
    running = design.run();
  } else {
    baseline = await Worker.create({
      connection: nc,
      namespace: 'default',
      taskQueue,
      workflowBundle: o.bundle,
      activities: createBaselineActivities(genesys, new TokenBucket(o.capPerSecond)),
      maxConcurrentActivityTaskExecutions: 200,
    });
    running = baseline.run();
  }
  const ingress = await startIngress({
    config,
    logger,
    client,
    inboxFile: path.join(dir, 'callbacks.sqlite'),
    alertsClientOptions: { taskQueue },
  });
  return {
    kind: o.kind,
    emulator,
    ingress,
    client,
    url: ingress.url,
    apiKey,
    secret,
    taskQueue,
    genesysQueue: o.kind === 'design' ? `${taskQueue}-genesys` : taskQueue,
    users: emulator.control.listUsers(),
    async close() {
      await ingress.close();
      if (design) await design.shutdown();
      if (baseline) baseline.shutdown();
      await running;
      await genesys.close();
      await nc.close();
      await conn.close();
      await emulator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
