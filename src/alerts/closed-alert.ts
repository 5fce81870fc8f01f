/**
 * Describing an alert whose run closed without a result to give (failed, terminated, timed out, cancelled):
 * its state comes from the memo and search attributes, its reason from the run's close event. Pure functions;
 * the launcher (./launcher.ts) fetches what they read.
 */
import { TerminatedFailure, type WorkflowExecutionDescription } from '@temporalio/client';
import { TERMINAL_STATUSES, type AlertState, type AlertStatus } from '../shared/messages';
import { SA } from '../shared/search-attributes';
import type { AlertMemo } from './start-options';

/** Workflow execution statuses after which a run takes no more messages. */
export const CLOSED_RUN_STATUSES = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'TIMED_OUT',
  'CONTINUED_AS_NEW',
]);

const formatDuration = (ms: number): string =>
  ms >= 3_600_000
    ? `${+(ms / 3_600_000).toFixed(1)} h`
    : ms >= 60_000
      ? `${Math.round(ms / 60_000)} min`
      : `${Math.round(ms / 1000)} s`;

/**
 * Why a closed run did not complete, in words a person can read (issue 11: never a bare "workflow failed"):
 * the failure's own message or the operator's reason (`cause`, from the run's close event).
 */
export function closeReason(
  status: string,
  executionTimeoutMs: number | undefined,
  cause: Error | undefined,
): string {
  if (status === 'TIMED_OUT') {
    const limit = executionTimeoutMs === undefined ? '' : ` of ${formatDuration(executionTimeoutMs)}`;
    return `workflow timed out: the run passed its execution time-out${limit} (expiresAt plus the margin for fallback and downstream retries) and was closed unfinished`;
  }
  if (status === 'CANCELLED') return 'workflow cancelled';
  if (status === 'TERMINATED') {
    // The SDK stands in its own words when the operator gave no reason.
    const reason =
      cause instanceof TerminatedFailure && cause.message !== 'Workflow execution terminated'
        ? cause.message
        : 'no reason given';
    return `workflow terminated: ${reason}`;
  }
  return cause?.message
    ? `workflow ${status.toLowerCase()}: ${cause.message}`
    : `workflow ${status.toLowerCase()} (no failure message recorded)`;
}

/** The state of an alert whose workflow has none to give, from its memo and last indexed status. */
export function closedAlertState(
  alertId: string,
  desc: WorkflowExecutionDescription,
  failureReason: string,
): AlertState {
  const memo = desc.memo?.alert as AlertMemo | undefined;
  const saStatus = desc.typedSearchAttributes.get(SA.status) as AlertStatus | undefined;
  const closedAt = (desc.closeTime ?? new Date()).toISOString();
  return {
    alertId,
    idempotencyKey: memo?.idempotencyKey ?? alertId.replace(/^alert-/, ''),
    status:
      saStatus && TERMINAL_STATUSES.includes(saStatus)
        ? saStatus
        : desc.status.name === 'CANCELLED'
          ? 'cancelled'
          : 'failed',
    type: memo?.type ?? 'info',
    priority: memo?.priority ?? 'normal',
    target: memo?.target ?? { userId: 'unknown' },
    expiresAt: memo?.expiresAt ?? closedAt,
    actions: [],
    fallback: [],
    failureReason,
    createdAt: memo?.acceptedAt ?? desc.startTime.toISOString(),
    updatedAt: closedAt,
    source: memo?.source ?? 'unknown',
    correlationId: memo?.correlationId ?? '',
  };
}
