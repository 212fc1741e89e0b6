// Keys from a terminal, read without waiting: what an interactive applet (top) needs to poll
// for `q` between redraws. It takes the pty out of canonical mode and echo, with VMIN = 0 so
// that a read with nothing typed returns 0 at once, keeps ISIG (^C still interrupts) and
// output processing, and puts the settings back when done. Settings travel through the pty's
// "termios" control descriptor (src/abi/termios.ts).

import * as mh from 'libmh';
import { L, readTermios, TERMIOS_BYTES, V, writeTermios } from '../../abi/termios.js';

export class KeyInput {
  private readonly buf = new Uint8Array(64);

  private constructor(private readonly fd: number, private readonly saved: Uint8Array) {}

  /** Starts polling `fd` for keys; null when it is not a terminal or will not change modes. */
  static open(fd: number): KeyInput | null {
    try {
      if (!mh.fpath(fd).startsWith('/scheme/pty/')) return null;
      const saved = new Uint8Array(TERMIOS_BYTES);
      if (control(fd, (c) => mh.read(c, saved)) !== TERMIOS_BYTES) return null;
      const t = readTermios(saved)!;
      t.lflag &= ~(L.ICANON | L.ECHO);
      t.cc[V.VMIN] = 0;
      t.cc[V.VTIME] = 0;
      const next = new Uint8Array(TERMIOS_BYTES);
      writeTermios(next, t);
      control(fd, (c) => mh.write(c, next));
      return new KeyInput(fd, saved);
    } catch {
      return null;
    }
  }

  /** The keys typed since the last call ('' if none). */
  poll(): string {
    let keys = '';
    for (;;) {
      const n = mh.read(this.fd, this.buf);
      if (n <= 0) return keys;
      keys += new TextDecoder().decode(this.buf.subarray(0, n));
    }
  }

  /** Puts the terminal's settings back as they were. */
  restore(): void {
    try {
      control(this.fd, (c) => mh.write(c, this.saved));
    } catch {
      // the terminal is gone: nothing to restore
    }
  }
}

function control(fd: number, f: (cfd: number) => number): number {
  const c = mh.dup(fd, 'termios');
  try {
    return f(c);
  } finally {
    mh.close(c);
  }
}
