import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  type Client,
  TerminatedFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { Config } from './config';
import { DEFAULT_DOWNSTREAM_RETRY_SECONDS, FALLBACK_RETRY_SECONDS, taskPriority } from './shared/alert-constants';
import { ALERTS_TASK_QUEUE, ALERT_ID_METADATA_KEY, CALLBACK_PATH, alertWorkflowId } from './shared/constants';
import {
  agentActionUpdate,
  cancelSignal,
  getStateQuery,
  TERMINAL_STATUSES,
  type AgentAction,
  type AgentActionResult,
  type AlertState,
  type AlertStatus,
} from './shared/messages';
import {
  AlertInputSchema,
  AlertRequestSchema,
  DEFAULT_OPERATIONAL_PRESENCES,
  IdempotencyKeySchema,
  MAX_ACTIONS,
  type AlertInput,
} from './shared/schemas';
import { SA } from './shared/search-attributes';
import type { z } from 'zod';

/** The workflow type the worker registers (src/workflows). */
export const ALERT_WORKFLOW_TYPE = 'deliverAlert';
const MAX_EXPIRY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RPC_TIMEOUT_MS = 3_000;
const DEFAULT_ACTION_TIMEOUT_MS = 10_000;
/** Room in the execution time-out beyond the retry caps, for workers being down or behind (see executionTimeoutMs). */
const BACKSTOP_SLACK_SECONDS = 3_600;

/**
 * The run's execution time-out: a backstop, so no alert run stays open for ever whatever goes wrong (issue 11: a
 * handler that never ended kept runs open). Until expiresAt a run sends, waits for the agent and takes actions;
 * after it, it does at most its fallback (retried for FALLBACK_RETRY_SECONDS) or the downstream hand-off of its
 * actions (retried for downstreamRetrySeconds, DOWNSTREAM_RETRY_MAX_SECONDS). Both caps are counted, though a run
 * does one or the other, plus BACKSTOP_SLACK_SECONDS. A run still open past that is stuck: Temporal closes it as
 * timed out, and getAlert says so.
 */
export function executionTimeoutMs(input: Pick<AlertInput, 'expiresAt' | 'downstreamRetrySeconds'>, nowMs = Date.now()): number {
  const untilExpiry = Math.max(0, Date.parse(input.expiresAt) - nowMs);
  const downstream = input.downstreamRetrySeconds ?? DEFAULT_DOWNSTREAM_RETRY_SECONDS;
  return untilExpiry + (FALLBACK_RETRY_SECONDS + downstream + BACKSTOP_SLACK_SECONDS) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Errors a caller acts on
// ---------------------------------------------------------------------------------------------

/** Temporal could not be reached in time (server down, network, deadline). Retry later. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  readonly code = 'temporal_unavailable';
  /**
   * Set by startAlert/startInput: the alert whose start is in doubt (after a time-out it may have started
   * anyway). A retry with this key is recognised as a duplicate instead of making a second toast.
   */
  readonly alert?: { alertId: string; idempotencyKey: string };
  constructor(message = 'Temporal is unreachable', options?: { cause?: unknown; alert?: { alertId: string; idempotencyKey: string } }) {
    super(message, options);
    if (options?.alert) this.alert = options.alert;
  }
}

export interface FieldIssue {
  /** Dotted path into the request body (`actions.1.url`), or a header name. */
  path: string;
  message: string;
}

/** The request does not describe a valid alert; `issues` names every bad field. */
export class AlertValidationError extends Error {
  override readonly name = 'AlertValidationError';
  readonly code = 'invalid_alert';
  constructor(readonly issues: FieldIssue[]) {
    super(`invalid alert request: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`);
  }
}

/** No alert with that id. */
export class AlertNotFoundError extends Error {
  override readonly name = 'AlertNotFoundError';
  readonly code = 'unknown_alert';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} does not exist`);
  }
}

/** The alert's workflow is closed: it takes no more actions or cancellations. */
export class AlertClosedError extends Error {
  override readonly name = 'AlertClosedError';
  readonly code = 'alert_closed';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} is already closed`);
  }
}

