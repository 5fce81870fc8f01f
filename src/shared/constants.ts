/** Task queues are versioned so a breaking change can run beside the old workers during a deploy. */
export const ALERTS_TASK_QUEUE = 'desktop-alerts-v1';
/** Every Genesys call runs here, and only here: the queue's server-side rate cap is the API budget. */
export const GENESYS_TASK_QUEUE = 'desktop-alerts-genesys-v1';

/** Workflow id of an alert: the business key, so a retried request joins the existing run. */
export const alertWorkflowId = (idempotencyKey: string): string => `alert-${idempotencyKey}`;

/** Reserved key in action metadata that routes a desktop callback back to its alert. */
export const ALERT_ID_METADATA_KEY = 'desktopAlertId';

export const CALLBACK_PATH = '/webhooks/desktop-callback';
