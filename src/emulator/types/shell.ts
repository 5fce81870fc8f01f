/**
 * What the desktop shell (`GET /desktop?agent=`) showed for an agent, as its page reports it: the host
 * toasts a Client App asked for (Client App SDK `showToast`), its attention count (`setAttentionCount`)
 * and the lifecycle messages exchanged with it.
 */

export type HostToastType = 'info' | 'success' | 'error';

/** One toast the shell drew for the app (the SDK's showToast payload, as the host read it). */
export interface HostToast {
  /** Assigned by the emulator when the page reports the toast. */
  id: string;
  userId: string;
  /** The SDK's `id` option (null when the app gave none: then every toast of the app replaces the last). */
  appToastId: string | null;
  title: string;
  message: string;
  type: HostToastType;
  /** The SDK's default is true; the shell never renders markdown (the text is shown as is). */
  markdownMessage: boolean;
  /** Seconds before it goes away; 0 = stays until closed (always 0 for 'error'). */
  timeout: number;
  showCloseButton: boolean;
  /** The origin of the app that asked for it. */
  appOrigin: string;
  /** When the emulator received the report (ISO). */
  shownAt: string;
  dismissedAt: string | null;
  /** How it went away: closed by the agent, its timeout, replaced by a toast with the same id. */
  dismissedBy: 'close' | 'timeout' | 'replaced' | null;
}

/** The SDK's setAttentionCount, as last shown by the shell (the badge). */
export interface AttentionCount {
  count: number;
  updatedAt: string;
}

/** A lifecycle message: `sent` by the host (bootstrap, focus, blur, stop) or `received` from the app. */
export interface ShellLifecycleEntry {
  direction: 'sent' | 'received';
  /** Sent: the hook name. Received: the SDK action (bootstrapped, stopped, or any action the shell does not implement). */
  name: string;
  at: string;
}

export interface ShellState {
  userId: string;
  hostToasts: HostToast[];
  attention: AttentionCount | null;
  lifecycle: ShellLifecycleEntry[];
}

/** What the page reports for a toast it drew. */
export interface HostToastReport {
  appToastId?: string | null;
  title: string;
  message: string;
  type: HostToastType;
  markdownMessage?: boolean;
  timeout: number;
  showCloseButton: boolean;
  appOrigin: string;
}
