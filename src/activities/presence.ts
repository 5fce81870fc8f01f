import { Batcher } from './batcher';

export interface PresenceReading {
  /** systemPresence, lower case ('available', 'offline', 'on queue', ...). */
  presence?: string;
  routingStatus?: string;
  at: number;
}

export interface PresenceTrackerOptions {
  /** How old a reading may be and still count as "right before the send". */
  maxAgeMs?: number;
  /** The guide's breaker: an agent seen offline is not tried on the desktop for this long. */
  breakerMs?: number;
  /** Agents asked about within this window are refreshed along with the ones asked for. */
  activeWindowMs?: number;
  maxBatch?: number;
  windowMs?: number;
  now?: () => number;
}

/**
 * Agents' presence for the session check. Readings are fetched in bulk (one call for up to
 * `maxBatch` agents, including the other agents the current burst is alerting), kept for a few
 * seconds, and an agent seen offline trips a 300 s breaker.
 */
export class PresenceTracker {
  private readings = new Map<string, PresenceReading>();
  private offlineAt = new Map<string, number>();
  private lastAsked = new Map<string, number>();
  private batcher: Batcher<string, PresenceReading | null>;
  private readonly maxAgeMs: number;
  private readonly breakerMs: number;
  private readonly activeWindowMs: number;

  constructor(
    fetch: (userIds: string[]) => Promise<Map<string, Omit<PresenceReading, 'at'>>>,
    private readonly opts: PresenceTrackerOptions = {},
  ) {
    this.maxAgeMs = opts.maxAgeMs ?? 5_000;
    this.breakerMs = opts.breakerMs ?? 300_000;
    this.activeWindowMs = opts.activeWindowMs ?? 60_000;
    this.batcher = new Batcher(
      async (ids) => {
        const found = await fetch(ids);
        const at = this.now();
        const out = new Map<string, PresenceReading | null>();
        for (const id of ids) {
          const r = found.get(id);
          if (r) this.observe(id, r.presence, r.routingStatus, at);
          out.set(id, r ? { ...r, at } : null);
        }
        return out;
      },
      {
        windowMs: opts.windowMs ?? 5,
        maxBatch: opts.maxBatch ?? 100,
        // Refresh the burst's other agents in the same call, so they need no call of their own.
        extraKeys: (room, queued) => this.staleActiveAgents(room, queued),
      },
    );
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private staleActiveAgents(room: number, queued: Set<string>): string[] {
    const now = this.now();
    const out: string[] = [];
    for (const [id, askedAt] of this.lastAsked) {
      if (out.length >= room) break;
      if (now - askedAt > this.activeWindowMs) {
        this.lastAsked.delete(id);
        continue;
      }
      const r = this.readings.get(id);
      if (!queued.has(id) && (!r || now - r.at > this.maxAgeMs / 2)) out.push(id);
    }
    return out;
  }

  /** Record a reading obtained elsewhere (a user search with expand=presence). */
  observe(
    userId: string,
    presence: string | undefined,
    routingStatus: string | undefined,
    at = this.now(),
  ): void {
    this.readings.set(userId, { presence, routingStatus, at });
    if (presence === 'offline') this.offlineAt.set(userId, at);
    else this.offlineAt.delete(userId);
  }

  breakerOpen(userId: string): boolean {
    const at = this.offlineAt.get(userId);
    return at !== undefined && this.now() - at < this.breakerMs;
  }

  /** Forget what we know of an agent (after a 404/409 from the send). */
  invalidate(userId: string): void {
    this.readings.delete(userId);
  }

  /** The reading we already hold when it is no older than maxAgeMs: no call. */
  recent(userId: string): PresenceReading | undefined {
    const r = this.readings.get(userId);
    return r && this.now() - r.at <= this.maxAgeMs ? r : undefined;
  }

  /** A reading no older than maxAgeMs (or a new one when `fresh`); null when the user is unknown. */
  async get(userId: string, fresh = false): Promise<PresenceReading | null> {
    this.lastAsked.set(userId, this.now());
    const r = fresh ? undefined : this.recent(userId);
    if (r) return r;
    return (await this.batcher.get(userId)) ?? null;
  }

  close(): void {
    this.batcher.close();
  }
}
