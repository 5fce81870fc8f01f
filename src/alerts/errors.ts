/**
 * The errors a caller of the launcher acts on (the API maps each onto a status, the relay onto retry or
 * dead letter), and the one test for "Temporal could not be reached in time".
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { FieldIssue } from '../shared/field-issues';

export type { FieldIssue };

/** Temporal could not be reached in time (server down, network, deadline). Retry later. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  readonly code = 'temporal_unavailable';
  /**
   * Set by startAlert/startInput: the alert whose start is in doubt (after a time-out it may have started
   * anyway). A retry with this key is recognised as a duplicate instead of making a second toast.
   */
  readonly alert?: { alertId: string; idempotencyKey: string };
  constructor(
    message = 'Temporal is unreachable',
    options?: { cause?: unknown; alert?: { alertId: string; idempotencyKey: string } },
  ) {
    super(message, options);
    if (options?.alert) this.alert = options.alert;
  }
}

/** The request does not describe a valid alert; `issues` names every bad field. */
export class AlertValidationError extends Error {
  override readonly name = 'AlertValidationError';
  readonly code = 'invalid_alert';
  constructor(readonly issues: FieldIssue[]) {
    super(`invalid alert request: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`);
  }
}

/** No alert with that id. */
export class AlertNotFoundError extends Error {
  override readonly name = 'AlertNotFoundError';
  readonly code = 'unknown_alert';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} does not exist`);
  }
}

/** The idempotency key already started another caller's alert (a sender's own retry is a 'duplicate' instead). */
export class IdempotencyKeyTakenError extends Error {
  override readonly name = 'IdempotencyKeyTakenError';
  readonly code = 'idempotency_key_taken';
  constructor(readonly idempotencyKey: string) {
    super('this idempotency key was used by another caller');
  }
}

/** The alert's workflow is closed: it takes no more actions or cancellations. */
export class AlertClosedError extends Error {
  override readonly name = 'AlertClosedError';
  readonly code = 'alert_closed';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} is already closed`);
  }
}

/** The workflow refused the action (its validator or handler threw an ApplicationFailure). */
export class ActionRejectedError extends Error {
  override readonly name = 'ActionRejectedError';
  readonly code = 'action_rejected';
  constructor(
    readonly alertId: string,
    readonly failureType: string,
    message: string,
  ) {
    super(`alert ${alertId} rejected the action (${failureType}): ${message}`);
  }
}

// RESOURCE_EXHAUSTED: the server is rate limiting or overloaded; like an outage, it passes, so the caller retries later.
const UNAVAILABLE_GRPC_CODES = new Set([
  1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */,
]);
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True when an error (or one of its causes) means "the server could not be reached in time". */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof TemporalUnavailableError || e instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
      return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && UNAVAILABLE_GRPC_CODES.has(code)) return true;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    const msg = e instanceof Error ? e.message : '';
    if (/Failed to connect|No connection established|connection refused/i.test(msg)) return true;
  }
  return false;
}
