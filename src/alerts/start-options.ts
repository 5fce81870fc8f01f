/**
 * How an alert's workflow run is started: its id, time-out backstop, search attributes, memo and priority.
 * The launcher (./launcher.ts) passes these to `client.workflow.start(deliverAlert, ...)`.
 */
import type { WorkflowStartOptions } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { DEFAULT_DOWNSTREAM_RETRY_SECONDS, FALLBACK_RETRY_SECONDS, taskPriority } from '../shared/constants';
import type { AlertInput } from '../shared/schemas';
import { SA } from '../shared/search-attributes';
import { deliverAlert } from '../workflows';

/** Room in the execution time-out beyond the retry caps, for workers being down or behind (see executionTimeoutMs). */
const BACKSTOP_SLACK_SECONDS = 3_600;

/**
 * The run's execution time-out: a backstop, so no alert run stays open for ever whatever goes wrong (issue 11: a
 * handler that never ended kept runs open). Until expiresAt a run sends, waits for the agent and takes actions;
 * after it, it does at most its fallback (retried for FALLBACK_RETRY_SECONDS) or the downstream hand-off of its
 * actions (retried for downstreamRetrySeconds, DOWNSTREAM_RETRY_MAX_SECONDS). Both caps are counted, though a run
 * does one or the other, plus BACKSTOP_SLACK_SECONDS. A run still open past that is stuck: Temporal closes it as
 * timed out, and getAlert says so.
 */
export function executionTimeoutMs(
  input: Pick<AlertInput, 'expiresAt' | 'downstreamRetrySeconds'>,
  nowMs = Date.now(),
): number {
  const untilExpiry = Math.max(0, Date.parse(input.expiresAt) - nowMs);
  const downstream = input.downstreamRetrySeconds ?? DEFAULT_DOWNSTREAM_RETRY_SECONDS;
  return untilExpiry + (FALLBACK_RETRY_SECONDS + downstream + BACKSTOP_SLACK_SECONDS) * 1000;
}

/** What the alert's memo holds: enough to describe an alert whose workflow cannot answer a query. */
export interface AlertMemo {
  alertId: string;
  idempotencyKey: string;
  type: AlertInput['type'];
  priority: AlertInput['priority'];
  target: AlertInput['target'];
  expiresAt: string;
  source: string;
  correlationId: string;
  acceptedAt: string;
}

/**
 * The static summary: what the UI lists for the run. It goes through the payload codec (the SDK encodes user
 * metadata) but is plaintext where no key is set, so, like the search attributes, it holds no title, message or
 * email: a user id at most.
 */
export const staticSummaryOf = (input: Pick<AlertInput, 'type' | 'priority' | 'target'>): string =>
  `${input.type} alert (${input.priority}) to ${
    'userId' in input.target ? `user ${input.target.userId}` : 'an agent by email'
  }`.slice(0, 400);

/** Everything but the arguments: the options of one alert's run. */
export function alertStartOptions(
  input: AlertInput,
  opts: { taskQueue: string; taskPriority: boolean },
): Omit<WorkflowStartOptions<typeof deliverAlert>, 'args'> {
  const searchAttributes: SearchAttributePair[] = [
    // The run's first step is the send: indexing it here saves the workflow an upsert (an event, a billable action).
    { key: SA.status, value: 'sending' },
    { key: SA.type, value: input.type },
    { key: SA.priority, value: input.priority },
    { key: SA.source, value: input.source },
    // Only a user id is indexed: an email target's AlertAgent is set by the run to the user id it resolves, on the
    // upsert of its next status change (AlertRun.setStatus), so search attributes never hold an email.
    ...('userId' in input.target ? [{ key: SA.agent, value: input.target.userId }] : []),
  ];
  if (input.metadata.transactionId)
    searchAttributes.push({ key: SA.transactionId, value: input.metadata.transactionId });
  const memo: AlertMemo = {
    alertId: input.alertId,
    idempotencyKey: input.idempotencyKey,
    type: input.type,
    priority: input.priority,
    target: input.target,
    expiresAt: input.expiresAt,
    source: input.source,
    correlationId: input.correlationId,
    acceptedAt: input.acceptedAt,
  };
  return {
    taskQueue: opts.taskQueue,
    workflowId: input.alertId,
    // A retried request must never create a second run (or a second toast), even after the first closed.
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    workflowExecutionTimeout: executionTimeoutMs(input),
    typedSearchAttributes: searchAttributes,
    memo: { alert: memo },
    staticSummary: staticSummaryOf(input),
    ...(opts.taskPriority ? { priority: taskPriority(input.priority) } : {}),
  };
}
