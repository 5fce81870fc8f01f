/**
 * The local priority pacer: one of the Genesys throttle's two jobs (./throttle.ts puts them together; the other is
 * the cluster-wide 429 pause, ./queue-pause.ts). It spaces this process's Genesys calls evenly and lets the most
 * urgent waiting call go first. Process-local and in memory: the server's cap on the Genesys task queue bounds the
 * sum over all workers; this smooths the bursts that cap lets through.
 */

/** Network jitter (ms) the pacing absorbs: it costs 2 % of the rate at most. */
const PACE_JITTER_MS = 20;

/**
 * The spacing of paced calls: callsPerSecond calls span a second plus the jitter allowance, so that one more
 * cannot land in any second at Genesys even when the network delays one call by up to PACE_JITTER_MS more
 * than the next.
 */
export const paceIntervalMs = (callsPerSecond: number): number => (1000 + PACE_JITTER_MS) / callsPerSecond;

/** Temporal's default priority key (1 most urgent, 5 least): what an activity without a priority has. */
export const DEFAULT_PRIORITY_KEY = 3;

/**
 * The time the pacer spaces calls by. Real: monotonic milliseconds (a wall-clock step must not bunch or stall
 * calls) and timers. Tests pass a virtual one, so that they check the spacing the pacer decided rather than how
 * late a busy test process got round to looking.
 */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const monotonicClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)),
};

/**
 * Calls leave one at a time, each at least paceIntervalMs(callsPerSecond) after the previous one actually left (not
 * after its planned time: a late timer must not let the next ones catch up in a burst); the most urgent waiting
 * call first, first come first served within a priority key.
 */
export class PriorityPacer {
  /** When the last paced call left (on the clock: monotonic ms unless a test brings its own). */
  private lastCallAt = -Infinity;
  /** Calls waiting for a pacing slot, most urgent first. */
  private readonly waiting: { key: number; resolve: (releasedAt: number) => void }[] = [];
  private pacing = false;

  constructor(
    private callsPerSecond: number,
    private readonly clock: PacerClock = monotonicClock,
  ) {}

  /** The calls a second it paces to now. */
  get rate(): number {
    return this.callsPerSecond;
  }

  /**
   * Pace to a new rate (the org's inin-ratelimit-allowed, see GenesysThrottle). Applies to the next slot, a call
   * already waiting for it included: the spacing is measured from when the last call left, at the current rate.
   */
  setRate(callsPerSecond: number): void {
    if (!(callsPerSecond > 0) || !Number.isFinite(callsPerSecond)) return;
    this.callsPerSecond = callsPerSecond;
  }

  /**
   * Resolves when this call's slot has come, with the clock's time it was released (the instant the spacing is
   * measured from, not when the caller's promise chain got round to it). `priorityKey` (Temporal's: 1 is the most
   * urgent, 3 the default) orders the calls waiting for a slot, so a high alert's call overtakes the normal ones
   * this process holds.
   */
  slot(priorityKey: number): Promise<number> {
    return new Promise<number>((resolve) => {
      const w = { key: priorityKey, resolve };
      // Before the first waiter that is less urgent: stable within a key.
      const at = this.waiting.findIndex((x) => x.key > priorityKey);
      if (at < 0) this.waiting.push(w);
      else this.waiting.splice(at, 0, w);
      if (!this.pacing) void this.releaseInTurn();
    });
  }

  private async releaseInTurn(): Promise<void> {
    this.pacing = true;
    // The interval is read again after every sleep: a rate lowered meanwhile applies to the slot being waited for.
    const waitMs = () => this.lastCallAt + paceIntervalMs(this.callsPerSecond) - this.clock.now();
    try {
      while (this.waiting.length > 0) {
        // Timers never fire early, but they round: round up, so the spacing is never below the interval.
        for (let wait = waitMs(); wait > 0; wait = waitMs()) {
          await this.clock.sleep(Math.ceil(wait));
        }
        this.lastCallAt = this.clock.now();
        this.waiting.shift()!.resolve(this.lastCallAt);
      }
    } finally {
      this.pacing = false;
    }
  }
}
