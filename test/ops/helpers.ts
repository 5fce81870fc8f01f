/**
 * The whole service in one process, as `npm start` wires it: emulator (signed callbacks to the real
 * ingress), Genesys client, real workers running the real workflow, the ingress on a real port, one
 * prom-client registry shared by ingress and workers, and one logger the test chooses.
 */
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { parseApiKeys, type Config } from '../../src/config';
import {
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  type EmulatorUserSeed,
} from '../../src/emulator';
import type { AlertWorkers, Ingress } from '../../src/service';
import type { AgentAppNodeOptions } from '../../src/service/agent-app-node';
import { startServiceOnFreePort } from '../helpers/service';
import { createLogger } from '../../src/observability/logger';
import { clientTracingInterceptors } from '../../src/observability/temporal-tracing';
import type { Tracing } from '../../src/observability/tracing';
import { testConfig } from '../api/helpers';
import { apiCaller, waitForAlert, type ApiCall } from '../helpers/http';
import { startSink } from '../helpers/sink';
import { TEST_SIGNING_SECRET, emulatorCredentials, workflowBundle } from '../helpers/stack';
import { testTemporalAddress, uniqueQueue } from '../helpers/temporal';

export const API_KEY = 'ops-test-key-0123456789abcdef';

export interface OpsStack {
  emulator: Emulator;
  ingress: Ingress;
  workers: AlertWorkers;
  registry: Registry;
  client: Client;
  config: Config;
  downstream: Awaited<ReturnType<typeof startSink>>;
  api: ApiCall;
  /** Poll GET /v1/alerts/:id until `pred` holds. */
  waitForAlert(
    alertId: string,
    pred: (s: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

let seq = 0;
/** Ids unique to this run, so visibility queries over the shared dev server see only this test's alerts. */
export const uniqueId = (prefix: string): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

export async function startOpsStack(opts: {
  users: EmulatorUserSeed[];
  logger?: Logger;
  /** Default: the notifications endpoint alone (testConfig). */
  desktopChannels?: Config['desktopChannels'];
  /** Options of the ingress's agent-app node (receipt time-out, announce interval). */
  agentApp?: AgentAppNodeOptions;
  /**
   * More emulator options. `ingressUrl()` is the ingress's URL once it listens (undefined before), so a function
   * option asked later (the desktop shell's `agentAppUrl`, on every page load) can point at it.
   */
  emulator?: (ctx: { ingressUrl: () => string | undefined }) => Partial<EmulatorOptions>;
  /** The service's agent-app settings (client id, host origins), given the emulator's URL (its shell's origin). */
  agentAppConfig?: (emulatorUrl: string) => Partial<Config['agentApp']>;
  /** INGRESS_API_KEYS entries (default: API_KEY, a plain key, so an admin). `api` uses the first one's key. */
  apiKeys?: string[];
  /** The downstream webhook receiver's status for its n-th request (default: 200). */
  downstreamAnswer?: Parameters<typeof startSink>[0];
  /** Tracing on (the test's exporter): the service, the test's Client and the workflow bundle are traced. */
  tracing?: Tracing;
  /**
   * The workers' Genesys gate (the cluster-wide 429 pause, no pacing), as in production. Off by default: these
   * tests count calls and timings that a 429's pause would shift.
   */
  genesysGate?: boolean;
}): Promise<OpsStack> {
  const logger = opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const registry = new Registry();
  const downstream = await startSink(opts.downstreamAnswer);
  // timeScale 0.2: a callback waits 1 s for the ingress's answer (5 s on the platform), enough on a busy machine.
  /** Set once the ingress listens. */
  const ingressRef: { url?: string } = {};
  const emulator = await startEmulator({
    rateLimitPerMinute: 0,
    timeScale: 0.2,
    callbackSigningSecret: TEST_SIGNING_SECRET,
    users: opts.users,
    ...opts.emulator?.({ ingressUrl: () => ingressRef.url }),
  });
  const clientConnection = await Connection.connect({ address: testTemporalAddress() });
  const client = new Client({
    connection: clientConnection,
    namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    interceptors: clientTracingInterceptors(opts.tracing),
  });
  const configFor = (port: number): Config => {
    const base = testConfig({
      ingress: {
        port,
        publicBaseUrl: `http://127.0.0.1:${port}`,
        apiKeys: parseApiKeys(opts.apiKeys ?? [API_KEY]),
        callbackSigningSecret: TEST_SIGNING_SECRET,
      },
      fallback: { webhookUrl: undefined },
      desktopChannels: opts.desktopChannels,
      agentApp: opts.agentAppConfig?.(emulator.url),
    });
    return {
      ...base,
      genesys: { ...base.genesys, ...emulatorCredentials(emulator) },
      downstream: { webhookUrl: `${downstream.url}/downstream` },
    };
  };
  const { service, config } = await startServiceOnFreePort(configFor, {
    logger,
    registry,
    client,
    taskQueue: uniqueQueue('ops'),
    tracing: opts.tracing,
    workers: {
      workflowBundle: await workflowBundle({ tracing: opts.tracing !== undefined }),
      genesysActivitiesPerSecond: 0,
      rateLimitThrottle: opts.genesysGate ? {} : false,
    },
    ingress: {
      // These tests are about what happens after the start: a start is not answered 503 on a busy CI machine (2
      // cores shared by the dev server, workers and jest) just because it took over the default 3 s.
      alertsClientOptions: { rpcTimeoutMs: 15_000 },
      relay: { initialBackoffMs: 100, maxBackoffMs: 1_000, pollIntervalMs: 250 },
      drainTimeoutMs: 1_000,
      ...(opts.agentApp ? { agentApp: opts.agentApp } : {}),
    },
  });
  const ingress = service.ingress!;
  ingressRef.url = ingress.url;
  const workers = service.workers!;
  const api = apiCaller(ingress.url, config.ingress.apiKeys[0]!.key);
  return {
    emulator,
    ingress,
    workers,
    registry,
    client,
    config,
    downstream,
    api,
    waitForAlert: (alertId, pred, timeoutMs) => waitForAlert(api, alertId, pred, timeoutMs),
    async close() {
      await service.close();
      await clientConnection.close();
      await emulator.close();
      await downstream.close();
    },
  };
}

/** A pino destination that keeps every JSON line (for tests that read the logs). */
export function captureLogs(level = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  // The service's own logger (serialisers, redaction), writing to memory.
  const logger = createLogger({ level, destination: stream });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** A valid alert request with a callback and an openUrl action. */
export function alertRequest(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Compliance Review Required',
    message: 'Customer interaction #TXN-88921 flagged for secondary verification.',
    type: 'warning',
    priority: 'high',
    actions: [
      {
        id: 'open',
        label: 'Open Case',
        actionType: 'openUrl',
        url: 'https://crm.example.com/cases/TXN-88921',
      },
      { id: 'ack', label: 'Acknowledge', actionType: 'callback' },
    ],
    metadata: { transactionId: 'TXN-88921', source: 'crm' },
    ...over,
  };
}

/** Genesys answers the next send with one 429 (Retry-After 1 s): the delivery attempt fails once, then goes through. */
export function oneRateLimitedSend(stack: OpsStack): void {
  stack.emulator.control.forceStatus({
    status: 429,
    count: 1,
    method: 'POST',
    pathPrefix: '/api/v2/desktop/notifications',
    retryAfterSeconds: 1,
  });
}
