/**
 * Where an agent's app is connected: a query to the registry workflow (src/workflows/agent-app-registry.ts), which
 * every ingress node keeps current (./announcer.ts). Run by the alert workflow as a local activity, so a connected
 * agent is found, email included, without a Genesys call. A node whose last snapshot is older than `staleAfterMs`
 * is left out (it stopped announcing: dead or cut off).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { locateQuery, type LocateRequest, type LocatedAgent } from '../shared/agent-app';

/** Nodes announce every 10 s; three missed announcements and a node is no longer looked for. */
export const NODE_STALE_AFTER_MS = 30_000;

export interface LocateInput extends LocateRequest {
  registryId: string;
}

export function createLocateActivity(deps: { client: Client; staleAfterMs?: number; now?: () => number }) {
  const staleAfter = deps.staleAfterMs ?? NODE_STALE_AFTER_MS;
  const now = deps.now ?? Date.now;
  return {
    async locateAgentApp(input: LocateInput): Promise<LocatedAgent | null> {
      let found: LocatedAgent | null;
      try {
        found = await deps.client.workflow
          .getHandle(input.registryId)
          .query(locateQuery, { userId: input.userId, email: input.email?.toLowerCase() });
      } catch (err) {
        // No registry yet: no node has announced an agent, so nobody is connected.
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      }
      if (!found) return null;
      const nodes = found.nodes.filter((n) => now() - n.at <= staleAfter);
      return nodes.length > 0 ? { agent: found.agent, nodes } : null;
    },
  };
}
