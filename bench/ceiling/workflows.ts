/**
 * The ceiling scenario's workflow: the least a durable run can be (start, one local activity, complete), so the
 * workflows per second it reaches are what this machine's Temporal can do at all, whatever the alerts' own work.
 */
import { proxyLocalActivities } from '@temporalio/workflow';

export interface CeilingActivities {
  /** Does nothing: one local activity, as a trivial workflow's one step. */
  noop(): Promise<void>;
}

const { noop } = proxyLocalActivities<CeilingActivities>({ startToCloseTimeout: '10s' });

/** `input`: the alert's body, so the start carries the same payload as an alert's. */
export async function ceilingWorkflow(_input: unknown): Promise<void> {
  await noop();
}
