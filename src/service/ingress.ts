/**
 * The ingress of one process: the Express app, the durable callback inbox, its relay and its retention, on a
 * Temporal connection that never blocks start-up (the ingress must answer /healthz and take callbacks while
 * Temporal is down). Built by startService (./index.ts).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { Registry } from 'prom-client';
import { createApp } from '../api/app';
import { ingressMetrics } from '../api/metrics';
import { CallbackInbox } from '../callbacks/inbox';
import { CallbackRelay } from '../callbacks/relay';
import { InboxRetention } from '../callbacks/retention';
import { AlertsClient, type AlertsClientOptions } from '../alerts';
import { dataConverterFor } from '../codec';
import { ALERTS_TASK_QUEUE } from '../shared/constants';
import type { Config } from '../config';
import { startAgentAppNode, type AgentAppNode, type AgentAppNodeOptions } from './agent-app-node';
import type { Logger } from '../observability/logger';
import { clientTracingInterceptors } from '../observability/temporal-tracing';
import type { Tracing } from '../observability/tracing';
import { temporalConnectOptions, type TemporalConnectOptions } from '../temporal-connection';

export interface StartIngressOptions {
  config: Config;
  logger: Logger;
  /** A ready Client (its connection is the caller's to close; its data converter must match config.temporal's). */
  client?: Client;
  /** A connection to build the Client on (the caller's to close). Neither given: a lazy one is made and owned. */
  connection?: Connection;
  /** SQLite file of the callback inbox (default `<dataDir>/callbacks.sqlite`). */
  inboxFile?: string;
  registry?: Registry;
  /** Passed to AlertsClient (tests use their own task queue). */
  alertsClientOptions?: AlertsClientOptions;
  relay?: { concurrency?: number; initialBackoffMs?: number; maxBackoffMs?: number; pollIntervalMs?: number };
  /** See AppDeps.insecureDevMode. */
  insecureDevMode?: boolean;
  /** Max time close() waits for in-flight requests before cutting connections. */
  drainTimeoutMs?: number;
  /** The agent-app node's options (its id, a worker connection to share); `false`: no agent app here. */
  agentApp?: false | AgentAppNodeOptions;
  /** Tracing on: the Client made here carries traces into workflow starts; the agent-app node's pushes are traced. */
  tracing?: Tracing;
}

export interface Ingress {
  url: string;
  /** The address the server is bound to, `host:port` (HOST; 127.0.0.1 unless set). */
  bound: string;
  port: number;
  inbox: CallbackInbox;
  relay: CallbackRelay;
  alerts: AlertsClient;
  /** This process's agent-app node (undefined when DESKTOP_CHANNELS has no agent-app). */
  agentApp?: AgentAppNode;
  close(): Promise<void>;
}

/**
 * A connection that never blocks start-up: the ingress must answer /healthz and take callbacks
 * while Temporal is down. Reconnect back-off is capped so it notices a returning server quickly.
 */
export function createTemporalConnection(
  temporal: TemporalConnectOptions,
  extra: ConnectionOptions = {},
): Connection {
  return Connection.lazy({
    ...temporalConnectOptions(temporal),
    ...extra,
    channelArgs: {
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 2_000,
      ...extra.channelArgs,
    },
  });
}

