/**
 * Keeps the registry workflow current about this node: a snapshot of its connected agents on every change (a
 * short debounce gathers a burst of connects into one signal) and every `intervalMs` as a heartbeat; `nodeGone`
 * when the node stops. Signal-with-start, so the first node to announce creates the registry. While Temporal is
 * unreachable the snapshots fail and the next one carries the whole picture: nothing to catch up.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from '../observability/logger';
import {
  agentAppRegistryId,
  nodeGoneSignal,
  nodeSnapshotSignal,
  type NodeSnapshot,
} from '../shared/agent-app';
import type { ConnectionHub } from './hub';

export const ANNOUNCE_INTERVAL_MS = 10_000;
const DEBOUNCE_MS = 50;

export class RegistryAnnouncer {
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private inFlight: Promise<void> = Promise.resolve();
  private again = false;
  private closed = false;

  constructor(
    private readonly o: {
      client: Client;
      hub: ConnectionHub;
      /** The alerts task queue: the registry runs there, and its id is derived from it. */
      taskQueue: string;
      logger: Logger;
      intervalMs?: number;
    },
  ) {}

  start(): this {
    this.unsubscribe = this.o.hub.onChange(() => this.schedule());
    this.timer = setInterval(() => this.announce(), this.o.intervalMs ?? ANNOUNCE_INTERVAL_MS);
    this.timer.unref();
    this.announce();
    return this;
  }

  private schedule(): void {
    if (this.closed) return;
    this.soon ??= setTimeout(() => {
      this.soon = undefined;
      this.announce();
    }, DEBOUNCE_MS);
  }

  /** One snapshot at a time; a change during one is sent right after it. */
  private announce(): void {
    if (this.closed) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.inFlight = this.send()
      .catch((err: unknown) => this.o.logger.warn({ err }, 'agent-app registry: snapshot not sent (retried)'))
      .finally(() => {
        this.busy = false;
        if (this.again) {
          this.again = false;
          this.announce();
        }
      });
  }
  private busy = false;

  private async send(): Promise<void> {
    const snapshot: NodeSnapshot = {
      nodeId: this.o.hub.nodeId,
      at: Date.now(),
      agents: this.o.hub.connectedAgents(),
    };
    await this.o.client.workflow.signalWithStart('agentAppRegistry', {
      workflowId: agentAppRegistryId(this.o.taskQueue),
      taskQueue: this.o.taskQueue,
      signal: nodeSnapshotSignal,
      signalArgs: [snapshot],
      args: [],
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.unsubscribe?.();
    await this.inFlight;
    try {
      await this.o.client.workflow
        .getHandle(agentAppRegistryId(this.o.taskQueue))
        .signal(nodeGoneSignal, { nodeId: this.o.hub.nodeId });
    } catch (err) {
      this.o.logger.debug({ err }, 'agent-app registry: nodeGone not sent (the node ages out instead)');
    }
  }
}
