/**
 * The alert workflow's activities and their option sets, in one place: which queue each runs on, how long it may
 * take, how it retries. Building a proxy makes no command (nothing in the history), so the Genesys one is built
 * afresh for each call: its retries stop at the alert's expiry, counted from that call.
 */
import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  agentAppNodeQueue,
  type AgentAppLocateActivities,
  type AgentAppNodeActivities,
} from '../shared/agent-app';
import {
  DEFAULT_DOWNSTREAM_RETRY_SECONDS,
  DELIVERY_HEARTBEAT_TIMEOUT_MS,
  FALLBACK_RETRY_SECONDS,
  genesysQueueFor,
  taskPriority,
} from '../shared/constants';
import type { AlertInput } from '../shared/schemas';

export interface AlertActivities {
  /** The Genesys call (resolve, check the session, send), on the rate-limited queue. */
  genesys(): Pick<Activities, 'deliverToDesktop'>;
  /** The hand-off of an agent's action to the configured consumer. */
  downstream: Pick<Activities, 'forwardAction'>;
  /** Its first attempt, as a local activity (revision 2): no task round trip, three history events fewer. */
  downstreamFirstTry: Pick<Activities, 'forwardAction'>;
  /** The fallback channels. */
  fallback: Pick<Activities, 'sendFallbackEmail' | 'sendFallbackWebhook'>;
  /** Where the agent's app is connected: a local activity (a query, no task round trip, no Genesys call). */
  locate: AgentAppLocateActivities;
  /** The push and withdraw on one ingress node's own queue. */
  agentAppNode(nodeId: string): AgentAppNodeActivities;
}

/** Every activity carries the alert's task priority, so a high alert's work overtakes a backlog. */
export function alertActivities(
  input: Pick<AlertInput, 'priority' | 'expiresAt' | 'downstreamRetrySeconds'>,
): AlertActivities {
  const priority = taskPriority(input.priority);
  const expiresAtMs = Date.parse(input.expiresAt);
  const untilExpiry = () => Math.max(1_000, expiresAtMs - Date.now());

  return {
    locate: proxyLocalActivities<AgentAppLocateActivities>({
      startToCloseTimeout: '5s',
      // Retry policy: one more try for a hiccup; then the agent counts as not connected (the next channel is tried).
      retry: { maximumAttempts: 2, initialInterval: '200ms' },
    }),
    agentAppNode: (nodeId) =>
      proxyActivities<AgentAppNodeActivities>({
        taskQueue: agentAppNodeQueue(workflowInfo().taskQueue, nodeId),
        // A node that died polls no more: its push is not started within this, and the agent is `no_live_session`.
        scheduleToStartTimeout: '3s',
        // The push waits up to 5 s for the app's display receipt.
        startToCloseTimeout: '10s',
        // A node that hung or was cut off without closing its sockets still had a poll waiting, which took the
        // push: it stops heartbeating (the push beats every second while it waits), and this ends it.
        heartbeatTimeout: '3s',
        // Retry policy: none. A push that did not show is the next channel's turn, not a second toast's.
        retry: { maximumAttempts: 1 },
        priority,
      }),
    // Every Genesys call runs on the rate-limited queue.
    genesys: () =>
      proxyActivities<Activities>({
        taskQueue: genesysQueueFor(workflowInfo().taskQueue),
        startToCloseTimeout: '30s',
        // A send lost with its worker is retried after this rather than after the 30 s above.
        heartbeatTimeout: DELIVERY_HEARTBEAT_TIMEOUT_MS,
        scheduleToCloseTimeout: untilExpiry(),
        // Retry policy: 5xx, network errors and a lost worker are retried with backoff, 1 s doubling up to a
        // minute; a 429 is retried after its Retry-After instead (nextRetryDelay); what retrying cannot fix (400,
        // 403, bad client credentials, the endpoint missing) fails at once. No attempt limit: retries stop at the alert's expiry
        // (scheduleToClose above), and the alert falls back.
        retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
        priority,
      }),
    downstream: proxyActivities<Activities>({
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: (input.downstreamRetrySeconds ?? DEFAULT_DOWNSTREAM_RETRY_SECONDS) * 1000,
      // Retry policy: retried (the consumer dedups on webhook-id), 1 s doubling up to 5 min between attempts,
      // until delivered or until the cap passes: then the action is recorded `downstream: failed` and the run
      // closes, rather than every actioned alert staying open for as long as the consumer is down. Runs started
      // without the field get the default cap.
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
      priority,
    }),
    // One quick try in the workflow's own task: a consumer that answers (the usual case) costs a marker, not an
    // activity's three events and a workflow task. Anything else goes to `downstream` and its long retries; the
    // consumer dedups a second delivery on webhook-id.
    downstreamFirstTry: proxyLocalActivities<Activities>({
      startToCloseTimeout: '10s',
      // Retry policy: none here; the retries are the regular activity's.
      retry: { maximumAttempts: 1 },
    }),
    fallback: proxyActivities<Activities>({
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: FALLBACK_RETRY_SECONDS * 1000,
      // Retry policy: each channel is retried for an hour (scheduleToClose above), 2 s doubling up to 5 min
      // between attempts; then the alert fails with the channel's last error.
      retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
      priority,
    }),
  };
}
