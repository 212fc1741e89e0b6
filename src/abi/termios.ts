// Terminal settings, as a pty's "termios" control descriptor reads and writes them: four
// little-endian u32 flag words (Linux's bit values, so C's <termios.h> maps one to one) and 32
// control characters.
//
//   0 iflag | 4 oflag | 8 cflag | 12 lflag | 16..47 cc[32]

export const TERMIOS_BYTES = 48;

export const I = { ICRNL: 0o400, INLCR: 0o100, IGNCR: 0o200, IXON: 0o2000, ISTRIP: 0o40, BRKINT: 0o2, INPCK: 0o20 } as const;
export const OFLAG = { OPOST: 0o1, ONLCR: 0o4 } as const;
export const CFLAG = { CS8: 0o60, CREAD: 0o200 } as const;
export const L = {
  ISIG: 0o1, ICANON: 0o2, ECHO: 0o10, ECHOE: 0o20, ECHOK: 0o40, ECHONL: 0o100, NOFLSH: 0o200,
  TOSTOP: 0o400, ECHOCTL: 0o1000, ECHOKE: 0o4000, IEXTEN: 0o100000,
} as const;
export const V = { VINTR: 0, VQUIT: 1, VERASE: 2, VKILL: 3, VEOF: 4, VTIME: 5, VMIN: 6, VSTART: 8, VSTOP: 9, VSUSP: 10, VEOL: 11, VREPRINT: 12, VWERASE: 14, VLNEXT: 15 } as const;

export interface Termios {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  cc: Uint8Array;
}

/** A new terminal's settings: canonical mode with echo and signals, as a Linux console. */
export function defaultTermios(): Termios {
  const cc = new Uint8Array(32);
  cc[V.VINTR] = 0x03;
  cc[V.VQUIT] = 0x1c;
  cc[V.VERASE] = 0x7f;
  cc[V.VKILL] = 0x15;
  cc[V.VEOF] = 0x04;
  cc[V.VMIN] = 1;
  cc[V.VSUSP] = 0x1a;
  cc[V.VWERASE] = 0x17;
  cc[V.VREPRINT] = 0x12;
  cc[V.VLNEXT] = 0x16;
  return {
    iflag: I.ICRNL,
    oflag: OFLAG.OPOST | OFLAG.ONLCR,
    cflag: CFLAG.CS8 | CFLAG.CREAD,
    lflag: L.ISIG | L.ICANON | L.ECHO | L.ECHOE | L.ECHOK | L.ECHOCTL | L.ECHOKE | L.IEXTEN,
    cc,
  };
}

export function writeTermios(dst: Uint8Array, t: Termios): number {
  const v = new DataView(dst.buffer, dst.byteOffset, TERMIOS_BYTES);
  v.setUint32(0, t.iflag, true);
  v.setUint32(4, t.oflag, true);
  v.setUint32(8, t.cflag, true);
  v.setUint32(12, t.lflag, true);
  dst.set(t.cc.subarray(0, 32), 16);
  return TERMIOS_BYTES;
}

export function readTermios(src: Uint8Array): Termios | null {
  if (src.length < TERMIOS_BYTES) return null;
  const v = new DataView(src.buffer, src.byteOffset, TERMIOS_BYTES);
  return { iflag: v.getUint32(0, true), oflag: v.getUint32(4, true), cflag: v.getUint32(8, true), lflag: v.getUint32(12, true), cc: src.slice(16, 48) };
}

/** Raw mode, as cfmakeraw sets it. */
export function makeRaw(t: Termios): Termios {
  return {
    iflag: t.iflag & ~(I.ICRNL | I.INLCR | I.IGNCR | I.IXON | I.ISTRIP | I.BRKINT | I.INPCK),
    oflag: t.oflag & ~OFLAG.OPOST,
    cflag: t.cflag | CFLAG.CS8,
    lflag: t.lflag & ~(L.ECHO | L.ECHONL | L.ICANON | L.ISIG | L.IEXTEN),
    cc: t.cc.slice(),
  };
}

/** Window size, as the "winsize" control descriptor reads and writes it: u16 rows, u16 cols. */
export const WINSIZE_BYTES = 4;
