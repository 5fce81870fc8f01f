/**
 * The API tests run the real service, built the one way `npm start` builds it (`startService`, src/service):
 * the ingress, the workers running the real deliverAlert workflow (pre-bundled once per file) on a task queue
 * of their own, a Genesys emulator holding the target agents, and a downstream receiver for the agents'
 * actions. Callbacks are signed with the emulator's signing secret, as the platform signs them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, type Connection } from '@temporalio/client';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Config } from '../../src/config';
import { startEmulator, type Emulator, type EmulatorUserSeed } from '../../src/emulator';
import { createTemporalConnection, type Ingress, type Service } from '../../src/service';
import { startServiceOnFreePort } from '../helpers/service';
import { ALERT_ID_METADATA_KEY } from '../../src/shared/constants';
import type { AlertState } from '../../src/shared/messages';
import { webhookHeaders } from '../../src/shared/standard-webhooks';
import { API_KEY, SIGNING_SECRET, testConfig } from '../helpers/config';
import { emulatorCredentials, quietRuntime, workflowBundle } from '../helpers/stack';

export {
  API_KEY,
  OTHER_API_KEY,
  SIGNING_SECRET,
  tempDir,
  testConfig,
  type TestConfigOverrides,
} from '../helpers/config';
import { uniqueQueue } from '../helpers/temporal';

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** The agent alertBody() targets: seeded in every harness's emulator, Available, so alerts reach its desktop. */
export const AGENT: EmulatorUserSeed & { id: string } = {
  id: 'agent-1',
  name: 'Jordan Smith',
  email: 'jordan.smith@example.com',
  presence: 'Available',
};

/** The downstream receiver of the agents' actions. `hold(alertId)` keeps that alert's hand-off unanswered (its run stays open) until `release`. */
export interface Downstream {
  url: string;
  /** Every action handed downstream, in arrival order (retries included). */
  received: Array<{ alertId: string; actionId: string }>;
  hold(alertId: string): void;
  release(alertId: string): void;
  close(): Promise<void>;
}

export async function startDownstream(): Promise<Downstream> {
  const received: Downstream['received'] = [];
  const held = new Map<string, Array<() => void>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { alertId?: string; action?: { actionId?: string } } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        /* answered 200 all the same */
      }
      const alertId = body.alertId ?? '';
      received.push({ alertId, actionId: body.action?.actionId ?? '' });
      const answer = () => {
        if (!res.destroyed) res.writeHead(200).end();
      };
      const waiting = held.get(alertId);
      if (waiting) waiting.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/actions`,
    received,
    hold: (alertId) => void (held.has(alertId) || held.set(alertId, [])),
    release(alertId) {
      const waiting = held.get(alertId) ?? [];
      held.delete(alertId);
      for (const answer of waiting) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const id of [...held.keys()]) held.delete(id);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Harness {
  /** What startService returned: the ingress and the workers. */
  service: Service;
  ingress: Ingress;
  emulator: Emulator;
  downstream: Downstream;
  /** The Client the ingress uses (tests may spy on its workflowService). */
  client: Client;
  connection: Connection;
  registry: Registry;
  config: Config;
  taskQueue: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Temporal server (default: the shared test server). */
  address?: string;
}

/**
 * The service as `npm start` builds it (startService), on a task queue of its own, against an emulator and a
 * downstream receiver; the ingress on a real port that the emulator's callbacks reach.
 */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  quietRuntime();
  const address = opts.address ?? process.env.TEMPORAL_TEST_ADDRESS!;
  const emulator = await startEmulator({
    rateLimitPerMinute: 0,
    // A platform callback waits 1 s for the ingress's answer (5 s on the platform): enough on a busy machine.
    timeScale: 0.2,
    callbackSigningSecret: SIGNING_SECRET,
    users: [AGENT],
  });
  const downstream = await startDownstream();
  const configFor = (port: number): Config => {
    const base = testConfig({
      temporal: { address },
      ingress: { port, publicBaseUrl: `http://127.0.0.1:${port}`, callbackSigningSecret: SIGNING_SECRET },
      // No fallback webhook: an alert that falls back would post to the network for an hour.
      fallback: { webhookUrl: undefined },
    });
    return {
      ...base,
      genesys: { ...base.genesys, ...emulatorCredentials(emulator) },
      downstream: { webhookUrl: downstream.url },
    };
  };
  // Lazy, like the ingress's own: it must not block start-up nor fail while Temporal is down.
  const connection = createTemporalConnection({ address });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default' });
  const registry = new Registry();
  const taskQueue = uniqueQueue('api');
  let service: Service;
  let config: Config;
  try {
    ({ service, config } = await startServiceOnFreePort(configFor, {
      logger: silentLogger,
      registry,
      client,
      taskQueue,
      workers: {
        workflowBundle: await workflowBundle(),
        genesysActivitiesPerSecond: 0,
        rateLimitThrottle: false,
      },
      ingress: {
        alertsClientOptions: { rpcTimeoutMs: 3_000 },
        relay: { initialBackoffMs: 100, maxBackoffMs: 1_000, pollIntervalMs: 500 },
        drainTimeoutMs: 1_000,
      },
    }));
  } catch (err) {
    await connection.close();
    await downstream.close();
    await emulator.close();
    throw err;
  }
  return {
    service,
    ingress: service.ingress!,
    emulator,
    downstream,
    client,
    connection,
    registry,
    config,
    taskQueue,
    async close() {
      await service.close();
      await connection.close();
      await downstream.close();
      await emulator.close();
    },
  };
}

