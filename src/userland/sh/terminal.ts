// The shell's view of its terminal: the one module that a terminal (pty) scheme plugs into.
//
// Job control and line editing need three things from a terminal: to know that standard
// input is one, to hand the foreground to a process group (so ^C and ^Z reach the job, not
// the shell) and take it back, and to switch raw mode on for the line editor and off again
// for the commands it runs. Until MACROHARD has a pty scheme no descriptor is a terminal, and
// `NoTerminal` answers "not a terminal": the shell then reads plain lines and runs jobs
// without handing over the foreground. A pty implementation replaces `openTerminal`'s
// detection and fills in `PtyTerminal`'s three calls; nothing else in the shell changes.

import * as mh from 'libmh';

export interface WindowSize {
  cols: number;
  rows: number;
}

export interface Terminal {
  /** True when the shell's standard input is a terminal it can control. */
  readonly isTerminal: boolean;
  /** Makes `pgid` the terminal's foreground process group. */
  setForeground(pgid: number): void;
  /** Raw mode (no echo, no line discipline, bytes as typed) on or off; false if unsupported. */
  setRaw(on: boolean): boolean;
  size(): WindowSize;
}

/** Standard input is a file or a pipe: nothing to control. */
export class NoTerminal implements Terminal {
  readonly isTerminal = false;
  setForeground(): void {}
  setRaw(): boolean {
    return false;
  }
  size(): WindowSize {
    return { cols: 80, rows: 24 };
  }
}

/**
 * A pty: control goes through descriptors derived from the terminal's own, in the manner of
 * Redox's `dup(fd, "...")` sub-handles: "pgrp" takes a process group id, "termios" the mode,
 * "winsize" reads `cols rows`. Every call degrades to doing nothing if the scheme refuses it.
 */
export class PtyTerminal implements Terminal {
  readonly isTerminal = true;
  constructor(private readonly fd: number) {}

  private control(sub: string, text: string | null): string | null {
    let cfd = -1;
    try {
      cfd = mh.dup(this.fd, sub);
      if (text !== null) {
        mh.write(cfd, text);
        return '';
      }
      return new TextDecoder().decode(mh.readAll(cfd));
    } catch {
      return null;
    } finally {
      if (cfd >= 0) mh.close(cfd);
    }
  }

  setForeground(pgid: number): void {
    this.control('pgrp', String(pgid));
  }

  setRaw(on: boolean): boolean {
    return this.control('termios', on ? 'raw' : 'cooked') !== null;
  }

  size(): WindowSize {
    const t = this.control('winsize', null);
    const m = t ? /^(\d+)\s+(\d+)/.exec(t) : null;
    return m ? { cols: Number(m[1]), rows: Number(m[2]) } : { cols: 80, rows: 24 };
  }
}

/** The terminal behind `fd`, if it is one. */
export function openTerminal(fd: number): Terminal {
  try {
    if (/^\/scheme\/pty\//.test(mh.fpath(fd))) return new PtyTerminal(fd);
  } catch {
    // not a descriptor we can ask about: no terminal
  }
  return new NoTerminal();
}
