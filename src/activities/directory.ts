import type { GenesysClient, GenesysUser } from '../genesys/types';
import { Batcher } from './batcher';
import type { ResolvedAgent } from './types';

export type Resolution =
  | { ok: true; agent: ResolvedAgent; user: GenesysUser }
  | { ok: false; reason: 'agent_not_found' | 'agent_ambiguous' | 'agent_inactive'; detail: string };

/**
 * email -> agent, as the guide asks: active users only, never the first of several, cached 15 min.
 * Concurrent look-ups are merged into one multi-value user search.
 */
export class AgentDirectory {
  private cache = new Map<string, { value: Resolution; at: number }>();
  private batcher: Batcher<string, GenesysUser[]>;

  constructor(
    private readonly genesys: GenesysClient,
    private readonly opts: {
      ttlMs?: number;
      negativeTtlMs?: number;
      now?: () => number;
      onUsers?: (users: GenesysUser[], at: number) => void;
    } = {},
  ) {
    this.batcher = new Batcher(
      async (emails) => {
        const users = await this.genesys.searchUsersByEmail(emails);
        this.opts.onUsers?.(users, this.now());
        const byEmail = new Map<string, GenesysUser[]>(emails.map((e) => [e, []]));
        for (const u of users) byEmail.get((u.email ?? '').trim().toLowerCase())?.push(u);
        return byEmail;
      },
      { windowMs: 10, maxBatch: 25 },
    );
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  async resolve(email: string): Promise<Resolution> {
    const key = email.trim().toLowerCase();
    const hit = this.cache.get(key);
    const ttl = hit?.value.ok ? (this.opts.ttlMs ?? 15 * 60_000) : (this.opts.negativeTtlMs ?? 60_000);
    if (hit && this.now() - hit.at < ttl) return hit.value;
    const users = (await this.batcher.get(key)) ?? [];
    const value = AgentDirectory.decide(key, users);
    this.cache.set(key, { value, at: this.now() });
    return value;
  }

  static decide(email: string, users: GenesysUser[]): Resolution {
    const active = users.filter((u) => u.state === 'active');
    if (active.length === 1) {
      const u = active[0]!;
      return { ok: true, agent: { userId: u.id, email: u.email, name: u.name }, user: u };
    }
    if (active.length > 1) {
      return {
        ok: false,
        reason: 'agent_ambiguous',
        detail: `${active.length} active users have the email ${email}`,
      };
    }
    if (users.length > 0) {
      return {
        ok: false,
        reason: 'agent_inactive',
        detail: `the only users with the email ${email} are not active`,
      };
    }
    return { ok: false, reason: 'agent_not_found', detail: `no user has the email ${email}` };
  }

  close(): void {
    this.batcher.close();
  }
}