export const auth = (key = API_KEY) => ({ Authorization: `Bearer ${key}` });

let seq = 0;
export const uniqueKey = (prefix = 'k'): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** Callback actions with these ids (at most 5 in all: MAX_ACTIONS). */
export const callbackActions = (...ids: string[]) =>
  ids.map((id) => ({ id, label: id, actionType: 'callback', metadata: { transactionId: 'TXN-88921' } }));

/** A valid POST /v1/alerts body, to AGENT. */
export function alertBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: { userId: AGENT.id },
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

/**
 * A synthetic callback for `alert-<key>` with notification id `notif-<key>`: for the inbox and relay tests,
 * which run no workflow. Against a real alert use clickOn(), with the notification id the alert was given.
 */
export function callbackFor(
  idempotencyKey: string,
  actionId = 'ack',
  userId = AGENT.id,
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

/** A delivered alert: its id and the notification id Genesys (the emulator) gave its toast. */
export interface Delivered {
  alertId: string;
  notificationId: string;
}

/** The callback the desktop sends when the agent clicks `actionId` on a delivered alert's toast. */
export function clickOn(
  alert: Delivered,
  actionId = 'ack',
  userId = AGENT.id,
  extraMeta: Record<string, unknown> = {},
) {
  return {
    notificationId: alert.notificationId,
    userId,
    actionId,
    metadata: { transactionId: 'TXN-88921', [ALERT_ID_METADATA_KEY]: alert.alertId, ...extraMeta },
    timestamp: new Date().toISOString(),
  };
}

/** GET /v1/alerts/:alertId as the API answers it (status code and body). */
export async function getAlert(
  baseUrl: string,
  alertId: string,
): Promise<{ status: number; body: AlertState }> {
  const res = await fetch(`${baseUrl}/v1/alerts/${alertId}`, { headers: auth() });
  const text = await res.text();
  let body: unknown = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, body: body as AlertState };
}

/**
 * Poll GET /v1/alerts/:alertId until `pred` holds. A failure names the last answer and what `diagnose` adds
 * (say the alert's inbox rows), rather than a bare "condition not met".
 */
export async function waitForAlert(
  baseUrl: string,
  alertId: string,
  pred: (s: AlertState) => boolean,
  opts: { timeoutMs?: number; what?: string; diagnose?: () => unknown } = {},
): Promise<AlertState> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last: { status: number; body: unknown } | { error: string } = { error: 'not asked yet' };
  for (;;) {
    try {
      const r = await getAlert(baseUrl, alertId);
      last = r;
      if (r.status === 200 && pred(r.body)) return r.body;
    } catch (err) {
      last = { error: String(err) };
    }
    if (Date.now() > deadline) {
      const extra = opts.diagnose ? `\n${JSON.stringify(opts.diagnose(), null, 2)}` : '';
      throw new Error(
        `alert ${alertId} not ${opts.what ?? 'in the expected state'} within ${timeoutMs} ms; last GET: ${JSON.stringify(last)}${extra}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The alert's run status as Temporal describes it (COMPLETED, RUNNING, ...); undefined when the call fails, to poll again. */
export async function runStatus(client: Client, alertId: string): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(alertId).describe()).status.name;
  } catch {
    return undefined;
  }
}

/** The alert is done with its actions: actioned, and every action handed downstream (the run closes then). */
export const actionedAndHandedOff = (s: AlertState): boolean =>
  s.status === 'actioned' && s.actions.every((a) => a.downstream !== 'pending');

/** Wait until the alert's toast is out (awaiting_action); its notification id comes from the alert's state. */
export async function delivered(baseUrl: string, alertId: string, timeoutMs = 60_000): Promise<Delivered> {
  const s = await waitForAlert(
    baseUrl,
    alertId,
    (st) => st.status === 'awaiting_action' && !!st.notificationId,
    {
      timeoutMs,
      what: 'awaiting_action',
    },
  );
  return { alertId, notificationId: s.notificationId! };
}

let delivery = 0;
/** Signed headers (Standard Webhooks, the emulator's secret by default) for a body. */
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
