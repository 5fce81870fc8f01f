import type { AlertInput } from '../shared/schemas';
import {
  ALERT_TYPES,
  FALLBACK_CHANNELS,
  MAX_ACTIONS,
  MAX_LABEL,
  MAX_TEXT,
  PRIORITIES,
  textLength,
} from '../shared/constants';

/**
 * The workflow's own check of its input's shape. Every launcher in this project (the ingress, the CLI, the
 * typed client) builds the input with buildAlertInput, which parses it with the zod schemas; this guards
 * against runs started by hand (Temporal UI, `temporal workflow start`), by an older client, or with a limit the
 * ingress counts differently, so that such a run ends at once, `failed` with every problem named (and its fallback
 * sent where the input allows: checkInput), rather than half-way through. It checks what the workflow
 * relies on and what Genesys would refuse, not every rule of the public schema (URL and email syntax, key
 * patterns stay at the boundary).
 *
 * Hand-written on purpose: zod in workflow code is evaluated again for every run (the SDK gives each run its
 * own module cache) and was the largest CPU cost of a workflow task (bench/README.md, "Profile").
 */
export function inputProblems(raw: unknown): string[] {
  return check(raw).map((p) => `${p.path}: ${p.message}`);
}

/** What a running workflow makes of its input: see checkInput. */
export interface InputCheck {
  /** Every problem, by path ("title: expected 1-250 characters"); empty for a good input. */
  problems: string[];
  /**
   * The input itself when it has no problem. Otherwise the input with a neutral value in place of each part that
   * cannot be used at all (not an object, wrong type, empty), so the run can still describe the alert and send
   * its fallback; a part that is wrong only for Genesys (too long for a toast) is kept as given.
   */
  input: AlertInput;
  /** Every part the fallback channels send is usable: the fallback can go out (see refuseInput in ./fallback.ts). */
  fallbackPossible: boolean;
}

/**
 * The parts the fallback activities send (FallbackInput): who the alert is for, what it says, where the fallback
 * goes. The rest (idempotencyKey, callbackUrl, policy, acceptedAt, downstreamRetrySeconds) only steer the desktop
 * path or the run's bookkeeping.
 */
const FALLBACK_PARTS = new Set([
  'alertId',
  'correlationId',
  'target',
  'title',
  'message',
  'type',
  'priority',
  'expiresAt',
  'source',
  'metadata',
  'actions',
  'fallback',
]);

/** Check the input, and say what of it a run that must refuse it can still use. */
export function checkInput(raw: unknown, workflowId: string, now: string): InputCheck {
  const found = check(raw);
  if (found.length === 0) return { problems: [], input: raw as AlertInput, fallbackPossible: true };
  const broken = new Set(found.filter((p) => !p.genesysOnly).map((p) => p.path.split('.')[0]!));
  const neutral: Record<string, unknown> = {
    alertId: workflowId,
    idempotencyKey: workflowId.replace(/^alert-/, ''),
    target: { userId: 'unknown' },
    title: '',
    message: '',
    type: 'info',
    priority: 'normal',
    actions: [],
    expiresAt: now,
    fallback: { channels: [] },
    policy: { requireAck: false, waitForAgent: false, operationalPresences: [] },
    metadata: {},
    source: 'unknown',
    correlationId: '',
    callbackUrl: '',
    acceptedAt: now,
    downstreamRetrySeconds: undefined,
  };
  const given = isObject(raw) ? raw : {};
  const input = Object.fromEntries(
    Object.entries(neutral).map(([k, v]) => [k, broken.has(k) || given[k] === undefined ? v : given[k]]),
  ) as unknown as AlertInput;
  const fallbackPossible = isObject(raw) && ![...broken].some((k) => FALLBACK_PARTS.has(k));
  return { problems: found.map((p) => `${p.path}: ${p.message}`), input, fallbackPossible };
}

interface Problem {
  path: string;
  message: string;
  /** Wrong only for Genesys (a toast's limits): the value is still right for an email or a webhook. */
  genesysOnly?: boolean;
}

