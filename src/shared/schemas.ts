import { normaliseSystemPresence } from '../presence-name';
import { DESKTOP_CHANNELS } from './agent-app';
import { z } from 'zod';
import {
  ALERT_TYPES,
  FALLBACK_CHANNELS,
  MAX_ACTIONS,
  MAX_LABEL,
  MAX_TEXT,
  PRIORITIES,
  textLength,
} from './constants';

/**
 * The public request schemas. The ingress and the typed launcher (buildAlertInput: API, CLI) parse with
 * these, so nothing invalid enters workflow history whichever way an alert arrives. Workflow code must not
 * import this module: zod would be evaluated again for every workflow run (the SDK gives each run its own
 * module cache), which once cost more CPU than the rest of the workflow. The workflow checks its input's
 * shape with src/workflows/input-check.ts instead.
 */

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const mapKey = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'keys are 1-64 characters of A-Z a-z 0-9 _ . -')
  .refine((k) => !FORBIDDEN_KEYS.has(k), 'reserved key');

/** A flat string map: what Genesys echoes back verbatim in callbacks, and what search attributes use. */
const StringMapSchema = z
  .record(mapKey, z.string().max(500))
  .refine((m) => Object.keys(m).length <= 20, 'at most 20 keys');

const HttpsUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' && u.hostname.length > 0 && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'must be an absolute https URL without credentials');

export const IdempotencyKeySchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
    '1-128 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit',
  );

/**
 * A text of 1 to `max` characters counted as textLength() does (UTF-16 code units), the way Genesys and the
 * workflow count them. zod's own `.max()` counts code points and would let a 126-emoji title through.
 * JSON Schema's `maxLength` (code points) stays in the OpenAPI document as a necessary bound; the description
 * states the exact rule.
 */
const boundedText = (max: number, opts: { trim: boolean }) => {
  const rule = `at most ${max} UTF-16 code units (as Genesys counts: an emoji outside the BMP or a letter with a combining accent counts 2)`;
  return (opts.trim ? z.string().trim() : z.string())
    .min(1)
    .refine((s) => textLength(s) <= max, `must be ${rule}`)
    .meta({ maxLength: max, description: `Not empty, and ${rule}.` });
};

const ActionIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, '1-64 characters of A-Z a-z 0-9 _ . : -');
const LabelSchema = boundedText(MAX_LABEL, { trim: true });

const ActionSchema = z.discriminatedUnion('actionType', [
  z.strictObject({
    id: ActionIdSchema.optional(),
    label: LabelSchema,
    actionType: z.literal('openUrl'),
    url: HttpsUrlSchema,
  }),
  z.strictObject({
    id: ActionIdSchema.optional(),
    label: LabelSchema,
    actionType: z.literal('callback'),
    metadata: StringMapSchema.optional(),
  }),
]);

