// Where an interactive shell gets its lines: the line editor when standard input is a
// terminal that goes into raw mode, plain line reading otherwise (a pipe, a file, or a
// terminal without raw mode yet). Both draw on standard error, as shells show prompts, so
// standard output carries only what commands print.

import * as mh from 'libmh';
import { LineEditor, type Completer } from './editor.js';
import type { Terminal } from './terminal.js';

export interface LineSource {
  /** The next line without its newline, or null at end of input. */
  readLine(prompt: string): string | null;
}

export class PlainInput implements LineSource {
  private readonly reader: mh.LineReader;
  constructor(fd: number, private readonly showPrompt: boolean) {
    this.reader = new mh.LineReader(fd);
  }
  readLine(prompt: string): string | null {
    if (this.showPrompt && prompt) mh.write(2, prompt);
    return this.reader.readLine();
  }
}

export class EditorInput implements LineSource {
  private readonly buf = new Uint8Array(256);
  private pending: Uint8Array = new Uint8Array(0);

  constructor(private readonly fd: number, private readonly term: Terminal, private readonly history: string[], private readonly complete: Completer) {}

  readLine(prompt: string): string | null {
    const ed = new LineEditor(prompt, this.history, this.complete, this.term.size().cols);
    this.term.setRaw(true);
    try {
      mh.write(2, ed.start());
      for (;;) {
        if (this.pending.length === 0) {
          const n = mh.read(this.fd, this.buf);
          if (n === 0) return null;
          this.pending = this.buf.slice(0, n);
        }
        const { output, done, used } = ed.feed(this.pending);
        this.pending = this.pending.subarray(used);
        if (output) mh.write(2, output);
        if (done !== undefined) return done;
      }
    } finally {
      this.term.setRaw(false);
    }
  }
}

/**
 * The editor if the terminal goes raw (or `raw` says the input already is: a serial line or
 * a host console in raw mode), else plain lines.
 */
export function openInput(fd: number, term: Terminal, interactive: boolean, raw: boolean, history: string[], complete: Completer): LineSource {
  if (raw) return new EditorInput(fd, term, history, complete);
  if (interactive && term.isTerminal && term.setRaw(true)) {
    term.setRaw(false);
    return new EditorInput(fd, term, history, complete);
  }
  return new PlainInput(fd, interactive);
}
