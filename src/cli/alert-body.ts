/**
 * An alert spec (the send flags, or a CSV row) turned into a POST /v1/alerts body, and the idempotency
 * key every body carries.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AlertRequestBody as AlertRequest } from './api-contract';
import { UsageError } from './errors';
import { parseDuration, parseKeyValue, parseUrlAction } from './parse';

/** `userId` | `email`: the fields of either form of a request's target. */
type TargetField = AlertRequest['target'] extends infer T ? (T extends unknown ? keyof T : never) : never;
/** Request fields a flag gives as they are. */
type VerbatimField = keyof Pick<AlertRequest, 'title' | 'message' | 'type' | 'priority' | 'idempotencyKey'>;

/**
 * What the `send` flags (or one CSV row) say about an alert, before it becomes a request body: each
 * field named after its flag, its value still the text given (the API checks it and names what it refuses).
 */
export type AlertSpec = { [F in TargetField | VerbatimField]?: string } & {
  /** `--action label=url`, each: an "open URL" action. */
  action?: string[];
  /** `--ack-action label`, each: a callback action the agent acknowledges with. */
  ackAction?: string[];
  /** `--expires-in 15m`: becomes expiresAt. */
  expiresIn?: string;
  /** `--metadata key=value`, each. */
  metadata?: string[];
};

/**
 * A POST /v1/alerts body as the CLI sends it: the spec's field names (a field the spec renames fails the
 * type-check here), each value as the user gave it (the API checks values and names each it refuses).
 */
export type AlertBody = { [F in keyof AlertRequest]?: unknown };

/**
 * Turn a spec into a POST /v1/alerts body, layered over `base` (a body read with --json). Only
 * the CLI's own syntax is checked here (durations, key=value, label=url); the API names every
 * field it rejects.
 */
export function buildBody(spec: AlertSpec, base: AlertBody = {}, now = new Date()): AlertBody {
  const body: AlertBody = { ...base };
  if (spec.userId && spec.email) throw new UsageError('give either --user-id or --email, not both');
  if (spec.userId) body.target = { userId: spec.userId } satisfies AlertRequest['target'];
  if (spec.email) body.target = { email: spec.email } satisfies AlertRequest['target'];
  if (spec.title !== undefined) body.title = spec.title;
  if (spec.message !== undefined) body.message = spec.message;
  if (spec.type !== undefined) body.type = spec.type;
  if (spec.priority !== undefined) body.priority = spec.priority;
  const actions: NonNullable<AlertRequest['actions']> = [
    ...(spec.action ?? []).map(parseUrlAction),
    ...(spec.ackAction ?? []).map((label) => {
      if (label.trim() === '') throw new UsageError('--ack-action: the label is empty');
      return { label: label.trim(), actionType: 'callback' as const };
    }),
  ];
  if (actions.length > 0)
    body.actions = [...(Array.isArray(base.actions) ? (base.actions as unknown[]) : []), ...actions];
  if (spec.expiresIn !== undefined)
    body.expiresAt = new Date(now.getTime() + parseDuration(spec.expiresIn, '--expires-in')).toISOString();
  if (spec.idempotencyKey !== undefined) body.idempotencyKey = spec.idempotencyKey;
  if (spec.metadata && spec.metadata.length > 0) {
    const md: NonNullable<AlertRequest['metadata']> = {
      ...(isObject(base.metadata) ? (base.metadata as Record<string, string>) : {}),
    };
    for (const kv of spec.metadata) {
      const [k, v] = parseKeyValue(kv, '--metadata');
      md[k] = v;
    }
    body.metadata = md;
  }
  return body;
}

/**
 * Every request carries an idempotency key, so a retry after a lost answer can never send a
 * second toast: the caller's, or a new one.
 */
export function ensureKey(body: AlertBody, key: () => string = randomUUID): AlertBody {
  return typeof body.idempotencyKey === 'string' && body.idempotencyKey !== ''
    ? body
    : { ...body, idempotencyKey: key() };
}

/** Key for a bulk row without one: the same file sent again sends nothing twice. */
export const derivedKey = (content: string, row: number): string =>
  `bulk-${createHash('sha256').update(content).digest('hex').slice(0, 16)}-${row}`;

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
