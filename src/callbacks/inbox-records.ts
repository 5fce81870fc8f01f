/**
 * What the callback inbox holds: its records and states, the dead-letter reasons, the row <-> record mapping,
 * and how a callback is keyed (notificationId:actionId) and routed (the alert id in its metadata).
 */
import { ALERT_ID_METADATA_KEY } from '../shared/constants';
import type { DesktopCallback } from '../shared/schemas';

export type CallbackState = 'received' | 'applied' | 'dead_lettered';

/** Why a callback was not applied. `rejected:<type>` carries the workflow's ApplicationFailure type. */
export type DeadLetterReason =
  | 'malformed_json'
  | 'invalid_schema'
  | 'unroutable'
  | 'unknown_alert'
  | 'alert_closed'
  | 'relay_error'
  | `rejected:${string}`;

export interface CallbackMeta {
  /** `webhook-id` of the delivery. */
  deliveryId?: string;
  correlationId?: string;
}

export interface InboxRecord {
  id: number;
  /** notificationId:actionId, null for bodies that never parsed. */
  key: string | null;
  alertId: string | null;
  state: CallbackState;
  reason: string | null;
  detail: string | null;
  callback: DesktopCallback | null;
  /** The body as received, kept only when it could not be parsed. */
  rawBody: string | null;
  deliveryId: string | null;
  correlationId: string | null;
  attempts: number;
  outcome: string | null;
  receivedAt: string;
  updatedAt: string;
}

export type ReplayResult = 'replayed' | 'not_found' | 'not_dead_lettered' | 'not_replayable';

export interface Row {
  id: number;
  key: string | null;
  alert_id: string | null;
  state: CallbackState;
  reason: string | null;
  detail: string | null;
  payload: string | null;
  raw_body: string | null;
  delivery_id: string | null;
  correlation_id: string | null;
  attempts: number;
  outcome: string | null;
  received_at: string;
  updated_at: string;
}

export const toRecord = (r: Row): InboxRecord => ({
  id: r.id,
  key: r.key,
  alertId: r.alert_id,
  state: r.state,
  reason: r.reason,
  detail: r.detail,
  callback: r.payload ? (JSON.parse(r.payload) as DesktopCallback) : null,
  rawBody: r.raw_body,
  deliveryId: r.delivery_id,
  correlationId: r.correlation_id,
  attempts: r.attempts,
  outcome: r.outcome,
  receivedAt: r.received_at,
  updatedAt: r.updated_at,
});

export const callbackKey = (c: Pick<DesktopCallback, 'notificationId' | 'actionId'>): string =>
  `${c.notificationId}:${c.actionId}`;

/** The alert id the workflow wrote into the action's metadata (trusted only after the signature held). */
export function routeOf(c: DesktopCallback): string | null {
  const v = c.metadata?.[ALERT_ID_METADATA_KEY];
  return typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null;
}
