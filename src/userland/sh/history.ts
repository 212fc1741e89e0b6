// Command history: the lines an interactive shell has run, kept in $HOME/.sh_history when
// that file can be written, so the next session starts with them. Consecutive duplicates
// and lines starting with a space are not remembered (as bash's ignoreboth).

import * as mh from 'libmh';

const MAX = 1000;

export class History {
  readonly lines: string[] = [];
  private file: string | null;

  constructor(home: string | undefined) {
    this.file = home ? `${home.replace(/\/+$/, '')}/.sh_history` : null;
    if (!this.file) return;
    try {
      const text = mh.readText(this.file);
      this.lines.push(...text.split('\n').filter((l) => l !== '').slice(-MAX));
    } catch {
      // no history yet (or not readable): start empty, and try writing later
    }
  }

  add(entry: string): void {
    const line = entry.replace(/\n+$/, '');
    if (line.trim() === '' || line.startsWith(' ') || this.lines[this.lines.length - 1] === line) return;
    this.lines.push(line);
    if (this.lines.length > MAX) this.lines.splice(0, this.lines.length - MAX);
    if (!this.file || line.includes('\n')) return;
    try {
      mh.appendFile(this.file, line + '\n', 0o600);
    } catch {
      this.file = null; // $HOME is not writable: keep history in memory only
    }
  }
}
