// The kernel log: a bounded ring of lines with their uptime, readable at /scheme/sys/log and
// echoed to the host when the host asks for it (boot messages, audit lines).

import { params } from './params.js';

export interface LogLine {
  t: number;
  text: string;
}

export class KernelLog {
  private lines: LogLine[] = [];
  onLine: ((line: LogLine) => void) | null = null;
  constructor(private readonly uptime: () => number) {}

  log(text: string): void {
    const line = { t: this.uptime(), text };
    this.lines.push(line);
    if (this.lines.length > params.klogLines) this.lines.splice(0, this.lines.length - params.klogLines);
    this.onLine?.(line);
  }

  all(): readonly LogLine[] {
    return this.lines;
  }

  format(): string {
    return this.lines.map((l) => `[${(l.t / 1000).toFixed(6).padStart(12)}] ${l.text}\n`).join('');
  }
}
