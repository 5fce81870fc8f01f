/**
 * Turning a request (API body or CLI flags) into the workflow's input: validation, every default resolved,
 * the callback URL chosen by the service. Pure: no Temporal, no I/O, so the API, the CLI and the tests share it.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import {
  ALERT_ID_METADATA_KEY,
  CALLBACK_PATH,
  DEFAULT_DOWNSTREAM_RETRY_SECONDS,
  MAX_ACTIONS,
  ALERT_WORKFLOW_REVISION,
  alertWorkflowId,
} from '../shared/constants';
import { zodIssuesToFieldIssues, type FieldIssue } from '../shared/field-issues';
import {
  AlertInputSchema,
  AlertRequestSchema,
  DEFAULT_OPERATIONAL_PRESENCES,
  IdempotencyKeySchema,
  type AlertInput,
} from '../shared/schemas';

/** The latest expiresAt a caller may ask for: Genesys drops notifications after 24 h anyway. */
const MAX_EXPIRY_MS = 24 * 60 * 60 * 1000;

export interface BuildAlertInputOptions {
  config: Config;
  /** Value of the `Idempotency-Key` header, when the caller sent one. */
  idempotencyKeyHeader?: string;
  /** The caller: the API key's name (AlertSource). Unset (tests, tools): metadata.source, else 'api'. */
  source?: string;
  correlationId: string;
  now?: Date;
}

export type BuildAlertInputResult = { ok: true; input: AlertInput } | { ok: false; issues: FieldIssue[] };

/** Channels the service can use, in a stable order. */
function configuredFallbackChannels(config: Config): Array<'email' | 'webhook'> {
  const c: Array<'email' | 'webhook'> = [];
  if (config.fallback.smtpUrl) c.push('email');
  if (config.fallback.webhookUrl) c.push('webhook');
  return c;
}

/** Exact, case-insensitive match; `*.example.com` matches its subdomains (not example.com itself). */
function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((a) => (a.startsWith('*.') ? h.endsWith(a.slice(1)) : h === a));
}

/** Where desktop callbacks for this service's alerts go: always itself, never a caller's choice. */
function callbackUrlFor(config: Config): string {
  const base = config.ingress.publicBaseUrl ?? `http://localhost:${config.ingress.port}`;
  return `${base}${CALLBACK_PATH}`;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const RESERVED_MAP_KEYS = ['__proto__', 'constructor', 'prototype'];

function reservedMapKeys(map: unknown, path: string, issues: FieldIssue[]): void {
  if (!isObj(map)) return;
  for (const k of RESERVED_MAP_KEYS) {
    if (Object.prototype.hasOwnProperty.call(map, k))
      issues.push({ path: `${path}.${k}`, message: 'reserved key' });
  }
}

/** Time, allow-list, routing-key, duplicate-id and channel rules, read defensively from the raw body. */
function semanticIssues(
  raw: unknown,
  headerKey: string | undefined,
  config: Config,
  now: Date,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isObj(raw)) return issues;
  // Idempotency key: body or header, never two different ones.
  if (typeof raw.idempotencyKey === 'string' && headerKey && raw.idempotencyKey !== headerKey) {
    issues.push({ path: 'idempotencyKey', message: 'differs from the Idempotency-Key header; send one key' });
  }
  // Expiry: in the future, at most 24 h ahead (Genesys drops notifications after 24 h anyway).
  if (typeof raw.expiresAt === 'string') {
    const t = Date.parse(raw.expiresAt);
    if (!Number.isNaN(t)) {
      if (t <= now.getTime()) issues.push({ path: 'expiresAt', message: 'must be in the future' });
      else if (t - now.getTime() > MAX_EXPIRY_MS)
        issues.push({ path: 'expiresAt', message: 'must be within 24 hours from now' });
    }
  }
  // `__proto__` in a string map: zod's record drops that key silently instead of refusing it, so the
  // caller would never learn their data was cut. Refuse it by name, like the other reserved keys.
  reservedMapKeys(raw.metadata, 'metadata', issues);
  // Actions: allow-listed hosts, no caller-chosen routing keys, unique ids.
  if (Array.isArray(raw.actions)) {
    const allowed = config.ingress.actionUrlAllowedHosts;
    const ids = new Set<string>();
    raw.actions.forEach((a: unknown, idx) => {
      if (!isObj(a)) return;
      if (a.actionType === 'openUrl' && typeof a.url === 'string' && allowed.length > 0) {
        let host: string | undefined;
        try {
          host = new URL(a.url).hostname;
        } catch {
          host = undefined; // the schema reports the URL itself
        }
        if (host !== undefined && !hostAllowed(host, allowed)) {
          issues.push({
            path: `actions.${idx}.url`,
            message: 'host is not on the allow-list (ACTION_URL_ALLOWED_HOSTS)',
          });
        }
      }
      reservedMapKeys(a.metadata, `actions.${idx}.metadata`, issues);
      if (isObj(a.metadata) && Object.prototype.hasOwnProperty.call(a.metadata, ALERT_ID_METADATA_KEY)) {
        issues.push({
          path: `actions.${idx}.metadata.${ALERT_ID_METADATA_KEY}`,
          message: 'reserved key, set by the service',
        });
      }
      const id = typeof a.id === 'string' ? a.id : String(idx);
      if (ids.has(id)) issues.push({ path: `actions.${idx}.id`, message: 'duplicate action id' });
      ids.add(id);
    });
  }
  // Fallback email: a caller-chosen recipient only at an allow-listed domain, so the service is no open mail
  // relay (without one, the fallback goes to the agent's own address).
  if (isObj(raw.fallback) && typeof raw.fallback.email === 'string') {
    const allowed = config.fallback.emailAllowedDomains ?? [];
    const at = raw.fallback.email.lastIndexOf('@');
    const domain = at >= 0 ? raw.fallback.email.slice(at + 1) : undefined;
    if (domain !== undefined && domain !== '' && !hostAllowed(domain, allowed)) {
      issues.push({
        path: 'fallback.email',
        message:
          allowed.length === 0
            ? 'a caller-chosen fallback email is not allowed here (FALLBACK_EMAIL_ALLOWED_DOMAINS is empty); leave it out to email the agent'
            : 'domain is not on the allow-list (FALLBACK_EMAIL_ALLOWED_DOMAINS)',
      });
    }
  }
  // Fallback channels: refuse one the service cannot deliver.
  if (isObj(raw.fallback) && Array.isArray(raw.fallback.channels)) {
    const configured = configuredFallbackChannels(config);
    raw.fallback.channels.forEach((ch: unknown, i) => {
      if (typeof ch === 'string' && (ch === 'email' || ch === 'webhook') && !configured.includes(ch)) {
        issues.push({
          path: `fallback.channels.${i}`,
          message: `channel '${ch}' is not configured on this service`,
        });
      }
    });
  }
  return issues;
}