function check(raw: unknown): Problem[] {
  const problems: Problem[] = [];
  const at = (path: string, message: string, genesysOnly = false) =>
    problems.push({ path, message, genesysOnly });
  if (!isObject(raw)) return [{ path: 'input', message: 'expected an object' }];
  const i = raw;
  for (const k of ['alertId', 'idempotencyKey', 'callbackUrl'] as const) {
    if (!nonEmptyString(i[k])) at(k, 'expected a non-empty string');
  }
  // What Genesys would refuse with a 400 (a bug, not a delivery failure): refused here, before any call.
  // Too long is Genesys's limit only: such a text still goes out by email or webhook.
  for (const k of ['title', 'message'] as const) {
    if (!nonEmptyString(i[k])) at(k, `expected 1-${MAX_TEXT} characters`);
    else if (textLength(i[k]) > MAX_TEXT) at(k, `expected 1-${MAX_TEXT} characters`, true);
  }
  for (const k of ['source', 'correlationId'] as const)
    if (typeof i[k] !== 'string') at(k, 'expected a string');
  for (const k of ['expiresAt', 'acceptedAt'] as const) {
    if (typeof i[k] !== 'string' || Number.isNaN(Date.parse(i[k]))) at(k, 'expected an ISO date-time');
  }
  if (!oneOf(i.type, ALERT_TYPES)) at('type', `expected one of ${ALERT_TYPES.join(', ')}`);
  if (!oneOf(i.priority, PRIORITIES)) at('priority', `expected one of ${PRIORITIES.join(', ')}`);

  const t = i.target;
  if (!isObject(t) || !(nonEmptyString(t.userId) || nonEmptyString(t.email)))
    at('target', 'expected { userId } or { email }');

  if (!Array.isArray(i.actions) || i.actions.length > MAX_ACTIONS) {
    // More actions than a toast shows is Genesys's limit; not an array is nothing usable.
    at('actions', `expected an array of at most ${MAX_ACTIONS}`, Array.isArray(i.actions));
  }
  if (Array.isArray(i.actions)) {
    i.actions.forEach((a: unknown, n) => {
      if (!isObject(a) || !nonEmptyString(a.label)) {
        return at(`actions.${n}`, `expected an action with a label of 1-${MAX_LABEL} characters`);
      }
      if (textLength(a.label) > MAX_LABEL)
        at(`actions.${n}`, `expected an action with a label of 1-${MAX_LABEL} characters`, true);
      if (a.id !== undefined && !nonEmptyString(a.id)) at(`actions.${n}.id`, 'expected a non-empty string');
      if (a.actionType === 'openUrl') {
        if (!nonEmptyString(a.url)) at(`actions.${n}.url`, 'expected a URL');
      } else if (a.actionType === 'callback') {
        if (a.metadata !== undefined && !stringMap(a.metadata))
          at(`actions.${n}.metadata`, 'expected a map of strings');
      } else at(`actions.${n}.actionType`, 'expected openUrl or callback');
    });
  }

  const f = i.fallback;
  if (!isObject(f) || !Array.isArray(f.channels) || !f.channels.every((c) => oneOf(c, FALLBACK_CHANNELS))) {
    at('fallback.channels', `expected an array of ${FALLBACK_CHANNELS.join(', ')}`);
  } else if (f.email !== undefined && !nonEmptyString(f.email))
    at('fallback.email', 'expected an email address');

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
  const d = i.downstreamRetrySeconds;
  if (d !== undefined && !(Number.isInteger(d) && (d as number) >= 1))
    at('downstreamRetrySeconds', 'expected a whole number of seconds, at least 1');
  return problems;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const oneOf = <T extends string>(v: unknown, values: readonly T[]): v is T => values.includes(v as T);
const stringMap = (v: unknown): boolean =>
  isObject(v) && Object.values(v).every((x) => typeof x === 'string');
