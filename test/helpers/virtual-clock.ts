/**
 * A virtual clock for code that takes a PacerClock: time moves only when a sleep is due, and jumps straight to
 * it. A sleeper wakes on a macrotask (setImmediate), after every promise chain already under way has settled,
 * so a test that reads now() right after a call was let through reads the instant it was let through, however
 * busy the test process is. Sleeps due at the same instant wake in the order they were asked for.
 */
import type { PacerClock } from '../../src/activities/pacer';

export class VirtualClock implements PacerClock {
  private t = 0;
  private seq = 0;
  private readonly sleepers: { at: number; seq: number; wake: () => void }[] = [];
  private ticking = false;

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((wake) => {
      this.sleepers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, wake });
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.tick();
    });
  }

  /** Wake the earliest sleeper once the microtasks have drained, then the next, until nobody sleeps. */
  private tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    setImmediate(() => {
      this.ticking = false;
      const next = this.sleepers.shift();
      if (!next) return;
      this.t = Math.max(this.t, next.at);
      next.wake();
      if (this.sleepers.length > 0) this.tick();
    });
  }
}
