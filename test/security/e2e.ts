/**
 * The whole service in one process for security tests: emulator, Genesys client, real workers running
 * the real workflow, and the ingress, all logging to one logger the test chooses. Three loopback
 * sinks: the configured downstream consumer, the configured fallback webhook, and an "attacker" whose
 * URL callers try to smuggle in; it must never be called.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { FAILURE_CONVERTER_PATH, dataConverterFor } from '../../src/codec';
import { parseApiKeys, type Config, type PayloadKey } from '../../src/config';
import { startEmulator, type Emulator } from '../../src/emulator';
import type { AlertWorkers, Ingress } from '../../src/service';
import { startServiceOnFreePort } from '../helpers/service';
import { testConfig } from '../api/helpers';
import { apiCaller, waitForAlert as pollAlert, type ApiAnswer } from '../helpers/http';
import { startSink } from '../helpers/sink';
import { quietRuntime, workflowBundle } from '../helpers/stack';
import { testTemporalAddress, uniqueQueue } from '../helpers/temporal';

type Sink = Awaited<ReturnType<typeof startSink>>;

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;

/** Fresh secrets per run, long and random so a substring search cannot match by accident. */
export function makeSecrets() {
  return {
    clientId: `client-${randomBytes(6).toString('hex')}`,
    clientSecret: `cs-${randomBytes(24).toString('hex')}`,
    signingSecret: whsec(),
    downstreamSecret: whsec(),
    fallbackSecret: whsec(),
    apiKeys: [`ak-${randomBytes(20).toString('hex')}`, `ak-${randomBytes(20).toString('hex')}`],
  };
}
export type Secrets = ReturnType<typeof makeSecrets>;

export const AVAILABLE = {
  id: 'sec-agent-available',
  name: 'Jordan Smith',
  email: 'jordan@example.com',
  presence: 'Available',
};
export const OFFLINE = {
  id: 'sec-agent-offline',
  name: 'Sam Offline',
  email: 'sam@example.com',
  presence: 'Offline',
};

export interface E2E {
  emulator: Emulator;
  ingress: Ingress;
  workers: AlertWorkers;
  config: Config;
  secrets: Secrets;
  downstream: Sink;
  fallback: Sink;
  attacker: Sink;
  /** Bearer tokens the emulator issued during the run. */
  issuedTokens: string[];
  api(path: string, body?: unknown, key?: string): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export async function startE2E(opts: {
  logger: Logger;
  secrets?: Secrets;
  actionUrlAllowedHosts?: string[];
  /** TEMPORAL_PAYLOAD_KEYS: the service's clients and workers encrypt every payload (and the codec endpoint is on). */
  payloadKeys?: PayloadKey[];
  /** TEMPORAL_CODEC_CORS_ORIGINS. */
  codecCorsOrigins?: string[];
  /** DESKTOP_CHANNELS (default: the notifications endpoint alone); with agent-app the ingress has its routes. */
  desktopChannels?: Config['desktopChannels'];
  /** A Temporal namespace of its own (test/helpers/temporal.ts isolatedNamespace); default: the suite's. */
  namespace?: string;
}): Promise<E2E> {
  quietRuntime();
  const secrets = opts.secrets ?? makeSecrets();
  const logger = opts.logger;
  const [downstream, fallback, attacker] = await Promise.all([startSink(), startSink(), startSink()]);
  const emulator = await startEmulator({
    rateLimitPerMinute: 0,
    timeScale: 0.01,
    callbackSigningSecret: secrets.signingSecret,
    clients: [{ clientId: secrets.clientId, clientSecret: secrets.clientSecret }],
    users: [AVAILABLE, OFFLINE],
    logger: {
      info: (...a: unknown[]) => logger.info({ emulator: a }, 'emulator'),
      warn: (...a: unknown[]) => logger.warn({ emulator: a }, 'emulator'),
    },
  });
  const issuedTokens: string[] = [];
  // Every token the emulator's token store hands out (the tests then look for each one in the logs). The store
  // is internal to the emulator; the assertion below keeps this from silently watching nothing if it moves.
  const store = (
    emulator.control as unknown as { tokens?: { issue(id: string): { token: string; expiresIn: number } } }
  ).tokens;
  if (typeof store?.issue !== 'function')
    throw new Error('the emulator no longer exposes its token store as control.tokens');
  const issue = store.issue.bind(store);
  store.issue = (id) => {
    const t = issue(id);
    issuedTokens.push(t.token);
    return t;
  };
  const clientConnection = await Connection.connect({ address: testTemporalAddress() });
  const namespace = opts.namespace ?? process.env.TEMPORAL_TEST_NAMESPACE ?? 'default';
  const temporal = { namespace, payloadKeys: opts.payloadKeys, codecCorsOrigins: opts.codecCorsOrigins };
  // The ingress's client: the service's own data converter, as startIngress would make it.
  const client = new Client({
    connection: clientConnection,
    namespace,
    dataConverter: dataConverterFor(temporal),
  });
  const configFor = (port: number): Config => {
    const base = testConfig({
      ingress: {
        port,
        publicBaseUrl: `http://127.0.0.1:${port}`,
        apiKeys: parseApiKeys(secrets.apiKeys),
        callbackSigningSecret: secrets.signingSecret,
        actionUrlAllowedHosts: opts.actionUrlAllowedHosts ?? ['crm.example.com'],
      },
      fallback: { webhookUrl: fallback.url + '/fallback', webhookSigningSecret: secrets.fallbackSecret },
      desktopChannels: opts.desktopChannels,
    });
    return {
      ...base,
      temporal: { ...base.temporal, ...temporal },
      logLevel: 'trace',
      genesys: {
        ...base.genesys,
        credentials: { clientId: secrets.clientId, clientSecret: secrets.clientSecret },
        apiBase: emulator.url,
        loginBase: emulator.url,
      },
      downstream: { webhookUrl: downstream.url + '/downstream', signingSecret: secrets.downstreamSecret },
    };
  };
  const { service, config } = await startServiceOnFreePort(configFor, {
    logger,
    client,
    taskQueue: uniqueQueue('sec-e2e'),
    workers: {
      workflowBundle: await workflowBundle(
        opts.payloadKeys?.length ? { failureConverterPath: FAILURE_CONVERTER_PATH } : {},
      ),
      genesysActivitiesPerSecond: 0,
    },
    ingress: { relay: { initialBackoffMs: 100, maxBackoffMs: 1_000, pollIntervalMs: 250 } },
  });
  const ingress = service.ingress!;
  const workers = service.workers!;
  const call = apiCaller(ingress.url, secrets.apiKeys[0]!);
  return {
    emulator,
    ingress,
    workers,
    config,
    secrets,
    downstream,
    fallback,
    attacker,
    issuedTokens,
    api: (path, body, key) => call(path, { body, key }),
    async close() {
      await service.close();
      await clientConnection.close();
      await emulator.close();
      await Promise.all([downstream.close(), fallback.close(), attacker.close()]);
    },
  };
}

/** Poll an alert until `pred` holds. */
export function waitForAlert(
  e: E2E,
  alertId: string,
  pred: (s: Record<string, unknown>) => boolean,
  timeoutMs?: number,
): Promise<Record<string, unknown>> {
  return pollAlert((path) => e.api(path), alertId, pred, timeoutMs);
}
