/** Unit tests of the look-up caches the guide asks for: the 15-minute email cache and the offline breaker. */
import { AgentDirectory } from '../../src/activities/directory';
import { PresenceTracker } from '../../src/activities/presence';
import type { GenesysClient, GenesysUser } from '../../src/genesys/types';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('PresenceTracker', () => {
  test('an agent seen offline trips the 300 s breaker; a fresh reading closes it', async () => {
    const c = clock();
    let presence = 'offline';
    const calls: string[][] = [];
    const t = new PresenceTracker(
      async (ids) => {
        calls.push(ids);
        return new Map(ids.map((id) => [id, { presence }]));
      },
      { now: c.now, maxAgeMs: 5_000, windowMs: 1 },
    );
    expect((await t.get('u1'))?.presence).toBe('offline');
    expect(t.breakerOpen('u1')).toBe(true);
    expect(t.recent('u1')).toBeDefined();
    c.advance(6_000);
    expect(t.recent('u1')).toBeUndefined(); // no longer fresh: callers skip on the breaker alone
    expect(t.breakerOpen('u1')).toBe(true);
    c.advance(295_000);
    expect(t.breakerOpen('u1')).toBe(false); // 301 s later
    presence = 'available';
    expect((await t.get('u1', true))?.presence).toBe('available');
    expect(t.breakerOpen('u1')).toBe(false);
    expect(calls).toHaveLength(2);
    t.close();
  });

  test('concurrent look-ups of many agents become one bulk call, and a fresh reading is not fetched again', async () => {
    const calls: string[][] = [];
    const t = new PresenceTracker(
      async (ids) => {
        calls.push(ids);
        return new Map(ids.map((id) => [id, { presence: 'available' }]));
      },
      { windowMs: 5 },
    );
    await Promise.all(Array.from({ length: 40 }, (_, i) => t.get(`u${i % 20}`)));
    expect(calls).toHaveLength(1);
    expect(new Set(calls[0])).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `u${i}`)));
    await t.get('u3');
    expect(calls).toHaveLength(1);
    t.close();
  });
});

describe('AgentDirectory', () => {
  const user = (id: string, email: string, state = 'active'): GenesysUser => ({ id, email, state, name: id });
  function directory(users: GenesysUser[], now: () => number) {
    const searches: string[][] = [];
    const genesys = {
      searchUsersByEmail: async (emails: string[]) => {
        searches.push(emails);
        return users.filter((u) => emails.includes(u.email!.toLowerCase()));
      },
    } as unknown as GenesysClient;
    return { d: new AgentDirectory(genesys, { now }), searches };
  }

  test('email -> agent is cached for 15 minutes, and a burst is one multi-value search', async () => {
    const c = clock();
    const { d, searches } = directory([user('a', 'a@x.com'), user('b', 'b@x.com')], c.now);
    const rs = await Promise.all(['a@x.com', 'B@X.com', 'a@x.com'].map((e) => d.resolve(e)));
    expect(rs.map((r) => r.ok && r.agent.userId)).toEqual(['a', 'b', 'a']);
    expect(searches).toHaveLength(1);
    c.advance(14 * 60_000);
    await d.resolve('a@x.com');
    expect(searches).toHaveLength(1);
    c.advance(2 * 60_000);
    await d.resolve('a@x.com');
    expect(searches).toHaveLength(2);
    d.close();
  });

  test('never the first of several: ambiguous, inactive-only and unknown are refused with their reason', () => {
    expect(AgentDirectory.decide('s@x.com', [user('1', 's@x.com'), user('2', 's@x.com')])).toMatchObject({
      ok: false,
      reason: 'agent_ambiguous',
    });
    expect(
      AgentDirectory.decide('s@x.com', [user('1', 's@x.com', 'inactive'), user('2', 's@x.com', 'deleted')]),
    ).toMatchObject({ ok: false, reason: 'agent_inactive' });
    expect(AgentDirectory.decide('s@x.com', [])).toMatchObject({ ok: false, reason: 'agent_not_found' });
    expect(
      AgentDirectory.decide('s@x.com', [user('old', 's@x.com', 'inactive'), user('new', 's@x.com')]),
    ).toMatchObject({ ok: true, agent: { userId: 'new' } });
  });
});
