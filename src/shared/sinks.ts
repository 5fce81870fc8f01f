import type { Sinks } from '@temporalio/workflow';
import type { AlertInput } from './schemas';
import type { AlertStatus } from './messages';

/** One status change of an alert, as the workflow reports it for metrics (times are workflow time, ISO). */
export interface AlertTransition {
  status: AlertStatus;
  type: AlertInput['type'];
  priority: AlertInput['priority'];
  /** When the ingress accepted the alert. */
  acceptedAt: string;
  /** When the notification was sent (first time the alert was awaiting the agent's action). */
  sentAt?: string;
  at: string;
}

/**
 * Sinks: how the workflow hands facts to the worker's metrics without breaking determinism (a sink call
 * is not a command, is not in the history, and is not repeated on replay).
 */
export interface AlertSinks extends Sinks {
  alertMetrics: {
    transition(t: AlertTransition): void;
  };
}
