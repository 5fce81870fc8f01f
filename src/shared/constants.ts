/**
 * The constants of the alert contract that workflow code and the rest of the service both need: task
 * queues, ids, routing keys, limits, priorities. Free of zod and Node APIs, so workflow code can import it
 * (see the note in ./schemas.ts); deterministic, since it is bundled into workflow code.
 */

/** Task queues are versioned so a breaking change can run beside the old workers during a deploy. */
export const ALERTS_TASK_QUEUE = 'desktop-alerts-v1';
/**
 * Every Genesys call runs on the alerts queue's Genesys companion, and only there: that queue's
 * server-side rate cap is the API budget. Derived from the workflow's own queue so that a
 * deployment (or a test) that renames one renames both.
 */
export const genesysQueueFor = (alertsTaskQueue: string): string => `${alertsTaskQueue}-genesys`;
export const GENESYS_TASK_QUEUE = genesysQueueFor(ALERTS_TASK_QUEUE);

/**
 * The workflow type of an alert's run, for visibility queries (the CLI's list). The launcher starts the run by
 * the function itself (src/alerts/start-options.ts); test/workflow/workflow-type.test.ts keeps the two equal.
 */
export const ALERT_WORKFLOW_TYPE = 'deliverAlert';

/**
 * The revision of the alert workflow's commands that new runs are started for (AlertInput.revision). 2: an
 * action's hand-off downstream is tried first as a local activity, and the expiry timer is left to lapse once the
 * agent acted (no cancel). Both save history events (26 -> 20 per acknowledged alert). Runs whose input has no
 * revision run the revision-1 commands, so their histories replay and a run started before an upgrade finishes as
 * it began.
 */
export const ALERT_WORKFLOW_REVISION = 2;

/** Workflow id of an alert: the business key, so a retried request joins the existing run. */
export const alertWorkflowId = (idempotencyKey: string): string => `alert-${idempotencyKey}`;

/** Reserved key in action metadata that routes a desktop callback back to its alert. */
export const ALERT_ID_METADATA_KEY = 'desktopAlertId';

/** Key in action metadata carrying the alert's correlation id, so the callback comes back with it. */
export const CORRELATION_ID_METADATA_KEY = 'desktopCorrelationId';

/**
 * An action's id on the notification, which the callback echoes as its actionId: the id the alert gave it, or its
 * position in the alert's actions. The workflow checks callbacks against it; the send puts it on the notification.
 */
export const notificationActionId = (action: { id?: string }, index: number): string =>
  action.id ?? String(index);

export const CALLBACK_PATH = '/webhooks/desktop-callback';

/**
 * A running deliverToDesktop heartbeats this often, and the workflow gives it this heartbeat time-out: a send
 * lost with its worker (killed, or dropped at shutdown) is retried after the time-out, not after start-to-close.
 */
export const DELIVERY_HEARTBEAT_MS = 3_000;
export const DELIVERY_HEARTBEAT_TIMEOUT_MS = 10_000;

// --- The alert contract: enumerations and limits ---

export const ALERT_TYPES = ['info', 'warning', 'error'] as const;
export const PRIORITIES = ['high', 'normal', 'low'] as const;
export const FALLBACK_CHANNELS = ['email', 'webhook'] as const;
export const MAX_ACTIONS = 5;
/** Longest title and message, in textLength() units. */
export const MAX_TEXT = 250;
/** Longest action label, in textLength() units. */
export const MAX_LABEL = 50;

/** Default of DOWNSTREAM_RETRY_MAX_SECONDS: how long an action's downstream hand-off is retried (24 h). */
export const DEFAULT_DOWNSTREAM_RETRY_SECONDS = 86_400;
/** Fallback channels are retried this long (their activities' schedule-to-close), then the alert fails. */
export const FALLBACK_RETRY_SECONDS = 3_600;

/**
 * The one definition of a text's length in this service: UTF-16 code units (JavaScript's `String.length`,
 * and Java's `String.length()`, which is how the Genesys platform counts its "250 characters"). An emoji
 * outside the Basic Multilingual Plane counts 2, a letter with a combining accent counts 2 (two code points),
 * a CJK ideograph counts 1. Code points (zod's `max`, JSON Schema's `maxLength`) would accept texts that
 * Genesys refuses; UTF-16 units is the stricter of the two and never lets such a text through. Whether
 * the real platform counts exactly this way is not verified (README, "What is not verified").
 */
export const textLength = (text: string): number => text.length;

/**
 * Task priority of an alert's workflow tasks and activities. `high` has its own priority key, so it overtakes
 * any backlog (the guide: "tag urgent alerts with priority: high and process them first"). `normal` and `low`
 * share one key and split the rate by fairness weight (4:1), so a stream of normal alerts slows low ones but
 * never starves them (with a strictly lower key they would wait until no normal alert is left). Without
 * fairness enabled on the server (`matching.enableFairness`), normal and low are simply FIFO together.
 * Set at the start (so the run's first workflow task overtakes too) and on every activity.
 */
const PRIORITY_KEYS = { high: 1, normal: 3, low: 3 } as const;
const FAIRNESS_WEIGHTS = { high: 1, normal: 4, low: 1 } as const;

export function taskPriority(p: (typeof PRIORITIES)[number]): {
  priorityKey: number;
  fairnessKey: string;
  fairnessWeight: number;
} {
  return { priorityKey: PRIORITY_KEYS[p], fairnessKey: p, fairnessWeight: FAIRNESS_WEIGHTS[p] };
}
