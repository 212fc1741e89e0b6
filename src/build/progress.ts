// The build's progress display. On a terminal: one status line redrawn in place (a bar, the
// step, what is being worked on, the time so far), with a permanent line left above it for
// each finished package. Elsewhere (a pipe, a log, CI): just the permanent lines, so logs stay
// readable. Quiet: nothing but errors, which the caller prints.

export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class Progress {
  private readonly t0 = performance.now();
  private status = '';
  private readonly live: boolean;

  constructor(private readonly out: ProgressSink | null, private total = 0) {
    this.live = !!out?.isTTY && process.env['TERM'] !== 'dumb';
  }

  setTotal(n: number): void {
    this.total = n;
  }

  private seconds(): string {
    return `${((performance.now() - this.t0) / 1000).toFixed(1)}s`;
  }

  /** Shows what step `i` (0-based) of the total is doing now. */
  step(i: number, text: string): void {
    if (!this.out || !this.live) return;
    const width = 20;
    const filled = this.total ? Math.round((i / this.total) * width) : 0;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const cols = this.out.columns || 80;
    this.status = `${bar} ${i + 1}/${this.total} ${text} ${this.seconds()}`.slice(0, cols - 1);
    this.out.write(`\r\x1b[K${this.status}`);
  }

  /** A line that stays (a package done, a warning). */
  line(text: string): void {
    if (!this.out) return;
    if (this.live) this.out.write(`\r\x1b[K${text}\n${this.status}`);
    else this.out.write(`${text}\n`);
  }

  /** Clears the status line and prints the closing summary. */
  finish(text: string): void {
    if (!this.out) return;
    if (this.live) this.out.write('\r\x1b[K');
    this.status = '';
    this.out.write(`${text} (${this.seconds()})\n`);
  }
}
