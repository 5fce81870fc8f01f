/** Progress of a bulk send, and the writable stream it (and all CLI output) goes to. */

export interface Out {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Counts {
  done: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  failed: number;
}

/**
 * Progress of a bulk send on stderr: a bar redrawn in place on a terminal, otherwise one plain
 * line per 10 % (and at least every `intervalMs`) so logs of a CI job stay readable.
 */
export class Progress {
  private lastDraw = 0;
  private lastDecile = 0;
  private lastLine = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly out: Out,
    private readonly total: number,
    private readonly intervalMs = 5_000,
  ) {
    this.tty = out.isTTY === true;
  }

  update(c: Counts, force = false): void {
    const now = Date.now();
    if (this.tty) {
      if (!force && now - this.lastDraw < 80 && c.done < this.total) return;
      this.lastDraw = now;
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 60));
      const filled = this.total === 0 ? width : Math.round((c.done / this.total) * width);
      this.out.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${c.done}/${this.total}  ${this.summary(c)}\x1b[K`,
      );
      return;
    }
    const decile = this.total === 0 ? 10 : Math.floor((c.done * 10) / this.total);
    if (force || decile > this.lastDecile || now - this.lastLine >= this.intervalMs) {
      this.lastDecile = decile;
      this.lastLine = now;
      const pct = this.total === 0 ? 100 : Math.floor((c.done * 100) / this.total);
      this.out.write(`progress: ${c.done}/${this.total} (${pct}%)  ${this.summary(c)}\n`);
    }
  }

  finish(c: Counts): void {
    if (this.tty) {
      this.update(c, true);
      this.out.write('\n');
    } else if (this.lastDecile < 10) this.update(c, true);
  }

  private summary(c: Counts): string {
    return `accepted ${c.accepted}, duplicate ${c.duplicate}, rejected ${c.rejected}${c.failed ? `, failed ${c.failed}` : ''}`;
  }
}
