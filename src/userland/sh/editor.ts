// The line editor: raw terminal bytes in, screen output and finished lines out. It is pure
// (no I/O), so it is tested by feeding it bytes; input.ts drives it over a raw terminal.
//
// Keys: printable text inserts; Enter ends the line; Backspace/^H and Delete (ESC[3~)
// erase; ←/→ (and ^B/^F) move, Home/End (and ^A/^E); ↑/↓ (and ^P/^N) walk the history;
// ^K kills to the end, ^U to the start, ^W the word before the cursor; ^D deletes under the
// cursor, or on an empty line means end of input; ^C abandons the line; ^L redraws; Tab
// completes through the Completer (a second Tab lists the choices); ^R searches the history
// backwards for what is typed next (^R again: an older match; Enter runs it; ^G or Esc gives
// up; any other key keeps the match for editing).
//
// Drawing: a line longer than the terminal is wide wraps onto further rows, so a redraw goes
// up to the prompt's row, writes the prompt's last line and the text, erases the rest of the
// screen, and moves the cursor back to its row and column. A character counts as one column;
// escape sequences in the prompt (colours) count as none.

export interface Completion {
  /** Where in the line the completed word starts. */
  start: number;
  /** Full replacements for line.slice(start, cursor). */
  candidates: string[];
}

export type Completer = (line: string, cursor: number) => Completion;

export interface FeedResult {
  output: string;
  /** Set when the line is finished: the text, or null for end of input. */
  done?: string | null;
  /** How many input bytes were consumed (the rest belong to the next line). */
  used: number;
}

