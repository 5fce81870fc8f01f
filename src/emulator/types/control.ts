/** The control interface (in process and over HTTP), the running emulator handle, and control errors. */
import type { CallbackDelivery, CallbackFilter } from './callbacks';
import type { FaultSettings, FaultState, ForcedStatusInput, ForcedStatusRule } from './faults';
import type { ClickInput, ClickResult, EmulatorNotification, NotificationFilter } from './notifications';
import type { EmulatorClientSeed, EmulatorConfig } from './options';
import type { EmulatorIntegration, EmulatorOAuthClient } from './registrations';
import type { AttentionCount, HostToast, ShellLifecycleEntry, ShellState } from './shell';
import type { RequestFilter, RequestLogEntry, RequestRate, RequestRateQuery } from './requests';
import type { EmulatorEvent } from '../events';
import type { EmulatorStats } from './stats';
import type { EmulatorUser, EmulatorUserPatch, EmulatorUserSeed } from './users';

export interface EmulatorControl {
  // users
  addUser(seed: EmulatorUserSeed): EmulatorUser;
  updateUser(id: string, patch: EmulatorUserPatch): EmulatorUser;
  /** Removes the user entirely (unknown afterwards). To deactivate, updateUser(id, {state:'inactive'}). */
  removeUser(id: string): boolean;
  getUser(id: string): EmulatorUser | undefined;
  listUsers(): EmulatorUser[];
  // OAuth
  addClient(client: EmulatorClientSeed): void;
  /** Revokes every token (of one client when given). Returns how many. */
  revokeTokens(opts?: { clientId?: string }): number;
  /** Makes live tokens die now, after afterMs, or after afterRequests more API calls. Returns how many. */
  expireTokens(opts?: { clientId?: string; afterMs?: number; afterRequests?: number }): number;
  // registrations made through the Platform API (reset() forgets them)
  /** OAuth clients created by POST /api/v2/oauth/clients, secrets included. */
  listOAuthClients(): EmulatorOAuthClient[];
  /** Integrations created by POST /api/v2/integrations, each with `config.current` (the app URL is `properties.url`). */
  listIntegrations(): EmulatorIntegration[];
  // configuration and faults
  getConfig(): EmulatorConfig;
  setConfig(patch: Partial<EmulatorConfig>): EmulatorConfig;
  getFaults(): FaultState;
  /** Merges into the current fault settings. */
  setFaults(patch: Partial<FaultSettings>): FaultState;
  /** Answers the next `count` calls matching method + path prefix with `status`. */
  forceStatus(rule: ForcedStatusInput): ForcedStatusRule;
  /** Sugar: the next `count` API calls answer 429 with Retry-After. */
  burst429(opts: { count: number; retryAfterSeconds?: number; pathPrefix?: string }): ForcedStatusRule;
  /** The next notification POST for this user flips the agent Offline and answers 409 (once). */
  flipPresenceOnNextSend(userId: string): void;
  clearFaults(): FaultState;
  // notifications
  listNotifications(filter?: NotificationFilter): EmulatorNotification[];
  getNotification(id: string): EmulatorNotification | undefined;
  /** The agent clicks an action (by actionId or index; default index 0). 404 unknown, 409 expired/never shown/agent offline. */
  click(notificationId: string, input?: ClickInput): ClickResult;
  /** Makes a notification expire now. */
  expireNotification(id: string): EmulatorNotification;
  // inspection
  listRequests(filter?: RequestFilter): RequestLogEntry[];
  requestRate(query?: RequestRateQuery): RequestRate;
  listCallbackDeliveries(filter?: CallbackFilter): CallbackDelivery[];
  getCallbackDelivery(id: string): CallbackDelivery | undefined;
  /** Resolves when that callback message is delivered, rejected or failed. */
  waitForCallback(id: string, timeoutMs?: number): Promise<CallbackDelivery>;
  /** Resolves when no callback message is pending. */
  waitForCallbacksIdle(timeoutMs?: number): Promise<void>;
  /**
   * Observe changes as they happen, synchronously (over HTTP: GET /__emulator/events). A test can act at a
   * precise point, e.g. between a callback attempt's record and its retry. Returns the unsubscribe function.
   */
  subscribe(listener: (e: EmulatorEvent) => void): () => void;
  // the desktop shell (GET /desktop): what its page reports it showed (reset() forgets it)
  /** Host toasts, the attention count and the lifecycle messages of that agent's shell. */
  getShellState(userId: string): ShellState;
  /** The host toasts that agent's shell drew, oldest first. */
  listHostToasts(userId: string): HostToast[];
  /** Reports from the shell page (bodies as in README.md; 400 on a malformed one). */
  recordHostToast(userId: string, report: Record<string, unknown>): HostToast;
  recordHostToastDismissed(userId: string, report: Record<string, unknown>): HostToast;
  recordAttentionCount(userId: string, report: Record<string, unknown>): AttentionCount;
  recordShellLifecycle(userId: string, report: Record<string, unknown>): ShellLifecycleEntry;
  stats(): EmulatorStats;
  /** Back to the initial state: seeded users and clients, initial config, no faults, tokens, notifications, logs, callbacks or registrations. */
  reset(): void;
}

export interface Emulator {
  /** http://HOST:PORT, serving both the API and the login host. */
  url: string;
  port: number;
  control: EmulatorControl;
  close(): Promise<void>;
}

/** Thrown by control methods; the control HTTP API answers with `status`. */
export class EmulatorControlError extends Error {
  override readonly name = 'EmulatorControlError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
