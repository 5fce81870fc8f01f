/**
 * Where an agent's app is connected, for the alert workflow's local activity: by user id or email, with no Genesys
 * call. The registry workflow (src/workflows/agent-app-registry.ts) holds every ingress node's snapshot; each worker
 * keeps a copy and refreshes it in the background, so a look-up is a read from memory, not a query per alert.
 *
 * Why a copy: a query per alert sent 30 queries a second through the one registry run, and the local activity held
 * the alert's workflow task slot while each waited; the bench's agent_app scenario measured the first workflow task
 * waiting 0.9-7 s. The copy is refreshed once it is older than FRESH_MS, one query at a time however many look-ups
 * want it (a few a second at most). A look-up that finds the agent uses a copy up to MAX_AGE_MS old; one that does
 * not, in a copy older than FRESH_MS, waits for the refresh and looks again, so an agent who just connected is found.
 * A node that just took over an agent (a reconnect) may be missing from a copy up to MAX_AGE_MS old; the push to the
 * node the agent left then fails in 3 s and the next channel takes the alert.
 * A node whose last snapshot is older than `staleAfterMs` is left out (it stopped announcing: dead or cut off).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  locateIn,
  snapshotsQuery,
  type LocateRequest,
  type LocatedAgent,
  type NodeSnapshot,
} from '../shared/agent-app';

/** Nodes announce every 10 s; three missed announcements and a node is no longer looked for. */
export const NODE_STALE_AFTER_MS = 30_000;
/** A copy older than this is refreshed in the background; a miss in it waits for the refresh and looks again. */
export const FRESH_MS = 250;
/** A copy older than this is not used: the look-up waits for a fresh one. */
export const MAX_AGE_MS = 1_000;

export interface LocateInput extends LocateRequest {
  registryId: string;
}

interface Copy {
  nodes: NodeSnapshot[];
  /** When its query was sent (not answered): the copy is at least this old. */
  fetchedAt: number;
  refreshing?: Promise<Copy>;
}

export function createLocateActivity(deps: {
  client: Client;
  staleAfterMs?: number;
  freshMs?: number;
  maxAgeMs?: number;
  now?: () => number;
}) {
  const staleAfter = deps.staleAfterMs ?? NODE_STALE_AFTER_MS;
  const freshMs = deps.freshMs ?? FRESH_MS;
  const maxAgeMs = deps.maxAgeMs ?? MAX_AGE_MS;
  const now = deps.now ?? Date.now;
  const copies = new Map<string, Copy>();

  /** One query at a time per registry; every look-up that needs it shares it. */
  function refresh(registryId: string): Promise<Copy> {
    const current = copies.get(registryId);
    if (current?.refreshing) return current.refreshing;
    // The copy is as old as the moment it was asked for: the registry is read when the query is served, so an
    // agent who connects while the answer is on its way (a busy worker) is missing from it. Timed from the answer,
    // the copy would pass for fresh for another FRESH_MS and a miss in it would not ask again.
    const askedAt = now();
    const refreshing = fetchSnapshots(registryId)
      .then((nodes) => {
        const copy: Copy = { nodes, fetchedAt: askedAt };
        copies.set(registryId, copy);
        return copy;
      })
      .finally(() => {
        const c = copies.get(registryId);
        if (c?.refreshing === refreshing) c.refreshing = undefined;
      });
    if (current) current.refreshing = refreshing;
    else copies.set(registryId, { nodes: [], fetchedAt: -Infinity, refreshing });
    return refreshing;
  }

  async function fetchSnapshots(registryId: string): Promise<NodeSnapshot[]> {
    try {
      return await deps.client.workflow.getHandle(registryId).query(snapshotsQuery);
    } catch (err) {
      // No registry yet: no node has announced an agent, so nobody is connected.
      if (err instanceof WorkflowNotFoundError) return [];
      throw err;
    }
  }

  const find = (nodes: NodeSnapshot[], input: LocateInput): LocatedAgent | null => {
    const t = now();
    return locateIn(
      nodes.filter((n) => t - n.at <= staleAfter),
      { userId: input.userId, email: input.email },
    );
  };

  return {
    async locateAgentApp(input: LocateInput): Promise<LocatedAgent | null> {
      const copy = copies.get(input.registryId);
      const age = copy ? now() - copy.fetchedAt : Infinity;
      if (copy && age <= maxAgeMs) {
        const found = find(copy.nodes, input);
        if (age > freshMs) {
          if (!found) return find((await refresh(input.registryId)).nodes, input);
          // Good enough for this look-up; the next one gets the refreshed copy. A failed refresh is tried again then.
          refresh(input.registryId).catch(() => undefined);
        }
        return found;
      }
      return find((await refresh(input.registryId)).nodes, input);
    },
  };
}
