/**
 * The registry of the agent app's live connections: which ingress node holds which agents. Every node signals a
 * full snapshot of its agents on each change and every 10 s (src/agent-app/announcer.ts); the alert workflow's
 * locate activity queries it by user id or email. A snapshot replaces the node's previous one, so a lost signal
 * costs nothing once the next arrives. Nodes that stop cleanly say `nodeGone`; one that died simply stops
 * announcing, and readers leave it out once its snapshot is stale (src/agent-app/locate.ts). It is pruned here too,
 * so the state stays bounded.
 *
 * Workflow code: deterministic. One run per alerts queue (agentAppRegistryId); it continues as new when the
 * server suggests it, carrying the snapshots.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  locateQuery,
  nodeGoneSignal,
  locateIn,
  nodeSnapshotSignal,
  snapshotsQuery,
  type NodeSnapshot,
} from '../shared/agent-app';

/** A node silent this long (by the clocks of the nodes still announcing) is dropped from the state. */
const PRUNE_AFTER_MS = 5 * 60_000;
/** Continue as new after this many snapshots even if the server has not suggested it: the history stays small. */
const MAX_SIGNALS_PER_RUN = 2_000;

export interface RegistryCarry {
  nodes: NodeSnapshot[];
}

export async function agentAppRegistry(carry?: RegistryCarry): Promise<void> {
  const nodes = new Map<string, NodeSnapshot>((carry?.nodes ?? []).map((n) => [n.nodeId, n]));
  let signals = 0;

  setHandler(nodeSnapshotSignal, (s) => {
    signals++;
    nodes.set(s.nodeId, s);
    for (const [id, n] of nodes) if (s.at - n.at > PRUNE_AFTER_MS) nodes.delete(id);
  });
  setHandler(nodeGoneSignal, ({ nodeId }) => {
    signals++;
    nodes.delete(nodeId);
  });
  setHandler(locateQuery, (req) => locateIn(nodes.values(), req));
  setHandler(snapshotsQuery, () => [...nodes.values()]);

  await condition(() => workflowInfo().continueAsNewSuggested || signals >= MAX_SIGNALS_PER_RUN);
  await condition(allHandlersFinished);
  await continueAsNew<typeof agentAppRegistry>({ nodes: [...nodes.values()] });
}
