/**
 * /readyz's answer, refreshed at most once per interval: concurrent hits share one in-flight check, and a hit
 * within `intervalMs` of the last check reuses its result. A load balancer (or an attacker) polling /readyz
 * then costs Temporal at most one call a second, not one per request.
 */
export interface ReadinessOptions {
  /** The real check (a Temporal call); a rejection counts as not ready. */
  isReady: () => Promise<boolean>;
  /** How long a result is reused (default 1000 ms). */
  intervalMs?: number;
  /** The clock (tests inject one). */
  now?: () => number;
}

export class Readiness {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private inFlight?: Promise<boolean>;
  private last?: { at: number; ready: boolean };

  constructor(private readonly opts: ReadinessOptions) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** The current status: the last result when fresh, else the in-flight check, else a new one. */
  check(): Promise<boolean> {
    if (this.last && this.now() - this.last.at < this.intervalMs) return Promise.resolve(this.last.ready);
    this.inFlight ??= (async () => {
      let ready: boolean;
      try {
        ready = await this.opts.isReady();
      } catch {
        ready = false;
      }
      // Fresh from when the answer came back: a slow check is not repeated at once.
      this.last = { at: this.now(), ready };
      this.inFlight = undefined;
      return ready;
    })();
    return this.inFlight;
  }
}
