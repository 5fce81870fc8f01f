/**
 * This node's live connections: who is connected, the alerts pushed to them and still open, and the display
 * receipts a push is waiting for. The WebSocket side (./live.ts) attaches and detaches connections and hands in
 * receipts; the push and withdraw activities (./node-activities.ts) use the rest. One hub per ingress process.
 */
import type { AgentAppPushInput, ConnectedAgent, WithdrawReason } from '../shared/agent-app';

/** One live connection, as the hub sees it. */
export interface LiveConnection {
  readonly userId: string;
  /** Sends one event; false when the connection is gone. */
  send(event: string, data: unknown): boolean;
}

/** An alert pushed to the app: the push's input, its notification id, and each action with its id. */
export type PushedAlert = Omit<AgentAppPushInput, 'actions'> & {
  notificationId: string;
  actions: Array<{ id: string; label: string; actionType: 'callback' | 'openUrl'; url?: string }>;
};

interface AgentEntry {
  agent: ConnectedAgent;
  connections: Set<LiveConnection>;
}

interface Waiter {
  userId: string;
  resolve: (at: string) => void;
}

export class ConnectionHub {
  private readonly agents = new Map<string, AgentEntry>();
  /** Open alerts by notification id (pushed, not withdrawn, not expired): replayed to a connection that comes later. */
  private readonly open = new Map<string, PushedAlert>();
  private readonly waiting = new Map<string, Set<Waiter>>();
  private readonly changeListeners = new Set<() => void>();

  constructor(readonly nodeId: string) {}

  /** Called whenever the set of connected agents changes (the registry announcer listens). */
  onChange(fn: () => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  attach(conn: LiveConnection, agent: ConnectedAgent): void {
    let entry = this.agents.get(agent.userId);
    const added = !entry;
    if (!entry) this.agents.set(agent.userId, (entry = { agent, connections: new Set() }));
    entry.agent = { ...entry.agent, ...agent };
    entry.connections.add(conn);
    // What this node still holds for the agent: a reconnecting app gets it again (it dedups by notification id).
    for (const a of this.openFor(agent.userId)) conn.send('alert', publicView(a));
    if (added) this.changed();
  }

  detach(conn: LiveConnection): void {
    const entry = this.agents.get(conn.userId);
    if (!entry || !entry.connections.delete(conn)) return;
    if (entry.connections.size === 0) {
      this.agents.delete(conn.userId);
      this.changed();
    }
  }

  connectedAgents(): ConnectedAgent[] {
    return [...this.agents.values()].map((e) => e.agent);
  }

  connectionCount(userId?: string): number {
    if (userId !== undefined) return this.agents.get(userId)?.connections.size ?? 0;
    let n = 0;
    for (const e of this.agents.values()) n += e.connections.size;
    return n;
  }

  /** An open alert this node pushed, by notification id. */
  lookup(notificationId: string): PushedAlert | undefined {
    const a = this.open.get(notificationId);
    if (a && Date.parse(a.expiresAt) <= Date.now()) {
      this.open.delete(notificationId);
      return undefined;
    }
    return a;
  }

  /**
   * Shows the alert on every live connection of its agent and resolves with the time of the first display
   * receipt, or null when the agent has no connection here or none acknowledged within `receiptTimeoutMs`.
   * A push that ends with null takes the alert back (see giveUp): the workflow goes on to the next channel.
   */
  async push(
    alert: PushedAlert,
    receiptTimeoutMs: number,
  ): Promise<{ connections: number; displayedAt: string } | null> {
    const entry = this.agents.get(alert.userId);
    if (!entry || entry.connections.size === 0) return null;
    this.open.set(alert.notificationId, alert);
    const displayed = this.awaitReceipt(alert.notificationId, alert.userId, receiptTimeoutMs);
    let sent = 0;
    for (const c of entry.connections) if (c.send('alert', publicView(alert))) sent++;
    if (sent === 0) {
      this.cancelWaiters(alert.notificationId);
      this.giveUp(alert);
      return null;
    }
    const at = await displayed;
    if (!at) {
      this.giveUp(alert);
      return null;
    }
    return { connections: sent, displayedAt: at };
  }

  /** A connection's `displayed` frame. Only the alert's own agent's receipt counts. */
  receipt(userId: string, notificationId: string): void {
    const waiters = this.waiting.get(notificationId);
    if (!waiters) return;
    const at = new Date().toISOString();
    for (const w of [...waiters]) if (w.userId === userId) w.resolve(at);
  }

  /** Takes the alert off every connection of its agent here. Returns how many connections were told. */
  withdraw(userId: string, notificationId: string, reason: WithdrawReason): number {
    this.open.delete(notificationId);
    this.cancelWaiters(notificationId);
    let told = 0;
    for (const c of this.agents.get(userId)?.connections ?? []) {
      if (c.send('withdraw', { notificationId, reason })) told++;
    }
    return told;
  }

  /** Drops open alerts past their expiry (the app drops them on its own too). */
  sweepExpired(now = Date.now()): void {
    for (const [id, a] of this.open) if (Date.parse(a.expiresAt) <= now) this.open.delete(id);
  }

  /**
   * A push that got no receipt reports `no_live_session`, and the workflow hands the alert to the next channel
   * and never withdraws it here. So this node forgets it now (no replay on a later connect, no click route
   * lookup), and a connection that drew it anyway (a slow browser) is told to drop it: otherwise the agent sees
   * the alert twice and its buttons lead to a click the workflow refuses. The protocol has no reason for "went
   * elsewhere"; `cancelled` is the closest (this channel's delivery was called off) and the app treats all alike.
   * Only while the open alert is still this push's: a withdraw already took it, or a later push of the same
   * notification (a retried activity) holds it now and decides for itself.
   */
  private giveUp(alert: PushedAlert): void {
    if (this.open.get(alert.notificationId) !== alert) return;
    this.withdraw(alert.userId, alert.notificationId, 'cancelled');
  }

  private openFor(userId: string): PushedAlert[] {
    this.sweepExpired();
    return [...this.open.values()].filter((a) => a.userId === userId);
  }

  private awaitReceipt(notificationId: string, userId: string, timeoutMs: number): Promise<string | null> {
    return new Promise((resolve) => {
      let set = this.waiting.get(notificationId);
      if (!set) this.waiting.set(notificationId, (set = new Set()));
      const waiter: Waiter = {
        userId,
        resolve: (at) => {
          clearTimeout(timer);
          set!.delete(waiter);
          if (set!.size === 0) this.waiting.delete(notificationId);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        set!.delete(waiter);
        if (set!.size === 0) this.waiting.delete(notificationId);
        resolve(null);
      }, timeoutMs);
      set.add(waiter);
    });
  }

  private cancelWaiters(notificationId: string): void {
    const set = this.waiting.get(notificationId);
    if (!set) return;
    this.waiting.delete(notificationId);
    // Resolve as "no receipt": a withdrawn alert was not displayed by this push.
    for (const w of set) w.resolve('');
  }

  private changed(): void {
    for (const fn of this.changeListeners) fn();
  }
}

/** The `alert` event's data: what the app may see (no correlation id, no user id). */
function publicView(a: PushedAlert) {
  return {
    notificationId: a.notificationId,
    alertId: a.alertId,
    title: a.title,
    message: a.message,
    type: a.type,
    priority: a.priority,
    actions: a.actions,
    expiresAt: a.expiresAt,
  };
}