/**
 * Validate a raw alert request and resolve every default, so the workflow receives a complete,
 * checked AlertInput. Never throws for caller mistakes: they come back as issues, one per field.
 */
export function buildAlertInput(request: unknown, opts: BuildAlertInputOptions): BuildAlertInputResult {
  // Too many actions: refused on the count alone, before anything reads them. A 64 KB body holds ~21,800 `{}`
  // actions, and checking each of them held the event loop (and every callback's answer) for most of a second.
  if (isObj(request) && Array.isArray(request.actions) && request.actions.length > MAX_ACTIONS) {
    return { ok: false, issues: [{ path: 'actions', message: `too many actions: at most ${MAX_ACTIONS}` }] };
  }
  const { config } = opts;
  const now = opts.now ?? new Date();
  const parsed = AlertRequestSchema.safeParse(request);
  const issues: FieldIssue[] = [];
  let headerKey: string | undefined;
  if (opts.idempotencyKeyHeader !== undefined) {
    const hk = IdempotencyKeySchema.safeParse(opts.idempotencyKeyHeader);
    if (hk.success) headerKey = hk.data;
    else issues.push({ path: 'Idempotency-Key', message: hk.error.issues[0]?.message ?? 'invalid' });
  }
  // Rules the schema cannot express are checked on the raw body too, so one answer names every
  // bad field even when the schema already failed elsewhere.
  const semantic = semanticIssues(request, headerKey, config, now);
  if (!parsed.success) {
    const structural = zodIssuesToFieldIssues(parsed.error.issues);
    const seen = new Set(structural.map((i) => i.path));
    return { ok: false, issues: [...structural, ...semantic.filter((i) => !seen.has(i.path)), ...issues] };
  }
  issues.push(...semantic);
  const req = parsed.data;
  const idempotencyKey = req.idempotencyKey ?? headerKey ?? randomUUID();
  const expiresAt = req.expiresAt
    ? new Date(req.expiresAt).toISOString()
    : new Date(now.getTime() + config.defaultAlertTtlSeconds * 1000).toISOString();
  const channels = req.fallback?.channels ?? configuredFallbackChannels(config);

  if (issues.length > 0) return { ok: false, issues };

  const hasCallback = req.actions.some((a) => a.actionType === 'callback');
  const { requireAck, waitForAgent, operationalPresences, ...policyRest } = req.policy ?? {};
  const metadata = req.metadata ?? {};
  const candidate = {
    alertId: alertWorkflowId(idempotencyKey),
    idempotencyKey,
    target: req.target,
    title: req.title,
    message: req.message,
    type: req.type,
    priority: req.priority,
    actions: req.actions,
    expiresAt,
    fallback: {
      channels: [...new Set(channels)],
      ...(req.fallback?.email ? { email: req.fallback.email } : {}),
    },
    desktopChannels: config.desktopChannels,
    revision: ALERT_WORKFLOW_REVISION,
    policy: {
      ...policyRest, // newer policy fields pass through as given
      requireAck: requireAck ?? hasCallback,
      waitForAgent: waitForAgent ?? false,
      operationalPresences: operationalPresences ?? [...DEFAULT_OPERATIONAL_PRESENCES[req.type]],
    },
    metadata,
    source: (opts.source ?? metadata.source ?? 'api').slice(0, 100),
    correlationId: opts.correlationId.slice(0, 200),
    callbackUrl: callbackUrlFor(config),
    acceptedAt: now.toISOString(),
    downstreamRetrySeconds: config.downstream.retryMaxSeconds ?? DEFAULT_DOWNSTREAM_RETRY_SECONDS,
  };
  const final = AlertInputSchema.safeParse(candidate);
  if (!final.success) return { ok: false, issues: zodIssuesToFieldIssues(final.error.issues) };
  return { ok: true, input: final.data };
}
