import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  Runtime,
  DefaultLogger,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import pino from 'pino';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';
import { createGenesysClient } from '../../src/genesys';
import type { GenesysClient } from '../../src/genesys/types';
import { genesysConnection, type Config } from '../../src/config';
import { startService, type AlertWorkers, type CreateWorkersOptions } from '../../src/service';
import { testConfig } from './config';
import { WORKFLOW_TRACING_MODULE } from '../../src/observability/temporal-tracing';
import type { AlertInput } from '../../src/shared/schemas';
import { alertWorkflowId, CALLBACK_PATH } from '../../src/shared/constants';
import { DEFAULT_OPERATIONAL_PRESENCES } from '../../src/shared/schemas';
import { testTemporalAddress, uniqueQueue } from './temporal';

export const TEST_SIGNING_SECRET =
  'whsec_' + Buffer.from('test-signing-secret-0123456789abcdef').toString('base64');

let runtimeInstalled = false;
/** Keep the SDK's own warnings but not its info chatter in test output. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* already installed by another helper in this process */
  }
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
/**
 * Bundle the workflow code once per test file. `failureConverterPath`: the encoding failure converter of an
 * encrypted stack (src/codec FAILURE_CONVERTER_PATH), bundled in as a worker with payload keys bundles it.
 * `tracing`: with the OpenTelemetry workflow interceptors, as a worker with tracing on bundles it.
 */
export function workflowBundle(
  opts: { failureConverterPath?: string; tracing?: boolean } = {},
): Promise<WorkflowBundleWithSourceMap> {
  const key = `${opts.failureConverterPath ?? ''}|${opts.tracing ? 'tracing' : ''}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: new DefaultLogger('WARN'),
      ...(opts.failureConverterPath ? { failureConverterPath: opts.failureConverterPath } : {}),
      ...(opts.tracing ? { workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] } : {}),
    });
    bundles.set(key, bundle);
  }
  return bundle;
}

export interface Stack {
  emulator: Emulator;
  genesys: GenesysClient;
  client: Client;
  taskQueue: string;
  readonly workers: AlertWorkers;
  /** Restart the workers (a new process's worth of caches) on the same queue. */
  restartWorkers(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  emulator?: EmulatorOptions;
  workers?: Partial<CreateWorkersOptions>;
  config?: {
    downstream?: CreateWorkersOptions['config']['downstream'];
    fallback?: Partial<CreateWorkersOptions['config']['fallback']>;
  };
  genesysTimeoutMs?: number;
}

/** The Genesys part of a Config that points at an emulator (its default client). */
export function emulatorCredentials(
  emulator: Emulator,
): Pick<Config['genesys'], 'credentials' | 'apiBase' | 'loginBase'> {
  return {
    credentials: { clientId: 'emulator-client', clientSecret: 'emulator-secret' },
    apiBase: emulator.url,
    loginBase: emulator.url,
  };
}

/** Workers only (no ingress) on a queue of their own, against an emulator: startService as a worker process. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  quietRuntime();
  const emulator = await startEmulator({
    rateLimitPerMinute: 0,
    timeScale: 0.01,
    callbackSigningSecret: TEST_SIGNING_SECRET,
    ...opts.emulator,
  });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const base = testConfig();
  const config: Config = {
    ...base,
    genesys: { ...base.genesys, ...emulatorCredentials(emulator), timeoutMs: opts.genesysTimeoutMs ?? 2_000 },
    downstream: opts.config?.downstream ?? {},
    fallback: { smtpFrom: 'alerts@test', ...opts.config?.fallback },
  };
  // The stack's own Genesys client (tests wrap or inspect it); a restart keeps it, as the emulator's tokens stay valid.
  const genesys = createGenesysClient({ ...genesysConnection(config.genesys), logger });
  const clientConnection = await Connection.connect({ address: testTemporalAddress() });
  const client = new Client({ connection: clientConnection, namespace: 'default' });
  const taskQueue = uniqueQueue('alerts');
  const bundle = await workflowBundle();
  const start = () =>
    startService(config, {
      logger,
      genesys,
      taskQueue,
      ingress: false,
      workers: { workflowBundle: bundle, genesysActivitiesPerSecond: 0, ...opts.workers },
    });
  let service = await start();
  const stack: Stack = {
    emulator,
    genesys,
    client,
    taskQueue,
    get workers() {
      return service.workers!;
    },
    async restartWorkers() {
      await service.close();
      service = await start();
    },
    async close() {
      await service.close();
      await clientConnection.close();
      await genesys.close();
      await emulator.close();
    },
  };
  return stack;
}

/** A valid workflow input with every default resolved, as the launcher would build it. */
export function makeInput(
  over: Partial<AlertInput> & Pick<AlertInput, 'target'>,
  callbackBase = 'http://127.0.0.1:9',
): AlertInput {
  const key = over.idempotencyKey ?? randomUUID();
  const type = over.type ?? 'warning';
  return {
    alertId: alertWorkflowId(key),
    idempotencyKey: key,
    title: 'Compliance Review Required',
    message: 'Customer interaction #TXN-88921 flagged for secondary verification.',
    type,
    priority: 'normal',
    actions: [
      {
        id: 'open',
        label: 'Open Case',
        actionType: 'openUrl',
        url: 'https://crm.example.com/cases/TXN-88921',
      },
      { id: 'ack', label: 'Acknowledge', actionType: 'callback', metadata: { transactionId: 'TXN-88921' } },
    ],
    expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
    fallback: { channels: [] },
    policy: {
      requireAck: true,
      waitForAgent: false,
      operationalPresences: DEFAULT_OPERATIONAL_PRESENCES[type],
    },
    metadata: {},
    source: 'test',
    correlationId: randomUUID(),
    callbackUrl: `${callbackBase}${CALLBACK_PATH}`,
    acceptedAt: new Date().toISOString(),
    ...over,
    // keep alertId consistent with an overridden key
    ...(over.idempotencyKey && !over.alertId ? { alertId: alertWorkflowId(over.idempotencyKey) } : {}),
  };
}

export { eventually } from './eventually';