/** The workflow refused the action (its validator or handler threw an ApplicationFailure). */
export class ActionRejectedError extends Error {
  override readonly name = 'ActionRejectedError';
  readonly code = 'action_rejected';
  constructor(
    readonly alertId: string,
    readonly failureType: string,
    message: string,
  ) {
    super(`alert ${alertId} rejected the action (${failureType}): ${message}`);
  }
}

// RESOURCE_EXHAUSTED: the server is rate limiting or overloaded; like an outage, it passes, so the caller retries later.
const UNAVAILABLE_GRPC_CODES = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** True when an error (or one of its causes) means "the server could not be reached in time". */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof TemporalUnavailableError || e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && UNAVAILABLE_GRPC_CODES.has(code)) return true;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    const msg = e instanceof Error ? e.message : '';
    if (/Failed to connect|No connection established|connection refused/i.test(msg)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Request -> workflow input
// ---------------------------------------------------------------------------------------------

export interface BuildAlertInputOptions {
  config: Config;
  /** Value of the `Idempotency-Key` header, when the caller sent one. */
  idempotencyKeyHeader?: string;
  /** Caller identity (used when metadata.source is absent). */
  source?: string;
  correlationId: string;
  now?: Date;
}

export type BuildAlertInputResult = { ok: true; input: AlertInput } | { ok: false; issues: FieldIssue[] };

const pathOf = (p: readonly PropertyKey[]): string => p.map(String).join('.');

/** One FieldIssue per bad field: unknown keys are split so each one is named. */
export function zodIssuesToFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) {
        out.push({
          path: pathOf([...i.path, k]),
          message:
            k === 'callbackUrl'
              ? 'callbackUrl is chosen by the service (callbacks always come back to it); remove it'
              : 'unknown field',
        });
      }
    } else if (i.code === 'invalid_union' && i.errors.length > 0) {
      // A union of strict objects: the branch the caller meant is the one with no unknown keys.
      const meant = i.errors.find((branch) => branch.length > 0 && branch.every((e) => e.code !== 'unrecognized_keys'));
      if (meant) out.push(...zodIssuesToFieldIssues(meant.map((e) => ({ ...e, path: [...i.path, ...e.path] }))));
      else out.push({ path: pathOf(i.path), message: 'must be {"userId": "..."} or {"email": "..."}, exactly one' });
    } else {
      out.push({ path: pathOf(i.path), message: i.message });
    }
  }
  return out;
}

/** Channels the service can use, in a stable order. */
export function configuredFallbackChannels(config: Config): Array<'email' | 'webhook'> {
  const c: Array<'email' | 'webhook'> = [];
  if (config.fallback.smtpUrl) c.push('email');
  if (config.fallback.webhookUrl) c.push('webhook');
  return c;
}

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((a) => (a.startsWith('*.') ? h.endsWith(a.slice(1)) : h === a));
}