function commonPrefix(xs: string[]): string {
  if (xs.length === 0) return '';
  let p = xs[0]!;
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

export class LineEditor {
  private chars: string[] = [];
  private cursor = 0;
  private esc: number[] | null = null;
  private utf8: number[] = [];
  private histIndex: number;
  private saved: string[] = [];
  private lastTab = false;
  /** While ^R searches: what is typed, and the history entry that matches it. */
  private search: { query: string; at: number; before: string; cursor: number } | null = null;
  /** Screen rows from the prompt's (last) row down to the cursor. */
  private row = 0;
  /** The prompt's last line, which redraws repeat, and its width on the screen. */
  private readonly promptLine: string;
  private readonly promptWidth: number;

  constructor(private readonly prompt: string, private readonly history: readonly string[], private readonly complete: Completer | null = null, private readonly cols = 80) {
    this.histIndex = history.length;
    this.promptLine = prompt.slice(prompt.lastIndexOf('\n') + 1);
    this.promptWidth = [...this.promptLine.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')].length;
    if (this.cols <= 0) this.cols = 80;
  }

  get line(): string {
    return this.chars.join('');
  }

  start(): string {
    return this.prompt;
  }

  private redraw(): string {
    const w = this.cols;
    let out = this.row > 0 ? `\x1b[${this.row}A` : '';
    out += `\r${this.promptLine}${this.line}\x1b[J`;
    const end = this.promptWidth + this.chars.length;
    // At exactly the right margin a terminal waits before wrapping; wrap now, to know the row.
    if (end > 0 && end % w === 0) out += '\r\n';
    const endRow = Math.floor(end / w);
    const at = this.promptWidth + this.cursor;
    const curRow = Math.floor(at / w);
    const curCol = at % w;
    if (endRow > curRow) out += `\x1b[${endRow - curRow}A`;
    out += `\r${curCol > 0 ? `\x1b[${curCol}C` : ''}`;
    this.row = curRow;
    return out;
  }

  private set(text: string, cursor = [...text].length): void {
    this.chars = [...text];
    this.cursor = cursor;
  }

  feed(bytes: Uint8Array): FeedResult {
    let output = '';
    for (let i = 0; i < bytes.length; i++) {
      const r = this.key(bytes[i]!);
      if (r === null) continue;
      output += r.out;
      if (r.done !== undefined) return { output, done: r.done, used: i + 1 };
    }
    return { output, used: bytes.length };
  }

  /** One byte; null while an escape sequence or a UTF-8 character is incomplete. */
  private key(b: number): { out: string; done?: string | null } | null {
    if (this.search && !this.esc && this.utf8.length === 0) {
      const r = this.searchKey(b);
      if (r) return r;
    }
    if (this.esc) {
      this.esc.push(b);
      const seq = String.fromCharCode(...this.esc);
      // ESC [ params final, or ESC O final, or ESC x (Alt-x).
      if (seq === '[' || seq === 'O' || (seq.startsWith('[') && /^\[[0-9;]*$/.test(seq))) return null;
      this.esc = null;
      return { out: this.escape(seq) };
    }
    if (this.utf8.length > 0 || b >= 0x80) {
      this.utf8.push(b);
      const need = this.utf8[0]! >= 0xf0 ? 4 : this.utf8[0]! >= 0xe0 ? 3 : this.utf8[0]! >= 0xc0 ? 2 : 1;
      if (this.utf8.length < need) return null;
      const ch = new TextDecoder().decode(Uint8Array.from(this.utf8));
      this.utf8 = [];
      return { out: this.insert(ch) };
    }
    const wasTab = this.lastTab;
    this.lastTab = false;
    switch (b) {
      case 0x0d: case 0x0a: {
        const line = this.line;
        return { out: `${this.cursor === this.chars.length ? '' : this.redrawEnd()}\r\n`, done: line };
      }
      case 0x1b:
        this.esc = [];
        return null;
      case 0x01: this.cursor = 0; return { out: this.redraw() };
      case 0x05: this.cursor = this.chars.length; return { out: this.redraw() };
      case 0x02: this.cursor = Math.max(0, this.cursor - 1); return { out: this.redraw() };
      case 0x06: this.cursor = Math.min(this.chars.length, this.cursor + 1); return { out: this.redraw() };
      case 0x7f: case 0x08:
        if (this.cursor > 0) this.chars.splice(--this.cursor, 1);
        return { out: this.redraw() };
      case 0x04:
        if (this.chars.length === 0) return { out: '\r\n', done: null };
        this.chars.splice(this.cursor, 1);
        return { out: this.redraw() };
      case 0x0b: this.chars.splice(this.cursor); return { out: this.redraw() };
      case 0x15: this.chars.splice(0, this.cursor); this.cursor = 0; return { out: this.redraw() };
      case 0x17: {
        let j = this.cursor;
        while (j > 0 && this.chars[j - 1] === ' ') j--;
        while (j > 0 && this.chars[j - 1] !== ' ') j--;
        this.chars.splice(j, this.cursor - j);
        this.cursor = j;
        return { out: this.redraw() };
      }
      case 0x03:
        this.set('');
        return { out: '^C\r\n', done: '' };
      case 0x0c:
        this.row = 0;
        return { out: `\x1b[H\x1b[2J${this.prompt}${this.redraw()}` };
      case 0x10: return { out: this.historyMove(-1) };
      case 0x0e: return { out: this.historyMove(1) };
      case 0x09: return { out: this.tab(wasTab) };
      case 0x12:
        this.search = { query: '', at: this.history.length, before: this.line, cursor: this.cursor };
        return { out: this.drawSearch() };
    }
    if (b < 0x20) return { out: '' };
    return { out: this.insert(String.fromCharCode(b)) };
  }

  /** A key while searching; null hands it to normal editing (after keeping the match). */
  private searchKey(b: number): { out: string; done?: string | null } | null {
    const q = this.search!;
    if (b === 0x12) return { out: this.find(q.query, q.at - 1) };
    if (b === 0x7f || b === 0x08) return { out: this.find(q.query.slice(0, -1), this.history.length - 1) };
    if (b === 0x07 || b === 0x1b) {
      // Give up: back to the line as it was (an Esc is not also the start of a sequence).
      this.set(q.before, q.cursor);
      this.search = null;
      this.row = 0;
      return { out: `\r\x1b[J${this.prompt}${this.redraw()}` };
    }
    if (b >= 0x20 && b < 0x7f) return { out: this.find(q.query + String.fromCharCode(b), q.at) };
    // Anything else ends the search with the match in the line, then acts as usual.
    this.search = null;
    this.row = 0;
    const out = `\r\x1b[J${this.prompt}${this.redraw()}`;
    const r = this.key(b);
    return { out: out + (r?.out ?? ''), ...(r?.done !== undefined ? { done: r.done } : {}) };
  }

  /** The newest entry at or before `from` that contains `query`; the line becomes it. */
  private find(query: string, from: number): string {
    const q = this.search!;
    q.query = query;
    for (let i = Math.min(from, this.history.length - 1); i >= 0; i--) {
      if (this.history[i]!.includes(query)) {
        q.at = i;
        this.set(this.history[i]!, [...this.history[i]!.slice(0, this.history[i]!.indexOf(query))].length);
        return this.drawSearch();
      }
    }
    return this.drawSearch() + '\x07';
  }

  private drawSearch(): string {
    const up = this.row > 0 ? `\x1b[${this.row}A` : '';
    this.row = 0;
    return `${up}\r\x1b[J(reverse-i-search)'${this.search!.query}': ${this.line}`;
  }

  private redrawEnd(): string {
    this.cursor = this.chars.length;
    return this.redraw();
  }

  private insert(ch: string): string {
    this.chars.splice(this.cursor++, 0, ch);
    // Typing at the end needs no redraw, unless the character fills the row.
    if (this.cursor === this.chars.length && (this.promptWidth + this.cursor) % this.cols !== 0) return ch;
    return this.redraw();
  }

  private escape(seq: string): string {
    switch (seq) {
      case '[A': case 'OA': return this.historyMove(-1);
      case '[B': case 'OB': return this.historyMove(1);
      case '[C': case 'OC': this.cursor = Math.min(this.chars.length, this.cursor + 1); break;
      case '[D': case 'OD': this.cursor = Math.max(0, this.cursor - 1); break;
      case '[H': case 'OH': case '[1~': case '[7~': this.cursor = 0; break;
      case '[F': case 'OF': case '[4~': case '[8~': this.cursor = this.chars.length; break;
      case '[3~': this.chars.splice(this.cursor, 1); break;
      case 'b': case '[1;5D': // Alt-b / Ctrl-←: a word back
        while (this.cursor > 0 && this.chars[this.cursor - 1] === ' ') this.cursor--;
        while (this.cursor > 0 && this.chars[this.cursor - 1] !== ' ') this.cursor--;
        break;
      case 'f': case '[1;5C': // Alt-f / Ctrl-→: a word forward
        while (this.cursor < this.chars.length && this.chars[this.cursor] === ' ') this.cursor++;
        while (this.cursor < this.chars.length && this.chars[this.cursor] !== ' ') this.cursor++;
        break;
      default: return '';
    }
    return this.redraw();
  }

  private historyMove(d: number): string {
    const next = this.histIndex + d;
    if (next < 0 || next > this.history.length) return '';
    if (this.histIndex === this.history.length) this.saved = [...this.chars];
    this.histIndex = next;
    this.set(next === this.history.length ? this.saved.join('') : this.history[next]!);
    return this.redraw();
  }

  private tab(second: boolean): string {
    if (!this.complete) return '';
    const line = this.line;
    const cur = this.chars.slice(0, this.cursor).join('').length;
    const { start, candidates } = this.complete(line, cur);
    if (candidates.length === 0) return '\x07';
    const word = line.slice(start, cur);
    const common = candidates.length === 1 ? candidates[0]! + (candidates[0]!.endsWith('/') ? '' : ' ') : commonPrefix(candidates);
    if (common.length > word.length) {
      const text = line.slice(0, start) + common + line.slice(cur);
      this.set(text, [...(line.slice(0, start) + common)].length);
      return this.redraw();
    }
    this.lastTab = true;
    if (!second) return '\x07';
    const width = Math.max(...candidates.map((c) => c.length)) + 2;
    const perLine = Math.max(1, Math.floor(this.cols / width));
    const toEnd = Math.floor((this.promptWidth + this.chars.length) / this.cols) - this.row;
    let list = `${toEnd > 0 ? `\x1b[${toEnd}B` : ''}\r\n`;
    candidates.forEach((c, i) => {
      list += c.padEnd(width);
      if ((i + 1) % perLine === 0 || i === candidates.length - 1) list += '\r\n';
    });
    this.row = 0;
    return list + this.prompt + this.redraw();
  }
}
