/** Task queues are versioned so a breaking change can run beside the old workers during a deploy. */
export const ALERTS_TASK_QUEUE = 'desktop-alerts-v1';
/**
 * Every Genesys call runs on the alerts queue's Genesys companion, and only there: that queue's
 * server-side rate cap is the API budget. Derived from the workflow's own queue so that a
 * deployment (or a test) that renames one renames both.
 */
export const genesysQueueFor = (alertsTaskQueue: string): string => `${alertsTaskQueue}-genesys`;
export const GENESYS_TASK_QUEUE = genesysQueueFor(ALERTS_TASK_QUEUE);

/** Workflow id of an alert: the business key, so a retried request joins the existing run. */
export const alertWorkflowId = (idempotencyKey: string): string => `alert-${idempotencyKey}`;

/** Reserved key in action metadata that routes a desktop callback back to its alert. */
export const ALERT_ID_METADATA_KEY = 'desktopAlertId';

/** Key in action metadata carrying the alert's correlation id, so the callback comes back with it. */
export const CORRELATION_ID_METADATA_KEY = 'desktopCorrelationId';

export const CALLBACK_PATH = '/webhooks/desktop-callback';

/**
 * A running deliverToDesktop heartbeats this often, and the workflow gives it this heartbeat time-out: a send
 * lost with its worker (killed, or dropped at shutdown) is retried after the time-out, not after start-to-close.
 */
export const DELIVERY_HEARTBEAT_MS = 3_000;
export const DELIVERY_HEARTBEAT_TIMEOUT_MS = 10_000;
