/**
 * The typed launcher of alert workflows: the only place that knows workflow options, ids, message names and
 * how Temporal errors map onto the errors of ./errors.ts. One instance per process; the API, the relay and
 * the CLI go through it.
 */
import {
  ApplicationFailure,
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionDescription,
  WorkflowFailedError,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { Config } from '../config';
import { ALERTS_TASK_QUEUE } from '../shared/constants';
import {
  agentActionUpdate,
  cancelSignal,
  getStateQuery,
  type AgentAction,
  type AgentActionResult,
  type AlertState,
} from '../shared/messages';
import type { AlertInput } from '../shared/schemas';
import { SA } from '../shared/search-attributes';
import { deliverAlert } from '../workflows';
import { buildAlertInput, type BuildAlertInputOptions } from './build-input';
import { CLOSED_RUN_STATUSES, closeReason, closedAlertState } from './closed-alert';
import {
  ActionRejectedError,
  AlertClosedError,
  AlertNotFoundError,
  AlertValidationError,
  IdempotencyKeyTakenError,
  TemporalUnavailableError,
  isTemporalUnavailable,
} from './errors';
import { alertStartOptions } from './start-options';

const DEFAULT_RPC_TIMEOUT_MS = 3_000;
const DEFAULT_ACTION_TIMEOUT_MS = 10_000;

export interface AlertsClientOptions {
  /** Task queue of the alert workflows (default ALERTS_TASK_QUEUE; tests use their own). */
  taskQueue?: string;
  /** Time limit of each call to Temporal, so an outage surfaces quickly as TemporalUnavailableError (default 3 s). */
  rpcTimeoutMs?: number;
  /** Time limit of applyAction, which waits for a worker to run the update (default 10 s; it is retried, idempotently). */
  actionTimeoutMs?: number;
  /** Start runs with the alert's task priority (default true; the benchmark's FIFO baseline turns it off). */
  taskPriority?: boolean;
  /**
   * Ask for eager workflow start: the server hands the run's first workflow task back in the start's answer to a
   * worker of this process, saving the matching round trip. Only where the Client is built on the workers' own
   * NativeConnection (startService does that when both run in one process, as in `npm start`).
   */
  requestEagerStart?: boolean;
}

export type StartAlertOptions = Omit<BuildAlertInputOptions, 'config'>;

/**
 * Whose alerts a caller may see: `owner` set (a sender key's name) limits it to the alerts that key started (their
 * AlertSource); another's alert is answered as unknown, so a sender cannot even learn that it exists.
 */
export interface AlertScope {
  owner?: string;
}

/** The key that started a run, from the AlertSource search attribute every run is started with. */
const sourceOf = (desc: WorkflowExecutionDescription): string | undefined =>
  desc.typedSearchAttributes.get(SA.source);

export interface StartAlertResult {
  alertId: string;
  status: 'accepted' | 'duplicate';
}

export class AlertsClient {
  readonly taskQueue: string;
  private readonly rpcTimeoutMs: number;
  private readonly actionTimeoutMs: number;
  private readonly taskPriority: boolean;
  private readonly requestEagerStart: boolean;

  constructor(
    private readonly client: Client,
    private readonly config: Config,
    opts: AlertsClientOptions = {},
  ) {
    this.taskQueue = opts.taskQueue ?? ALERTS_TASK_QUEUE;
    this.rpcTimeoutMs = opts.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.actionTimeoutMs = opts.actionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS;
    this.taskPriority = opts.taskPriority ?? true;
    this.requestEagerStart = opts.requestEagerStart ?? false;
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
        throw new TemporalUnavailableError(`Temporal is unreachable: ${(err as Error).message}`, {
          cause: err,
        });
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
    const options = alertStartOptions(input, { taskQueue: this.taskQueue, taskPriority: this.taskPriority });
    try {
      await this.rpc(() =>
        this.client.workflow.start(deliverAlert, {
          ...options,
          args: [input],
          ...(this.requestEagerStart ? { requestEagerStart: true } : {}),
        }),
      );
      return { alertId: input.alertId, status: 'accepted' };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // The key is taken. A retry by the caller that took it is a duplicate; anyone else must not learn the alert.
        const owner = await this.rpc(() => this.ownerOf(input.alertId));
        if (owner !== input.source) throw new IdempotencyKeyTakenError(input.idempotencyKey);
        return { alertId: input.alertId, status: 'duplicate' };
      }
      if (err instanceof TemporalUnavailableError) {
        throw new TemporalUnavailableError(err.message, {
          cause: err,
          alert: { alertId: input.alertId, idempotencyKey: input.idempotencyKey },
        });
      }
      throw err;
    }
  }

  /**
   * Who started the alert's run (its AlertSource), from the search attributes alone: describe() would also decode
   * the memo, which fails for a run written with payload keys this process does not hold, and the question needs
   * none of it.
   */
  private async ownerOf(alertId: string): Promise<string | undefined> {
    const raw = await this.client.workflowService.describeWorkflowExecution({
      namespace: this.client.options.namespace,
      execution: { workflowId: alertId },
    });
    return decodeTypedSearchAttributes(raw.workflowExecutionInfo?.searchAttributes?.indexedFields).get(
      SA.source,
    );
  }

  /** The alert's state: live from the workflow while it runs, its result once closed; null if unknown. */
  async getAlert(alertId: string, scope: AlertScope = {}): Promise<AlertState | null> {
    const handle = this.client.workflow.getHandle(alertId);
    let desc;
    try {
      desc = await this.rpc(() => handle.describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
    if (scope.owner !== undefined && sourceOf(desc) !== scope.owner) return null;
    const status = desc.status.name;
    if (!CLOSED_RUN_STATUSES.has(status)) return this.rpc(() => handle.query(getStateQuery));
    if (status === 'COMPLETED') return this.rpc(() => handle.result() as Promise<AlertState>);
    // Failed, terminated or timed out: the workflow has no state to give; describe it from the memo.
    return closedAlertState(alertId, desc, await this.closeReasonOf(handle, status, desc));
  }

  /** Why the run closed unfinished: reads the close event's failure (one history event) when there is one. */
  private async closeReasonOf(
    handle: WorkflowHandle,
    status: string,
    desc: WorkflowExecutionDescription,
  ): Promise<string> {
    let cause: Error | undefined;
    if (status !== 'TIMED_OUT' && status !== 'CANCELLED') {
      try {
        await this.rpc(() => handle.result());
      } catch (err) {
        if (isTemporalUnavailable(err)) throw err;
        cause = err instanceof WorkflowFailedError ? err.cause : undefined;
      }
    }
    return closeReason(status, optionalTsToMs(desc.raw.executionConfig?.workflowExecutionTimeout), cause);
  }

  /** Ask the alert to stop. Throws AlertNotFoundError / AlertClosedError. */
  async cancelAlert(alertId: string, reason?: string, scope: AlertScope = {}): Promise<void> {
    const handle = this.client.workflow.getHandle(alertId);
    try {
      const desc = await this.rpc(() => handle.describe());
      if (scope.owner !== undefined && sourceOf(desc) !== scope.owner) throw new AlertNotFoundError(alertId);
      if (CLOSED_RUN_STATUSES.has(desc.status.name)) throw new AlertClosedError(alertId);
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
  async applyAction(
    alertId: string,
    action: AgentAction,
    updateId = `${action.notificationId}:${action.actionId}`,
  ): Promise<AgentActionResult> {
    const handle = this.client.workflow.getHandle(alertId);
    try {
      return await this.rpc(
        () => handle.executeUpdate(agentActionUpdate, { args: [action], updateId }),
        this.actionTimeoutMs,
      );
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
