/** The Desktop Notifications POST body schema: every problem reported, in Genesys `details` shape. */
import type { EmulatorNotification, NotificationAction } from './types';

/** A schema problem, in the shape of Genesys error `details` entries. */
export interface FieldProblem {
  fieldName: string;
  errorCode: string;
  message: string;
}

export interface ValidNotification {
  userId: string;
  title: string;
  message: string;
  type: EmulatorNotification['type'];
  idempotencyKey: string | null;
  actions: NotificationAction[];
  expiresAt: string | null;
  expiresAtMs: number | null;
}

/** Max length of title and message, in UTF-16 code units (String.length, as the Java platform counts). */
export const MAX_TEXT = 250;
const TYPES = ['info', 'warning', 'error'];
const ACTION_TYPES = ['openUrl', 'callback'];
/** RFC 3339 / ISO 8601 date-time with a zone. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Validates a Desktop Notifications POST body (GENESYS.md): every problem is reported, not just the first.
 * Unknown top-level fields are ignored, as the platform does.
 */
export function validateNotification(
  body: unknown,
  now: number,
): { ok: true; value: ValidNotification } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const add = (fieldName: string, errorCode: string, message: string) =>
    problems.push({ fieldName, errorCode, message });
  if (!isObject(body)) {
    add('body', 'invalid.type', 'The request body must be a JSON object.');
    return { ok: false, problems };
  }

  const reqString = (field: string, max?: number): string | undefined => {
    const v = body[field];
    if (v === undefined || v === null) {
      add(field, 'required', `${field} is required.`);
      return undefined;
    }
    if (typeof v !== 'string') {
      add(field, 'invalid.type', `${field} must be a string.`);
      return undefined;
    }
    if (v.trim() === '') {
      add(field, 'required', `${field} must not be empty.`);
      return undefined;
    }
    if (max !== undefined && v.length > max) {
      add(field, 'too.long', `${field} must be at most ${max} characters (got ${v.length}).`);
      return undefined;
    }
    return v;
  };

  const userId = reqString('userId');
  const title = reqString('title', MAX_TEXT);
  const message = reqString('message', MAX_TEXT);

  let type: ValidNotification['type'] | undefined;
  const rawType = body.type;
  if (rawType === undefined || rawType === null) add('type', 'required', 'type is required.');
  else if (typeof rawType !== 'string' || !TYPES.includes(rawType))
    add('type', 'invalid.value', `type must be one of ${TYPES.join(', ')}.`);
  else type = rawType as ValidNotification['type'];

  let idempotencyKey: string | null = null;
  const rawKey = body.idempotencyKey;
  if (rawKey !== undefined && rawKey !== null) {
    if (typeof rawKey !== 'string' || rawKey.trim() === '')
      add('idempotencyKey', 'invalid.value', 'idempotencyKey must be a non-empty string.');
    else if (rawKey.length > 1024)
      add('idempotencyKey', 'too.long', 'idempotencyKey must be at most 1024 characters.');
    else idempotencyKey = rawKey;
  }

  let expiresAt: string | null = null;
  let expiresAtMs: number | null = null;
  const rawExp = body.expiresAt;
  if (rawExp !== undefined && rawExp !== null) {
    const ms = typeof rawExp === 'string' && ISO_DATE_TIME.test(rawExp) ? Date.parse(rawExp) : NaN;
    if (Number.isNaN(ms))
      add(
        'expiresAt',
        'invalid.value',
        'expiresAt must be an ISO 8601 date-time with a time zone, e.g. 2026-12-31T23:59:59Z.',
      );
    else if (ms <= now) add('expiresAt', 'invalid.value', 'expiresAt must be in the future.');
    else {
      expiresAt = rawExp as string;
      expiresAtMs = ms;
    }
  }

  const actions: NotificationAction[] = [];
  const rawActions = body.actions;
  if (rawActions !== undefined && rawActions !== null) {
    if (!Array.isArray(rawActions)) add('actions', 'invalid.type', 'actions must be an array.');
    else {
      const ids = new Set<string>();
      rawActions.forEach((a: unknown, i: number) => {
        const f = `actions[${i}]`;
        if (!isObject(a)) {
          add(f, 'invalid.type', `${f} must be an object.`);
          return;
        }
        const action: NotificationAction = { label: '', actionType: 'openUrl' };
        let ok = true;
        if (a.id !== undefined && a.id !== null) {
          if (typeof a.id !== 'string' || a.id.trim() === '') {
            add(`${f}.id`, 'invalid.value', `${f}.id must be a non-empty string.`);
            ok = false;
          } else if (ids.has(a.id)) {
            add(`${f}.id`, 'duplicate.value', `${f}.id '${a.id}' is used by another action.`);
            ok = false;
          } else {
            ids.add(a.id);
            action.id = a.id;
          }
        }
        if (typeof a.label !== 'string' || a.label.trim() === '') {
          add(`${f}.label`, 'required', `${f}.label is required.`);
          ok = false;
        } else action.label = a.label;
        if (typeof a.actionType !== 'string' || !ACTION_TYPES.includes(a.actionType)) {
          add(
            `${f}.actionType`,
            a.actionType === undefined ? 'required' : 'invalid.value',
            `${f}.actionType must be one of ${ACTION_TYPES.join(', ')}.`,
          );
          ok = false;
        } else action.actionType = a.actionType as NotificationAction['actionType'];
        if (a.actionType === 'openUrl') {
          if (typeof a.url !== 'string' || a.url === '') {
            add(`${f}.url`, 'required', `${f}.url is required for actionType openUrl.`);
            ok = false;
          } else if (!isHttpUrl(a.url)) {
            add(`${f}.url`, 'invalid.value', `${f}.url must be an absolute http(s) URL.`);
            ok = false;
          } else action.url = a.url;
        }
        if (a.actionType === 'callback') {
          if (typeof a.callbackUrl !== 'string' || a.callbackUrl === '') {
            add(`${f}.callbackUrl`, 'required', `${f}.callbackUrl is required for actionType callback.`);
            ok = false;
          } else if (!isHttpUrl(a.callbackUrl)) {
            add(`${f}.callbackUrl`, 'invalid.value', `${f}.callbackUrl must be an absolute http(s) URL.`);
            ok = false;
          } else action.callbackUrl = a.callbackUrl;
        }
        if (a.metadata !== undefined && a.metadata !== null) {
          if (!isObject(a.metadata)) {
            add(`${f}.metadata`, 'invalid.type', `${f}.metadata must be a JSON object.`);
            ok = false;
          } else action.metadata = a.metadata;
        }
        if (ok) actions.push(action);
      });
    }
  }

  if (
    problems.length > 0 ||
    userId === undefined ||
    title === undefined ||
    message === undefined ||
    type === undefined
  ) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    value: { userId, title, message, type, idempotencyKey, actions, expiresAt, expiresAtMs },
  };
}
