// The shell's view of its terminal: the one module that knows about the pty scheme.
//
// Job control and line editing need four things from a terminal: to know that standard input
// is one, to hand the foreground to a process group (so ^C and ^Z reach the job, not the
// shell), to take it back afterwards with the shell's own settings restored (a job may have
// left the terminal raw), and to switch raw mode on for the line editor. `PtyTerminal` does
// these through libmh's termios calls (the pty's "termios", "pgrp" and "winsize" control
// descriptors); on anything else `NoTerminal` answers "not a terminal", and the shell reads
// plain lines and runs jobs without handing over the foreground.

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
  /** Takes the foreground back for the shell's group and restores the shell's settings. */
  reclaim(shellPgid: number): void;
  /** Raw mode (no echo, no line discipline, bytes as typed) on or off; false if unsupported. */
  setRaw(on: boolean): boolean;
  size(): WindowSize;
}

/** Standard input is a file or a pipe: nothing to control. */
export class NoTerminal implements Terminal {
  readonly isTerminal = false;
  setForeground(): void {}
  reclaim(): void {}
  setRaw(): boolean {
    return false;
  }
  size(): WindowSize {
    return { cols: 80, rows: 24 };
  }
}

export class PtyTerminal implements Terminal {
  readonly isTerminal = true;
  /** The settings the shell found the terminal in: what it returns to after each job. */
  private readonly modes: mh.Termios | null;

  constructor(private readonly fd: number) {
    let modes: mh.Termios | null = null;
    try {
      modes = mh.tcgetattr(fd);
    } catch {
      // a terminal that will not tell its settings: raw mode stays off
    }
    this.modes = modes;
  }

  setForeground(pgid: number): void {
    try {
      mh.tcsetpgrp(this.fd, pgid);
    } catch {
      // not our session's terminal: jobs simply share it
    }
  }

  reclaim(shellPgid: number): void {
    this.setForeground(shellPgid);
    if (this.modes) {
      try {
        mh.tcsetattr(this.fd, this.modes);
      } catch {
        // leave the settings as the job left them
      }
    }
  }

  setRaw(on: boolean): boolean {
    if (!this.modes) return false;
    try {
      mh.tcsetattr(this.fd, on ? mh.makeRaw(this.modes) : this.modes);
      return true;
    } catch {
      return false;
    }
  }

  size(): WindowSize {
    try {
      return mh.getWinsize(this.fd);
    } catch {
      return { cols: 80, rows: 24 };
    }
  }
}

/** The terminal behind `fd`, if it is one. */
export function openTerminal(fd: number): Terminal {
  return mh.isatty(fd) ? new PtyTerminal(fd) : new NoTerminal();
}
