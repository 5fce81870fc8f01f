/** Clock helpers and the emulator's own timers (all cancelled by close()). */

/** ms epoch with sub-millisecond resolution. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** ISO 8601 without milliseconds, e.g. 2026-01-01T12:00:00Z. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Timers the emulator owns, all cancelled by close(). */
export class TimerSet {
  private timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  /** A sleep that resolves early (with false) when the set is closed. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve(true);
      }, ms);
      this.timers.set(t, () => resolve(false));
    });
  }
  /** Runs fn after ms unless cancelled or closed. Returns a cancel function. */
  after(ms: number, fn: () => void): () => void {
    if (this.closed) return () => undefined;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.set(t, () => undefined);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }
  /** Cancels every pending timer (pending sleeps resolve with false). */
  cancelAll(): void {
    for (const [t, onCancel] of this.timers) {
      clearTimeout(t);
      onCancel();
    }
    this.timers.clear();
  }
  close(): void {
    this.closed = true;
    this.cancelAll();
  }
}
