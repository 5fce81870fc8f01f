/** The workers' copy of the registry: look-ups read memory; queries are few, shared, and fetched when needed. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createLocateActivity } from '../../src/agent-app/locate';
import type { NodeSnapshot } from '../../src/shared/agent-app';

/** A client whose registry query reads `snapshots` when served, then calls `onServed` (a test's clock step), then answers. */
function fakeClient(snapshots: () => NodeSnapshot[] | Error, onServed?: () => void) {
  let queries = 0;
  const client = {
    workflow: {
      getHandle: () => ({
        query: async () => {
          queries++;
          const s = snapshots();
          onServed?.();
          await new Promise((r) => setTimeout(r, 5));
          if (s instanceof Error) throw s;
          return s;
        },
      }),
    },
  } as unknown as Client;
  return { client, queries: () => queries };
}

describe('locateAgentApp (the registry copy)', () => {
  let clock = 1_000_000;
  const now = () => clock;
  const node = (nodeId: string, agents: NodeSnapshot['agents'], at = clock): NodeSnapshot => ({
    nodeId,
    at,
    agents,
  });
  const input = (q: { userId?: string; email?: string }) => ({ registryId: 'reg', ...q });

  test('one shared query for a burst of look-ups; then reads from memory while the copy is fresh', async () => {
    const f = fakeClient(() => [node('n1', [{ userId: 'u1', email: 'a@example.com' }])]);
    const { locateAgentApp } = createLocateActivity({ client: f.client, now });
    const found = await Promise.all(
      Array.from({ length: 20 }, () => locateAgentApp(input({ userId: 'u1' }))),
    );
    expect(found.every((r) => r?.nodes[0]?.nodeId === 'n1')).toBe(true);
    expect(f.queries()).toBe(1);
    // By email (lower case), from memory.
    await expect(locateAgentApp(input({ email: 'A@example.com' }))).resolves.toMatchObject({
      agent: { userId: 'u1' },
    });
    await expect(locateAgentApp(input({ userId: 'nobody' }))).resolves.toBeNull();
    expect(f.queries()).toBe(1);
  });

  test('a miss in a copy that is no longer fresh waits for a refresh, so a just-connected agent is found', async () => {
    let agents: NodeSnapshot['agents'] = [];
    const f = fakeClient(() => [node('n1', agents)]);
    const { locateAgentApp } = createLocateActivity({ client: f.client, now });
    await expect(locateAgentApp(input({ userId: 'u2' }))).resolves.toBeNull();
    agents = [{ userId: 'u2' }];
    clock += 300; // past FRESH_MS
    await expect(locateAgentApp(input({ userId: 'u2' }))).resolves.toMatchObject({ agent: { userId: 'u2' } });
    expect(f.queries()).toBe(2);
  });

  test('a copy is as old as its query, not its answer: a slow answer does not hide an agent who connected meanwhile', async () => {
    // The registry is read when the query is served; the answer comes 200 ms later (a busy worker). An agent who
    // connected in between is missing from that copy, so the copy must count as 200 ms old on arrival: timed
    // from its answer, it looked fresh for another 250 ms and a look-up missed the agent without asking again.
    let agents: NodeSnapshot['agents'] = [];
    const f = fakeClient(
      () => [node('n1', agents)],
      () => (clock += 200),
    );
    const { locateAgentApp } = createLocateActivity({ client: f.client, now });
    await expect(locateAgentApp(input({ userId: 'u4' }))).resolves.toBeNull();
    agents = [{ userId: 'u4' }]; // connected while the answer was on its way
    clock += 60; // 60 ms after the answer, 260 ms after the registry was read
    await expect(locateAgentApp(input({ userId: 'u4' }))).resolves.toMatchObject({ agent: { userId: 'u4' } });
    expect(f.queries()).toBe(2);
  });

  test('a copy past its maximum age is fetched again; nodes silent for 30 s are left out', async () => {
    const f = fakeClient(() => [
      node('old', [{ userId: 'u3' }], clock - 31_000),
      node('n2', [{ userId: 'u3' }]),
    ]);
    const { locateAgentApp } = createLocateActivity({ client: f.client, now });
    await expect(locateAgentApp(input({ userId: 'u3' }))).resolves.toMatchObject({
      nodes: [{ nodeId: 'n2' }],
    });
    clock += 2_000;
    await locateAgentApp(input({ userId: 'u3' }));
    expect(f.queries()).toBe(2);
  });

  test('no registry yet is nobody connected; any other failure is the caller’s to see', async () => {
    const missing = fakeClient(() => new WorkflowNotFoundError('not found', 'reg', undefined));
    await expect(
      createLocateActivity({ client: missing.client, now }).locateAgentApp(input({ userId: 'u' })),
    ).resolves.toBeNull();
    const down = fakeClient(() => new Error('unavailable'));
    await expect(
      createLocateActivity({ client: down.client, now }).locateAgentApp(input({ userId: 'u' })),
    ).rejects.toThrow('unavailable');
  });
});
