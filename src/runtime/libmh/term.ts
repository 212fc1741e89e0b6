// Terminals for TypeScript programs: isatty, termios (tcgetattr/tcsetattr, raw mode), the
// window size and the foreground process group, through the pty scheme's control descriptors
// (dup(fd, "termios" | "winsize" | "pgrp"), see docs/kernel.md).

import { S } from '../../abi/flags.js';
import { defaultTermios, makeRaw, readTermios, TERMIOS_BYTES, writeTermios, type Termios } from '../../abi/termios.js';
import { MhError } from './error.js';
import { close, fstat, read, write } from './fs.js';
import { dup } from './spawn.js';

export type { Termios };
export { makeRaw, defaultTermios };

/** The pty driver's major device number, in a terminal's st_rdev. */
const PTY_MAJOR = 136;

export function isatty(fd: number): boolean {
  try {
    const st = fstat(fd);
    return (st.mode & S.IFMT) === S.IFCHR && st.rdev >> 8 === PTY_MAJOR;
  } catch {
    return false;
  }
}

function withControl<T>(fd: number, name: string, f: (cfd: number) => T): T {
  const cfd = dup(fd, name);
  try {
    return f(cfd);
  } finally {
    close(cfd);
  }
}

export function tcgetattr(fd: number): Termios {
  return withControl(fd, 'termios', (c) => {
    const b = new Uint8Array(TERMIOS_BYTES);
    read(c, b);
    const t = readTermios(b);
    if (!t) throw new MhError(22, 'tcgetattr');
    return t;
  });
}

export function tcsetattr(fd: number, t: Termios): void {
  withControl(fd, 'termios', (c) => {
    const b = new Uint8Array(TERMIOS_BYTES);
    writeTermios(b, t);
    write(c, b);
  });
}

export function tcgetpgrp(fd: number): number {
  return withControl(fd, 'pgrp', (c) => {
    const b = new Uint8Array(4);
    read(c, b);
    return new DataView(b.buffer).getInt32(0, true);
  });
}

/** Makes `pgid` the terminal's foreground group (a session leader first takes the terminal). */
export function tcsetpgrp(fd: number, pgid: number): void {
  withControl(fd, 'pgrp', (c) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, pgid, true);
    write(c, b);
  });
}

export function getWinsize(fd: number): { rows: number; cols: number } {
  return withControl(fd, 'winsize', (c) => {
    const b = new Uint8Array(4);
    read(c, b);
    const v = new DataView(b.buffer);
    return { rows: v.getUint16(0, true), cols: v.getUint16(2, true) };
  });
}

export function setWinsize(fd: number, rows: number, cols: number): void {
  withControl(fd, 'winsize', (c) => {
    const b = new Uint8Array(4);
    const v = new DataView(b.buffer);
    v.setUint16(0, rows, true);
    v.setUint16(2, cols, true);
    write(c, b);
  });
}