const TargetSchema = z.union([
  z.strictObject({ userId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a Genesys user id') }),
  z.strictObject({ email: z.email().max(254) }),
]);

/**
 * Agent presences inside the operational window, spelt as the service reads Genesys's ('ON_QUEUE', 'OnQueue' and
 * 'On Queue' are all 'on queue'), so a policy matches whatever casing the caller copied from Genesys.
 */
const PresenceSchema = z
  .string()
  .min(1)
  .max(40)
  .transform((s) => normaliseSystemPresence(s) ?? '')
  .pipe(z.string().min(1, 'a presence name'));

const FallbackSchema = z.strictObject({
  /** Channels to use; default: every channel the service has configured. Empty: no fallback. */
  channels: z.array(z.enum(FALLBACK_CHANNELS)).max(2).optional(),
  /** Recipient for the email channel, at a FALLBACK_EMAIL_ALLOWED_DOMAINS domain; default: the agent's own email. */
  email: z.email().max(254).optional(),
});

const PolicySchema = z.strictObject({
  /** Fall back when the alert expires unacknowledged. Default: true when it has a callback action. */
  requireAck: z.boolean().optional(),
  /** Wait (durably, until expiresAt) for an offline agent to come back instead of falling back at once. */
  waitForAgent: z.boolean().optional(),
  /** Presences in which the agent may be alerted. Default depends on the alert type. */
  operationalPresences: z.array(PresenceSchema).min(1).max(12).optional(),
  /** With waitForAgent: how often to look at the agent again (default 60 s). */
  recheckIntervalSeconds: z.int().min(1).max(3600).optional(),
});

/** Structural shape of POST /v1/alerts (time-relative checks are added by the ingress). */
export const AlertRequestSchema = z.strictObject({
  target: TargetSchema,
  title: boundedText(MAX_TEXT, { trim: true }),
  message: boundedText(MAX_TEXT, { trim: true }),
  type: z.enum(ALERT_TYPES),
  priority: z.enum(PRIORITIES).default('normal'),
  actions: z.array(ActionSchema).max(MAX_ACTIONS).default([]),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  idempotencyKey: IdempotencyKeySchema.optional(),
  fallback: FallbackSchema.optional(),
  policy: PolicySchema.optional(),
  /** Free-form routing data; `transactionId` becomes a search attribute (AlertSource is the API key's name). */
  metadata: StringMapSchema.optional(),
});
export type AlertRequest = z.input<typeof AlertRequestSchema>;
export type AlertAction = z.output<typeof ActionSchema>;

/** Input of the deliverAlert workflow: a parsed request with every default resolved. */
export const AlertInputSchema = z.strictObject({
  alertId: z.string().min(1).max(200),
  idempotencyKey: IdempotencyKeySchema,
  target: TargetSchema,
  title: boundedText(MAX_TEXT, { trim: false }),
  message: boundedText(MAX_TEXT, { trim: false }),
  type: z.enum(ALERT_TYPES),
  priority: z.enum(PRIORITIES),
  actions: z.array(ActionSchema).max(MAX_ACTIONS),
  expiresAt: z.iso.datetime({ offset: true }),
  fallback: z.strictObject({ channels: z.array(z.enum(FALLBACK_CHANNELS)), email: z.email().optional() }),
  policy: z.strictObject({
    requireAck: z.boolean(),
    waitForAgent: z.boolean(),
    operationalPresences: z.array(z.string()),
    recheckIntervalSeconds: z.int().min(1).max(3600).optional(),
  }),
  metadata: StringMapSchema,
  source: z.string().max(100),
  correlationId: z.string().max(200),
  callbackUrl: z.string().url(),
  acceptedAt: z.iso.datetime({ offset: true }),
  /**
   * How long the run retries handing an action downstream (the launcher's DOWNSTREAM_RETRY_MAX_SECONDS), carried
   * in the input so a run keeps the cap it started with. Optional: runs started before it existed use the default.
   */
  downstreamRetrySeconds: z.int().min(1).optional(),
  /**
   * The desktop channels to try, in order (the launcher's DESKTOP_CHANNELS), carried in the input so a run keeps
   * the list it started with. Optional: a run started before channels existed takes the notifications endpoint alone,
   * exactly as it ran then.
   */
  desktopChannels: z.array(z.enum(DESKTOP_CHANNELS)).min(1).optional(),
  /** The workflow revision the run was started for (ALERT_WORKFLOW_REVISION). Optional: older runs are revision 1. */
  revision: z.int().min(1).optional(),
});
export type AlertInput = z.infer<typeof AlertInputSchema>;

/** The callback Genesys posts when an agent clicks a callback action (GENESYS.md). */
export const DesktopCallbackSchema = z.object({
  notificationId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  actionId: z.string().min(1).max(200),
  metadata: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.iso.datetime({ offset: true }),
});
export type DesktopCallback = z.infer<typeof DesktopCallbackSchema>;

/** Default presences inside the operational window, per alert type (normalised lower case). */
export const DEFAULT_OPERATIONAL_PRESENCES: Record<(typeof ALERT_TYPES)[number], string[]> = {
  info: ['available', 'on queue', 'busy', 'idle'],
  warning: ['available', 'on queue', 'busy', 'idle', 'away', 'break', 'meal', 'training', 'meeting'],
  error: ['available', 'on queue', 'busy', 'idle', 'away', 'break', 'meal', 'training', 'meeting'],
};
