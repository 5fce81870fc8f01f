/**
 * Change events (notifications, callbacks, users, reset) and their fan-out to subscribers: the live
 * desktop page's event streams and in-process `core.subscribe(fn)` callers.
 */
import type { CallbackDelivery, EmulatorLogger, EmulatorNotification, EmulatorUser } from './types';

/** A change the live desktop page (SSE) shows. */
export type EmulatorEvent =
  | { kind: 'notification'; notification: EmulatorNotification }
  | { kind: 'callback'; delivery: CallbackDelivery }
  | { kind: 'user'; user: EmulatorUser }
  | { kind: 'user-removed'; userId: string }
  | { kind: 'reset' };

export class EventHub {
  private listeners = new Set<(e: EmulatorEvent) => void>();

  constructor(private readonly logger?: EmulatorLogger) {}

  /** Observe changes. Returns the unsubscribe function. */
  subscribe(listener: (e: EmulatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Builds the event only when someone listens: benchmarks create notifications by the thousand. */
  emit(build: () => EmulatorEvent): void {
    if (this.listeners.size === 0) return;
    const e = build();
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.logger?.warn({ err }, 'emulator: event listener failed');
      }
    }
  }
}