/** Where desktop callbacks for this service's alerts go: always itself, never a caller's choice. */
export function callbackUrlFor(config: Config): string {
  const base = config.ingress.publicBaseUrl ?? `http://localhost:${config.ingress.port}`;
  return `${base}${CALLBACK_PATH}`;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const RESERVED_MAP_KEYS = ['__proto__', 'constructor', 'prototype'];

function reservedMapKeys(map: unknown, path: string, issues: FieldIssue[]): void {
  if (!isObj(map)) return;
  for (const k of RESERVED_MAP_KEYS) {
    if (Object.prototype.hasOwnProperty.call(map, k)) issues.push({ path: `${path}.${k}`, message: 'reserved key' });
  }
}

/** Time, allow-list, routing-key, duplicate-id and channel rules, read defensively from the raw body. */
function semanticIssues(raw: unknown, headerKey: string | undefined, config: Config, now: Date): FieldIssue[] {
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
      else if (t - now.getTime() > MAX_EXPIRY_MS) issues.push({ path: 'expiresAt', message: 'must be within 24 hours from now' });
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
          issues.push({ path: `actions.${idx}.url`, message: 'host is not on the allow-list (ACTION_URL_ALLOWED_HOSTS)' });
        }
      }
      reservedMapKeys(a.metadata, `actions.${idx}.metadata`, issues);
      if (isObj(a.metadata) && Object.prototype.hasOwnProperty.call(a.metadata, ALERT_ID_METADATA_KEY)) {
        issues.push({ path: `actions.${idx}.metadata.${ALERT_ID_METADATA_KEY}`, message: 'reserved key, set by the service' });
      }
      const id = typeof a.id === 'string' ? a.id : String(idx);
      if (ids.has(id)) issues.push({ path: `actions.${idx}.id`, message: 'duplicate action id' });
      ids.add(id);
    });
  }
  // Fallback channels: refuse one the service cannot deliver.
  if (isObj(raw.fallback) && Array.isArray(raw.fallback.channels)) {
    const configured = configuredFallbackChannels(config);
    raw.fallback.channels.forEach((ch: unknown, i) => {
      if (typeof ch === 'string' && (ch === 'email' || ch === 'webhook') && !configured.includes(ch)) {
        issues.push({ path: `fallback.channels.${i}`, message: `channel '${ch}' is not configured on this service` });
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
    fallback: { channels: [...new Set(channels)], ...(req.fallback?.email ? { email: req.fallback.email } : {}) },
    policy: {
      ...policyRest, // newer policy fields pass through as given
      requireAck: requireAck ?? hasCallback,
      waitForAgent: waitForAgent ?? false,
      operationalPresences: operationalPresences ?? [...DEFAULT_OPERATIONAL_PRESENCES[req.type]],
    },
    metadata,
    source: (metadata.source ?? opts.source ?? 'api').slice(0, 100),
    correlationId: opts.correlationId.slice(0, 200),
    callbackUrl: callbackUrlFor(config),
    acceptedAt: now.toISOString(),
    downstreamRetrySeconds: config.downstream.retryMaxSeconds ?? DEFAULT_DOWNSTREAM_RETRY_SECONDS,
  };
  const final = AlertInputSchema.safeParse(candidate);
  if (!final.success) return { ok: false, issues: zodIssuesToFieldIssues(final.error.issues) };
  return { ok: true, input: final.data };
}

// ---------------------------------------------------------------------------------------------
// The launcher
// ---------------------------------------------------------------------------------------------

export interface AlertsClientOptions {
  /** Task queue of the alert workflows (default ALERTS_TASK_QUEUE; tests use their own). */
  taskQueue?: string;
  /** Time limit of each call to Temporal, so an outage surfaces quickly as TemporalUnavailableError (default 3 s). */
  rpcTimeoutMs?: number;
  /** Time limit of applyAction, which waits for a worker to run the update (default 10 s; it is retried, idempotently). */
  actionTimeoutMs?: number;
  /** Start runs with the alert's task priority (default true; the benchmark's FIFO baseline turns it off). */
  taskPriority?: boolean;
}

export type StartAlertOptions = Omit<BuildAlertInputOptions, 'config'>;

export interface StartAlertResult {
  alertId: string;
  status: 'accepted' | 'duplicate';
}

/** What the alert's memo holds: enough to describe an alert whose workflow cannot answer a query. */
interface AlertMemo {
  alertId: string;
  idempotencyKey: string;
  type: AlertInput['type'];
  priority: AlertInput['priority'];
  target: AlertInput['target'];
  expiresAt: string;
  source: string;
  correlationId: string;
  acceptedAt: string;
}

const CLOSED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW']);

export const agentOf = (target: AlertInput['target']): string => ('userId' in target ? target.userId : target.email);

/**
 * Typed launcher for alert workflows: the only place that knows workflow options, ids, message
 * names and how Temporal errors map onto the errors above. One instance per process.
 */
export class AlertsClient {
  readonly taskQueue: string;
  private readonly rpcTimeoutMs: number;
  private readonly actionTimeoutMs: number;
  private readonly taskPriority: boolean;

  constructor(
    private readonly client: Client,
    private readonly config: Config,
    opts: AlertsClientOptions = {},
  ) {
    this.taskQueue = opts.taskQueue ?? ALERTS_TASK_QUEUE;
    this.rpcTimeoutMs = opts.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.actionTimeoutMs = opts.actionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS;
    this.taskPriority = opts.taskPriority ?? true;
  }

  /**
   * Run one Temporal call with a hard time limit; connection-level failures become
   * TemporalUnavailableError. The gRPC deadline alone is not enough: the SDK's retry interceptor
   * keeps backing off past it, so an outage would answer seconds late.
   */
  private async rpc<T>(fn: () => Promise<T>, timeoutMs = this.rpcTimeoutMs): Promise<T> {
    const conn = this.client.connection;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new TemporalUnavailableError(`Temporal did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    const call = conn.withDeadline(Date.now() + timeoutMs, () => conn.withAbortSignal(abort.signal, fn));
    call.catch(() => undefined); // the losing side of the race must not become an unhandled rejection
    try {
      return await Promise.race([call, timedOut]);
    } catch (err) {
      if (isTemporalUnavailable(err) && !(err instanceof TemporalUnavailableError)) {
        throw new TemporalUnavailableError(`Temporal is unreachable: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Validate, resolve defaults and start the alert; the same idempotency key again is a 'duplicate'. */
  async startAlert(request: unknown, opts: StartAlertOptions): Promise<StartAlertResult> {
    const built = buildAlertInput(request, { ...opts, config: this.config });
    if (!built.ok) throw new AlertValidationError(built.issues);
    return this.startInput(built.input);
  }

  /** Start an already built AlertInput (see buildAlertInput). */
  async startInput(input: AlertInput): Promise<StartAlertResult> {
    const agent = agentOf(input.target);
    const sa: SearchAttributePair[] = [
      // The run's first step is the send: indexing it here saves the workflow an upsert (an event, a billable action).
      { key: SA.status, value: 'sending' },
      { key: SA.type, value: input.type },
      { key: SA.priority, value: input.priority },
      { key: SA.source, value: input.source },
      { key: SA.agent, value: agent },
    ];
    if (input.metadata.transactionId) sa.push({ key: SA.transactionId, value: input.metadata.transactionId });
    const memo: AlertMemo = {
      alertId: input.alertId,
      idempotencyKey: input.idempotencyKey,
      type: input.type,
      priority: input.priority,
      target: input.target,
      expiresAt: input.expiresAt,
      source: input.source,
      correlationId: input.correlationId,
      acceptedAt: input.acceptedAt,
    };
    try {
      await this.rpc(() =>
        this.client.workflow.start(ALERT_WORKFLOW_TYPE, {
          args: [input],
          taskQueue: this.taskQueue,
          workflowId: input.alertId,
          // A retried request must never create a second run (or a second toast), even after the first closed.
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowExecutionTimeout: executionTimeoutMs(input),
          typedSearchAttributes: sa,
          memo: { alert: memo },
          staticSummary: `${input.type} alert to agent ${agent}: ${input.title}`.slice(0, 400),
          ...(this.taskPriority ? { priority: taskPriority(input.priority) } : {}),
        }),
      );
      return { alertId: input.alertId, status: 'accepted' };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { alertId: input.alertId, status: 'duplicate' };
      if (err instanceof TemporalUnavailableError) {
        throw new TemporalUnavailableError(err.message, { cause: err, alert: { alertId: input.alertId, idempotencyKey: input.idempotencyKey } });
      }
      throw err;
    }
  }

  /** The alert's state: live from the workflow while it runs, its result once closed; null if unknown. */
  async getAlert(alertId: string): Promise<AlertState | null> {
    const handle = this.client.workflow.getHandle(alertId);
    let desc;
    try {
      desc = await this.rpc(() => handle.describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
    const status = desc.status.name;
    if (!CLOSED.has(status)) return this.rpc(() => handle.query(getStateQuery));
    if (status === 'COMPLETED') return this.rpc(() => handle.result() as Promise<AlertState>);
    // Failed, terminated or timed out: the workflow has no state to give; describe it from the memo.
    const failureReason = await this.closeReason(handle, status, desc.raw.executionConfig?.workflowExecutionTimeout);
    const memo = desc.memo?.alert as AlertMemo | undefined;
    const saStatus = desc.typedSearchAttributes.get(SA.status) as AlertStatus | undefined;
    const closedAt = (desc.closeTime ?? new Date()).toISOString();
    return {
      alertId,
      idempotencyKey: memo?.idempotencyKey ?? alertId.replace(/^alert-/, ''),
      status: saStatus && TERMINAL_STATUSES.includes(saStatus) ? saStatus : status === 'CANCELLED' ? 'cancelled' : 'failed',
      type: memo?.type ?? 'info',
      priority: memo?.priority ?? 'normal',
      target: memo?.target ?? { userId: 'unknown' },
      expiresAt: memo?.expiresAt ?? closedAt,
      actions: [],
      fallback: [],
      failureReason,
      createdAt: memo?.acceptedAt ?? desc.startTime.toISOString(),
      updatedAt: closedAt,
      source: memo?.source ?? 'unknown',
      correlationId: memo?.correlationId ?? '',
    };
  }

  /**
   * Why a closed run did not complete, in words a person can read (issue 11: never a bare "workflow failed"):
   * the failure's own message or the operator's reason, from the run's close event (one history event).
   */
  private async closeReason(handle: WorkflowHandle, status: string, executionTimeout: Parameters<typeof optionalTsToMs>[0]): Promise<string> {
    if (status === 'TIMED_OUT') {
      const ms = optionalTsToMs(executionTimeout);
      const limit = ms === undefined ? '' : ` of ${ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`}`;
      return `workflow timed out: the run passed its execution time-out${limit} (expiresAt plus the margin for fallback and downstream retries) and was closed unfinished`;
    }
    if (status === 'CANCELLED') return 'workflow cancelled';
    let cause: Error | undefined;
    try {
      await this.rpc(() => handle.result());
    } catch (err) {
      if (isTemporalUnavailable(err)) throw err;
      cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    }
    if (status === 'TERMINATED') {
      // The SDK stands in its own words when the operator gave no reason.
      const reason = cause instanceof TerminatedFailure && cause.message !== 'Workflow execution terminated' ? cause.message : 'no reason given';
      return `workflow terminated: ${reason}`;
    }
    return cause?.message ? `workflow ${status.toLowerCase()}: ${cause.message}` : `workflow ${status.toLowerCase()} (no failure message recorded)`;
  }

  /** Ask the alert to stop. Throws AlertNotFoundError / AlertClosedError. */
  async cancelAlert(alertId: string, reason?: string): Promise<void> {
    const handle = this.client.workflow.getHandle(alertId);
    try {
      const desc = await this.rpc(() => handle.describe());
      if (CLOSED.has(desc.status.name)) throw new AlertClosedError(alertId);
      await this.rpc(() => handle.signal(cancelSignal, reason ? { reason } : {}));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw await this.notFoundOrClosed(alertId);
      throw err;
    }
  }

  /**
   * Deliver an agent's action to its alert. `updateId` (`notificationId:actionId`) makes Temporal
   * deduplicate too, so a relay that re-sends after a crash never counts an action twice.
   * Throws AlertNotFoundError, AlertClosedError, ActionRejectedError or TemporalUnavailableError.
   */
  async applyAction(alertId: string, action: AgentAction, updateId = `${action.notificationId}:${action.actionId}`): Promise<AgentActionResult> {
    const handle = this.client.workflow.getHandle(alertId);
    try {
      return await this.rpc(() => handle.executeUpdate(agentActionUpdate, { args: [action], updateId }), this.actionTimeoutMs);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause;
        if (cause instanceof ApplicationFailure) {
          throw new ActionRejectedError(alertId, cause.type ?? 'Error', cause.message);
        }
        throw new ActionRejectedError(alertId, cause?.name ?? 'Error', cause?.message ?? err.message);
      }
      if (err instanceof WorkflowNotFoundError) throw await this.notFoundOrClosed(alertId);
      throw err;
    }
  }

  /** Is the server answering? (for /readyz) */
  async ping(timeoutMs = 2_000): Promise<boolean> {
    try {
      await this.rpc(() => this.client.workflowService.getSystemInfo({}), timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /** NOT_FOUND from an update or signal means either "never existed" or "already closed". */
  private async notFoundOrClosed(alertId: string): Promise<Error> {
    try {
      await this.rpc(() => this.client.workflow.getHandle(alertId).describe());
      return new AlertClosedError(alertId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return new AlertNotFoundError(alertId);
      return err as Error;
    }
  }
}