export async function startIngress(opts: StartIngressOptions): Promise<Ingress> {
  const { config, logger } = opts;
  const ownedConnection =
    opts.client || opts.connection ? undefined : createTemporalConnection(config.temporal);
  const client =
    opts.client ??
    new Client({
      connection: (opts.connection ?? ownedConnection)!,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFor(config.temporal),
      interceptors: clientTracingInterceptors(opts.tracing),
    });
  const alerts = new AlertsClient(client, config, opts.alertsClientOptions);
  const registry = opts.registry ?? new Registry();
  const inbox = new CallbackInbox(opts.inboxFile ?? path.join(config.dataDir, 'callbacks.sqlite'));
  const cleanup: Array<() => Promise<void> | void> = [() => inbox.close()];
  if (ownedConnection) cleanup.push(() => ownedConnection.close());
  let server: Server | undefined;
  let relay: CallbackRelay | undefined;
  let agentApp: AgentAppNode | undefined;
  try {
    if (opts.agentApp !== false && config.desktopChannels.includes('agent-app')) {
      agentApp = startAgentAppNode({
        config,
        client,
        logger: logger.child({ component: 'agent-app' }),
        alertsTaskQueue: opts.alertsClientOptions?.taskQueue ?? ALERTS_TASK_QUEUE,
        registry,
        tracing: opts.tracing,
        ...opts.agentApp,
      });
      const node = agentApp;
      // The node's own parts stop before the inbox they write to closes (cleanup runs in reverse).
      cleanup.push(() => node.close());
    }
    const metrics = ingressMetrics(registry, inbox);
    relay = new CallbackRelay({
      inbox,
      alerts,
      logger: logger.child({ component: 'callback-relay' }),
      ...opts.relay,
      onOutcome: (outcome, reason) => metrics.relayOutcomes.inc({ outcome, reason: reason ?? '' }),
    });
    const app = createApp({
      config,
      alerts,
      inbox,
      logger,
      registry,
      isReady: () => alerts.ping(),
      insecureDevMode: opts.insecureDevMode,
      agentApp: agentApp?.routes,
    });
    relay.start();
    // Applied callbacks are deleted after CALLBACK_RETENTION_DAYS (hourly), so the inbox does not grow forever.
    const retention = new InboxRetention({
      inbox,
      logger: logger.child({ component: 'callback-retention' }),
      days: config.callbackRetentionDays,
      onPruned: (n) => metrics.inboxPruned.inc(n),
    }).start();
    cleanup.push(() => retention.close()); // cleanup runs in reverse: before the inbox closes
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.ingress.port, config.ingress.host, (err?: Error) =>
        err ? reject(err) : resolve(s),
      );
      s.once('error', reject);
    });
    agentApp?.listenOn(server);
    // Keep-alive sockets must not outlive close(); bound how long a slow client can hold a request.
    server.keepAliveTimeout = 5_000;
    server.requestTimeout = 30_000;
  } catch (err) {
    await relay?.close();
    for (const fn of cleanup.reverse()) await fn();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const host =
    addr.family === 'IPv6' ? `[${addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
  const url = `http://${host}:${addr.port}`;
  const bound = `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info(
    {
      url,
      bound,
      temporal: config.temporal.address ?? 'localhost:7233',
      namespace: config.temporal.namespace,
    },
    'ingress listening',
  );

  let closing: Promise<void> | undefined;
  let draining = false;
  const srv = server;
  const rel = relay;
  // While draining, a request that arrives on an existing keep-alive socket is still served, but its
  // answer says `Connection: close`, so the client moves on instead of holding the socket open.
  srv.prependListener('request', (_req, res) => {
    if (draining) res.shouldKeepAlive = false;
  });
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting, let in-flight requests finish (bounded), then stop the relay and release resources. The
      // agent app's live connections are told first, so the apps reconnect to another node at once.
      draining = true;
      await agentApp?.closeConnections();
      const drained = new Promise<void>((resolve) => srv.close(() => resolve()));
      // server.close() only drops the sockets idle at that instant; one busy then would stay open after its
      // answer until the drain time-out. Close each socket as soon as its last answer is out.
      const sweep = setInterval(() => srv.closeIdleConnections(), 50);
      srv.closeIdleConnections();
      const drainTimeoutMs = opts.drainTimeoutMs ?? 10_000;
      // The closed line says how the drain ended: `complete` (every answer went out) or `cut` (the time-out closed
      // what was still open). An operator sees a cut drain; the shutdown test tells one from the other without
      // timing the process.
      let drain: 'complete' | 'cut' = 'complete';
      const timer = setTimeout(() => {
        drain = 'cut';
        logger.warn({ drainTimeoutMs }, 'drain time-out: closing the connections still open');
        srv.closeAllConnections();
      }, drainTimeoutMs);
      await drained;
      clearInterval(sweep);
      clearTimeout(timer);
      await rel.close();
      for (const fn of cleanup.reverse()) await fn();
      logger.info({ drain }, 'ingress closed');
    })());
  return { url, bound, port: addr.port, inbox, relay, alerts, agentApp, close };
}
