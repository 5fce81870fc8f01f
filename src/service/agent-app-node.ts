/**
 * One ingress process's agent-app node: the hub of its live connections, the WebSocket endpoint, the worker of
 * its own task queue (push, withdraw), the announcer that keeps the registry current, and what the Express app
 * mounts (session exchange, clicks, the page). Built by startIngress when DESKTOP_CHANNELS has agent-app.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import os from 'node:os';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { Gauge, type Registry } from 'prom-client';
import { RegistryAnnouncer } from '../agent-app/announcer';
import { ConnectionHub } from '../agent-app/hub';
import { agentAppKeys } from '../agent-app/keys';
import { attachLiveConnections, type LiveServer } from '../agent-app/live';
import { createNodeActivities } from '../agent-app/node-activities';
import { NodeWorker } from '../agent-app/node-worker';
import { agentAppPageRouter } from '../agent-app/page';
import { dataConverterFor } from '../codec';
import { SESSION_TTL_SECONDS, type AgentAppRouteDeps } from '../api/routes/agent-app';
import type { Config } from '../config';
import type { Logger } from '../observability/logger';
import { activityTracingInterceptor } from '../observability/temporal-tracing';
import type { Tracing } from '../observability/tracing';
import { agentAppNodeQueue } from '../shared/agent-app';
import { temporalConnectOptions } from '../temporal-connection';

export interface AgentAppNodeOptions {
  /** This node's id (default: host name and a random suffix, new each start: a restarted node is a new node). */
  nodeId?: string;
  /** A worker connection to share (the caller's to close); default: the node worker makes its own. */
  nativeConnection?: NativeConnection;
  /** How long a push waits for a display receipt (default 5 s). */
  receiptTimeoutMs?: number;
  /** How often the node announces itself to the registry (default 10 s). */
  announceIntervalMs?: number;
  sessionTtlSeconds?: number;
}

export interface AgentAppNode {
  nodeId: string;
  hub: ConnectionHub;
  worker: NodeWorker;
  routes: Omit<AgentAppRouteDeps, 'inbox' | 'logger'> & { page: ReturnType<typeof agentAppPageRouter> };
  /** Attaches the live connection endpoint to the ingress's HTTP server. */
  listenOn(server: Server): void;
  /** Closes every live connection (the apps reconnect elsewhere) and tells the registry this node is gone. */
  closeConnections(): Promise<void>;
  close(): Promise<void>;
}

const defaultNodeId = (): string =>
  `${
    os
      .hostname()
      .replace(/[^A-Za-z0-9-]/g, '')
      .slice(0, 24) || 'node'
  }-${randomUUID().slice(0, 8)}`;

export function startAgentAppNode(
  o: AgentAppNodeOptions & {
    config: Config;
    client: Client;
    logger: Logger;
    alertsTaskQueue: string;
    registry: Registry;
    tracing?: Tracing;
  },
): AgentAppNode {
  const nodeId = o.nodeId ?? defaultNodeId();
  const keys = agentAppKeys(o.config.ingress.callbackSigningSecret);
  if (keys.ephemeral) {
    o.logger.warn(
      "CALLBACK_SIGNING_SECRET is not set: agent-app sessions and notification ids are this process's own",
    );
  }
  const hub = new ConnectionHub(nodeId);
  const connections = new Gauge({
    name: 'desktop_alerts_agent_app_connections',
    help: 'Live agent-app connections held by this ingress node',
    registers: [o.registry],
  });
  // Read at each scrape (collect), so it needs no bookkeeping of its own.
  new Gauge({
    name: 'desktop_alerts_agent_app_agents',
    help: 'Agents with at least one live agent-app connection on this ingress node',
    registers: [o.registry],
    collect() {
      this.set(hub.connectedAgents().length);
    },
  });
  const worker = new NodeWorker({
    temporal: temporalConnectOptions(o.config.temporal),
    namespace: o.config.temporal.namespace,
    taskQueue: agentAppNodeQueue(o.alertsTaskQueue, nodeId),
    activities: createNodeActivities({
      hub,
      notificationKey: keys.notification,
      receiptTimeoutMs: o.receiptTimeoutMs,
    }),
    logger: o.logger,
    connection: o.nativeConnection,
    dataConverter: dataConverterFor(o.config.temporal),
    activityInterceptors: o.tracing ? [activityTracingInterceptor] : [],
  }).start();
  const announcer = new RegistryAnnouncer({
    client: o.client,
    hub,
    taskQueue: o.alertsTaskQueue,
    logger: o.logger,
    intervalMs: o.announceIntervalMs,
  }).start();
  const sessionTtlSeconds = o.sessionTtlSeconds ?? SESSION_TTL_SECONDS;
  const { agentApp, genesys } = o.config;
  // A real org: the page signs in at its region. Explicit bases (emulator, proxies): the page uses them.
  const page = agentAppPageRouter({
    config: {
      clientId: agentApp.clientId,
      ...(agentApp.genesysHost
        ? { region: agentApp.genesysHost }
        : { apiBase: genesys.apiBase, loginBase: genesys.loginBase }),
      hostOrigins: agentApp.hostOrigins,
      sessionTtlSeconds,
      heartbeatSeconds: agentApp.heartbeatSeconds,
    },
  });
  let live: LiveServer | undefined;
  const sweep = setInterval(() => hub.sweepExpired(), 60_000);
  sweep.unref();
  let closingConnections: Promise<void> | undefined;
  const closeConnections = () =>
    (closingConnections ??= (async () => {
      await announcer.close();
      await live?.close();
    })());
  let closing: Promise<void> | undefined;
  return {
    nodeId,
    hub,
    worker,
    routes: {
      hub,
      keys,
      genesysApiBase: o.config.genesys.apiBase,
      genesysTimeoutMs: o.config.genesys.timeoutMs,
      sessionTtlSeconds,
      page,
    },
    listenOn(server) {
      live = attachLiveConnections(server, {
        hub,
        sessionKey: keys.session,
        logger: o.logger,
        heartbeatSeconds: o.config.agentApp.heartbeatSeconds,
        onConnections: (d) => connections.inc(d),
      });
    },
    closeConnections,
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweep);
        await closeConnections();
        await worker.close();
      })()),
  };
}
