/**
 * What the workflows and the rest of the service share about the agent app (AGENT-APP.md): the desktop channels,
 * the task queue of each ingress node, the registry of live connections (a workflow; its messages are here) and
 * what the push reports. Free of Node APIs: workflow code imports it.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** How an alert reaches the agent's screen, in the order DESKTOP_CHANNELS lists them (ARCHITECTURE.md). */
export const DESKTOP_CHANNELS = ['agent-app', 'notifications-endpoint'] as const;
export type DesktopChannel = (typeof DESKTOP_CHANNELS)[number];

/**
 * Each ingress node polls its own queue for the pushes to the agents connected to it (samples-typescript's
 * worker-specific task queues). Derived from the alerts queue, so a test's queue renames every node's too.
 */
export const agentAppNodeQueue = (alertsTaskQueue: string, nodeId: string): string =>
  `${alertsTaskQueue}-agent-app-${nodeId}`;

/** The registry's workflow id: one per alerts queue (so tests on their own queue have their own). */
export const agentAppRegistryId = (alertsTaskQueue: string): string =>
  `agent-app-registry-${alertsTaskQueue}`;

export interface ConnectedAgent {
  userId: string;
  email?: string;
  name?: string;
}

/** A node's whole picture of who is connected to it, sent on every change and as its heartbeat. */
export interface NodeSnapshot {
  nodeId: string;
  /** The node's clock, ms since the epoch: readers drop a node whose last snapshot is too old. */
  at: number;
  agents: ConnectedAgent[];
}

export const nodeSnapshotSignal = defineSignal<[NodeSnapshot]>('nodeSnapshot');
/** A node that stops cleanly says so, so its agents are not looked for there. */
export const nodeGoneSignal = defineSignal<[{ nodeId: string }]>('nodeGone');

export interface LocateRequest {
  userId?: string;
  email?: string;
}
export interface LocatedAgent {
  agent: ConnectedAgent;
  /** Nodes holding a live connection of the agent, with the time of each node's last snapshot. */
  nodes: Array<{ nodeId: string; at: number }>;
}
export const locateQuery = defineQuery<LocatedAgent | null, [LocateRequest]>('locate');
/** Every node's last snapshot: what the workers cache, so a look-up costs no query (src/agent-app/locate.ts). */
export const snapshotsQuery = defineQuery<NodeSnapshot[]>('snapshots');

/** The agent among the nodes' snapshots, by user id or (lower-case) email, with every node that holds them. */
export function locateIn(nodes: Iterable<NodeSnapshot>, req: LocateRequest): LocatedAgent | null {
  const wanted = req.email?.toLowerCase();
  let agent: ConnectedAgent | undefined;
  const at: LocatedAgent['nodes'] = [];
  for (const n of nodes) {
    const a = n.agents.find((x) =>
      req.userId ? x.userId === req.userId : wanted !== undefined && x.email === wanted,
    );
    if (!a) continue;
    agent = agent ? { ...agent, ...a } : a;
    at.push({ nodeId: n.nodeId, at: n.at });
  }
  return agent ? { agent, nodes: at } : null;
}

/** Why a desktop channel did not deliver (besides the notifications endpoint's own DesktopSkipReason). */
export type ChannelSkipReason =
  | 'no_live_session' // agent-app: no live connection, or none acknowledged display in time
  | 'endpoint_missing' // notifications-endpoint: the org has no such endpoint (404 for the path)
  | 'delivery_failed' // the channel failed for another reason (see the detail)
  | 'agent_not_found'
  | 'agent_ambiguous'
  | 'agent_inactive'
  | 'logged_out'
  | 'outside_operational_window'
  | 'breaker_open'
  | 'session_changed';

/** One channel's try, in the alert's state (AlertState.channels). */
export interface ChannelAttempt {
  channel: DesktopChannel;
  outcome: 'delivered' | 'skipped';
  reason?: ChannelSkipReason;
  detail?: string;
  at: string;
}

/** The agent-app push: shown on at least one live connection (its display receipt came), or not. */
export type AgentAppPushResult =
  | { outcome: 'displayed'; notificationId: string; connections: number; displayedAt: string }
  | { outcome: 'no_live_session'; detail: string };

export interface AgentAppPushInput {
  alertId: string;
  correlationId: string;
  userId: string;
  title: string;
  message: string;
  type: 'info' | 'warning' | 'error';
  priority: 'high' | 'normal' | 'low';
  actions: Array<{ id?: string; label: string; actionType: 'callback' | 'openUrl'; url?: string }>;
  expiresAt: string;
}

export type WithdrawReason = 'handled' | 'expired' | 'cancelled';
export interface AgentAppWithdrawInput {
  userId: string;
  notificationId: string;
  reason: WithdrawReason;
}

/** The locate activity (a local activity of the alert workflow; src/agent-app/locate.ts). */
export interface AgentAppLocateActivities {
  locateAgentApp(input: LocateRequest & { registryId: string }): Promise<LocatedAgent | null>;
}

/** The activities each ingress node serves on its own queue (src/agent-app/node-activities.ts). */
export interface AgentAppNodeActivities {
  pushToAgentApp(input: AgentAppPushInput): Promise<AgentAppPushResult>;
  withdrawFromAgentApp(input: AgentAppWithdrawInput): Promise<{ connections: number }>;
}
