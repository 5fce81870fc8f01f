/**
 * How big the agent-app registry's messages get, for docs/SCALING.md: the JSON size of one node's snapshot signal
 * and of the snapshots query answer (what every worker's copy fetches) for N connected agents, and the cost of one
 * look-up in the copy (locateIn scans every node's agents). No Temporal needed: the default data converter sends
 * these as JSON, so the payload is this many bytes plus a little metadata.
 *
 *   npx tsx bench/registry-size.ts [--agents=30000] [--nodes=1,4,10]
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { locateIn, type ConnectedAgent, type NodeSnapshot } from '../src/shared/agent-app';

const arg = (name: string, dflt: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const agents = Number(arg('agents', '30000'));
const nodeCounts = arg('nodes', '1,4,10').split(',').map(Number);

// Realistic fields: Genesys user ids are UUIDs; emails and names of a typical length.
const all: ConnectedAgent[] = Array.from({ length: agents }, (_, i) => ({
  userId: randomUUID(),
  email: `firstname.lastname${i}@contact-centre.example.com`,
  name: `Firstname Lastname${i}`,
}));

const MB = 1024 * 1024;
const rows: Record<string, unknown>[] = [];
for (const n of nodeCounts) {
  const per = Math.ceil(agents / n);
  const nodes: NodeSnapshot[] = Array.from({ length: n }, (_, k) => ({
    nodeId: `ingress-${k}`,
    at: Date.now(),
    agents: all.slice(k * per, (k + 1) * per),
  }));
  const signalBytes = Buffer.byteLength(JSON.stringify(nodes[0]));
  const queryBytes = Buffer.byteLength(JSON.stringify(nodes));
  // Worst case look-up: the last agent of the last node (a full scan), and a miss (also a full scan).
  const lastId = all[agents - 1]?.userId ?? '';
  const reps = 200;
  let t = performance.now();
  for (let i = 0; i < reps; i++) locateIn(nodes, { userId: lastId });
  const hitMs = (performance.now() - t) / reps;
  t = performance.now();
  for (let i = 0; i < reps; i++) locateIn(nodes, { email: 'nobody@nowhere.example' });
  const missMs = (performance.now() - t) / reps;
  rows.push({
    nodes: n,
    agents_per_node: per,
    signal_bytes: signalBytes,
    signal_mb: +(signalBytes / MB).toFixed(2),
    query_answer_mb: +(queryBytes / MB).toFixed(2),
    bytes_per_agent: Math.round(signalBytes / per),
    // Heartbeats every 10 s per node: bytes added to the registry's history per minute by signals alone.
    history_mb_per_min_heartbeats: +((6 * n * signalBytes) / MB).toFixed(1),
    locate_worst_hit_ms: +hitMs.toFixed(2),
    locate_miss_ms: +missMs.toFixed(2),
  });
}
console.table(rows);
console.log(JSON.stringify({ agents, rows }, null, 2));
