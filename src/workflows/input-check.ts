import { ALERT_TYPES, FALLBACK_CHANNELS, MAX_ACTIONS, MAX_LABEL, MAX_TEXT, PRIORITIES, textLength } from '../shared/alert-constants';

/**
 * The workflow's own check of its input's shape. Every launcher in this project (the ingress, the CLI, the
 * typed client) builds the input with buildAlertInput, which parses it with the zod schemas; this guards
 * against runs started by hand (Temporal UI, `temporal workflow start`) or by an older client, so that such a
 * run fails at once with every problem named rather than half-way through. It checks what the workflow
 * relies on and what Genesys would refuse, not every rule of the public schema (URL and email syntax, key
 * patterns stay at the boundary).
 *
 * Hand-written on purpose: zod in workflow code is evaluated again for every run (the SDK gives each run its
 * own module cache) and was the largest CPU cost of a workflow task (bench/README.md, "Profile").
 */
export function inputProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const at = (path: string, msg: string) => problems.push(`${path}: ${msg}`);
  if (!isObject(raw)) return ['input: expected an object'];
  const i = raw;
  for (const k of ['alertId', 'idempotencyKey', 'callbackUrl'] as const) {
    if (!nonEmptyString(i[k])) at(k, 'expected a non-empty string');
  }
  // What Genesys would refuse with a 400 (a bug, not a delivery failure): refused here, before any call.
  for (const k of ['title', 'message'] as const) {
    if (!nonEmptyString(i[k]) || textLength(i[k]) > MAX_TEXT) at(k, `expected 1-${MAX_TEXT} characters`);
  }
  for (const k of ['source', 'correlationId'] as const) if (typeof i[k] !== 'string') at(k, 'expected a string');
  for (const k of ['expiresAt', 'acceptedAt'] as const) {
    if (typeof i[k] !== 'string' || Number.isNaN(Date.parse(i[k]))) at(k, 'expected an ISO date-time');
  }
  if (!oneOf(i.type, ALERT_TYPES)) at('type', `expected one of ${ALERT_TYPES.join(', ')}`);
  if (!oneOf(i.priority, PRIORITIES)) at('priority', `expected one of ${PRIORITIES.join(', ')}`);

  const t = i.target;
  if (!isObject(t) || !(nonEmptyString(t.userId) || nonEmptyString(t.email))) at('target', 'expected { userId } or { email }');

  if (!Array.isArray(i.actions) || i.actions.length > MAX_ACTIONS) {
    at('actions', `expected an array of at most ${MAX_ACTIONS}`);
  } else {
    i.actions.forEach((a: unknown, n) => {
      if (!isObject(a) || !nonEmptyString(a.label) || textLength(a.label) > MAX_LABEL) {
        return at(`actions.${n}`, `expected an action with a label of 1-${MAX_LABEL} characters`);
      }
      if (a.id !== undefined && !nonEmptyString(a.id)) at(`actions.${n}.id`, 'expected a non-empty string');
      if (a.actionType === 'openUrl') {
        if (!nonEmptyString(a.url)) at(`actions.${n}.url`, 'expected a URL');
      } else if (a.actionType === 'callback') {
        if (a.metadata !== undefined && !stringMap(a.metadata)) at(`actions.${n}.metadata`, 'expected a map of strings');
      } else at(`actions.${n}.actionType`, 'expected openUrl or callback');
    });
  }

  const f = i.fallback;
  if (!isObject(f) || !Array.isArray(f.channels) || !f.channels.every((c) => oneOf(c, FALLBACK_CHANNELS))) {
    at('fallback.channels', `expected an array of ${FALLBACK_CHANNELS.join(', ')}`);
  } else if (f.email !== undefined && !nonEmptyString(f.email)) at('fallback.email', 'expected an email address');

  const p = i.policy;
  if (!isObject(p)) {
    at('policy', 'expected an object');
  } else {
    if (typeof p.requireAck !== 'boolean') at('policy.requireAck', 'expected a boolean');
    if (typeof p.waitForAgent !== 'boolean') at('policy.waitForAgent', 'expected a boolean');
    if (!Array.isArray(p.operationalPresences) || !p.operationalPresences.every(nonEmptyString)) {
      at('policy.operationalPresences', 'expected an array of presences');
    }
    const r = p.recheckIntervalSeconds;
    if (r !== undefined && !(Number.isInteger(r) && (r as number) >= 1 && (r as number) <= 3600)) {
      at('policy.recheckIntervalSeconds', 'expected an integer from 1 to 3600');
    }
  }
  if (!stringMap(i.metadata)) at('metadata', 'expected a map of strings');
  return problems;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const oneOf = <T extends string>(v: unknown, values: readonly T[]): v is T => values.includes(v as T);
const stringMap = (v: unknown): boolean => isObject(v) && Object.values(v).every((x) => typeof x === 'string');
