// pty: pseudo-terminals with a line discipline. `open("/scheme/pty")` makes a terminal and
// answers its master side (the end a terminal emulator or the host console holds); the
// controlled side is `dup(master, "slave")` or `open("/scheme/pty/N")`. Between them runs the
// line discipline: canonical line editing (erase, word-erase, kill, EOF), echo, ^C/^Z/^\ as
// signals to the foreground process group, CR/NL mapping, and raw mode.
//
// Settings travel through control descriptors derived from either side, as in Redox:
// dup(fd, "termios") reads/writes the 48-byte termios record (src/abi/termios.ts),
// dup(fd, "winsize") the window size (u16 rows, u16 cols; a change sends SIGWINCH), and
// dup(fd, "pgrp") the foreground process group (i32), which is tcsetpgrp/tcgetpgrp.
//
// The pty lives in the kernel, not a daemon, because job control is about process groups and
// sessions, which only the kernel knows.

import { E, type Result } from '../../abi/errno.js';
import { S } from '../../abi/flags.js';
import { EVENT_READ, EVENT_WRITE } from '../../abi/scheme.js';
import { Sig } from '../../abi/signal.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { defaultTermios, I, L, OFLAG, readTermios, TERMIOS_BYTES, V, WINSIZE_BYTES, writeTermios, type Termios } from '../../abi/termios.js';
import { Scheme, type Answer, type Caller, type Opened } from '../scheme.js';
import { WaitQueue, wouldBlock } from '../waitqueue.js';

/** Output the slave may queue before its writers wait for the master to read. */
const OUTPUT_LIMIT = 64 * 1024;
const MAX_LINE = 4096;

export interface JobControl {
  /** The process group and session of a process, or null if it is gone. */
  idsOf(pid: number): { pgid: number; sid: number } | null;
  signalGroup(pgid: number, sig: number): void;
}

class Pty {
  termios: Termios = defaultTermios();
  rows = 24;
  cols = 80;
  /** The line being edited in canonical mode. */
  line: number[] = [];
  /** Input ready for the slave: whole lines (canonical) or bytes (raw); an empty entry is EOF. */
  input: Uint8Array[] = [];
  output: number[] = [];
  masterOpen = true;
  slaves = 0;
  slaveEverOpened = false;
  session = 0;
  fgPgrp = 0;
  readonly slaveReadable = new WaitQueue();
  readonly masterReadable = new WaitQueue();
  readonly slaveWritable = new WaitQueue();
  constructor(readonly id: number) {}
}

type Kind = 'master' | 'slave' | 'termios' | 'winsize' | 'pgrp';

interface Handle {
  pty: Pty;
  kind: Kind;
}

export class PtyScheme extends Scheme {
  readonly name = 'pty';
  private ptys = new Map<number, Pty>();
  private handles = new Map<number, Handle>();
  private nextPty = 0;
  private nextHandle = 1;

  constructor(private readonly jobs: JobControl) {
    super();
  }

  private add(pty: Pty, kind: Kind): Opened {
    const h = this.nextHandle++;
    this.handles.set(h, { pty, kind });
    // The terminal's two sides are streams; a control descriptor reads like a small file (its
    // record at offset 0, then end of file), so whole-file readers stop.
    return { handle: h, stream: kind === 'master' || kind === 'slave' };
  }

  override open(ref: string, _flags: number, _mode: number, caller: Caller): Result<Opened> {
    if (ref === '' || ref === 'ptmx') {
      const pty = new Pty(this.nextPty++);
      this.ptys.set(pty.id, pty);
      return this.add(pty, 'master');
    }
    if (!/^\d+$/.test(ref)) return E.ENOENT;
    const pty = this.ptys.get(Number(ref));
    if (!pty || !pty.masterOpen) return E.ENOENT;
    return this.openSlave(pty, caller);
  }

  private openSlave(pty: Pty, caller: Caller): Opened {
    pty.slaves++;
    pty.slaveEverOpened = true;
    // A session leader without a terminal acquires this one as its controlling terminal.
    const ids = this.jobs.idsOf(caller.pid);
    if (ids && pty.session === 0 && ids.sid === caller.pid) {
      pty.session = ids.sid;
      pty.fgPgrp = ids.pgid;
    }
    return this.add(pty, 'slave');
  }

  override dup(h: number, sub: string, caller: Caller): Answer<Opened> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    if (sub === 'slave' && hd.kind === 'master') return this.openSlave(hd.pty, caller);
    if (sub === 'termios' || sub === 'winsize' || sub === 'pgrp') return this.add(hd.pty, sub);
    return E.EINVAL;
  }

  /** Puts a process's session on this terminal as its controlling terminal (TIOCSCTTY). */
  claim(h: number, sid: number, pgid: number): void {
    const hd = this.handles.get(h);
    if (!hd) return;
    hd.pty.session = sid;
    hd.pty.fgPgrp = pgid;
  }

  // ---- data --------------------------------------------------------------------------------

  override read(h: number, dst: Uint8Array, offset: number, caller: Caller): Answer<number> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    const pty = hd.pty;
    if (hd.kind !== 'master' && hd.kind !== 'slave' && offset > 0) return 0;
    switch (hd.kind) {
      case 'master': {
        if (pty.output.length === 0) {
          if (pty.slaveEverOpened && pty.slaves === 0) return 0;
          return wouldBlock(pty.masterReadable);
        }
        const n = Math.min(dst.length, pty.output.length);
        dst.set(pty.output.splice(0, n));
        pty.slaveWritable.wake();
        return n;
      }
      case 'slave': {
        if (!this.foreground(pty, caller, Sig.SIGTTIN)) return E.EINTR;
        const first = pty.input[0];
        if (!first) {
          if (!pty.masterOpen) return 0;
          if (!(pty.termios.lflag & L.ICANON) && pty.termios.cc[V.VMIN] === 0) return 0;
          return wouldBlock(pty.slaveReadable);
        }
        if (first.length === 0) {
          pty.input.shift();
          return 0;
        }
        const n = Math.min(dst.length, first.length);
        dst.set(first.subarray(0, n));
        if (n === first.length) pty.input.shift();
        else pty.input[0] = first.subarray(n);
        return n;
      }
      case 'termios':
        if (dst.length < TERMIOS_BYTES) return E.EINVAL;
        return writeTermios(dst, pty.termios);
      case 'winsize': {
        if (dst.length < WINSIZE_BYTES) return E.EINVAL;
        const v = new DataView(dst.buffer, dst.byteOffset, WINSIZE_BYTES);
        v.setUint16(0, pty.rows, true);
        v.setUint16(2, pty.cols, true);
        return WINSIZE_BYTES;
      }
      case 'pgrp':
        if (dst.length < 4) return E.EINVAL;
        new DataView(dst.buffer, dst.byteOffset, 4).setInt32(0, pty.fgPgrp, true);
        return 4;
    }
  }

  override write(h: number, src: Uint8Array, _offset: number, caller: Caller): Answer<number> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    const pty = hd.pty;
    switch (hd.kind) {
      case 'master':
        for (const c of src) this.input(pty, c);
        return src.length;
      case 'slave': {
        if (!pty.masterOpen) return E.EIO;
        if (pty.termios.lflag & L.TOSTOP && !this.foreground(pty, caller, Sig.SIGTTOU)) return E.EINTR;
        if (pty.output.length >= OUTPUT_LIMIT) return wouldBlock(pty.slaveWritable);
        this.output(pty, src);
        return src.length;
      }
      case 'termios': {
        const t = readTermios(src);
        if (!t) return E.EINVAL;
        const wasCanon = pty.termios.lflag & L.ICANON;
        pty.termios = t;
        if (wasCanon && !(t.lflag & L.ICANON) && pty.line.length) {
          // Leaving canonical mode hands over the partial line as raw input.
          pty.input.push(Uint8Array.from(pty.line));
          pty.line = [];
          pty.slaveReadable.wake();
        }
        return src.length;
      }
      case 'winsize': {
        if (src.length < WINSIZE_BYTES) return E.EINVAL;
        const v = new DataView(src.buffer, src.byteOffset, WINSIZE_BYTES);
        const rows = v.getUint16(0, true);
        const cols = v.getUint16(2, true);
        if (rows !== pty.rows || cols !== pty.cols) {
          pty.rows = rows;
          pty.cols = cols;
          if (pty.fgPgrp) this.jobs.signalGroup(pty.fgPgrp, Sig.SIGWINCH);
        }
        return WINSIZE_BYTES;
      }
      case 'pgrp': {
        if (src.length < 4) return E.EINVAL;
        const pgid = new DataView(src.buffer, src.byteOffset, 4).getInt32(0, true);
        const ids = this.jobs.idsOf(caller.pid);
        if (pgid <= 0) return E.EINVAL;
        if (caller.pid !== 0) {
          if (!ids) return E.ESRCH;
          // A session leader may take a terminal no session holds (TIOCSCTTY, then tcsetpgrp).
          if (pty.session === 0 && ids.sid === caller.pid) pty.session = ids.sid;
          else if (ids.sid !== pty.session) return E.ENOTTY;
        }
        pty.fgPgrp = pgid;
        return 4;
      }
    }
  }

  /** Whether the caller may use the terminal now; a background job gets `sig` instead. */
  private foreground(pty: Pty, caller: Caller, sig: number): boolean {
    if (pty.session === 0 || caller.pid === 0) return true;
    const ids = this.jobs.idsOf(caller.pid);
    if (!ids || ids.sid !== pty.session || ids.pgid === pty.fgPgrp) return true;
    this.jobs.signalGroup(ids.pgid, sig);
    return false;
  }

  // ---- the line discipline -----------------------------------------------------------------

  private echo(pty: Pty, bytes: number[]): void {
    for (const b of bytes) this.putOut(pty, b);
    pty.masterReadable.wake();
  }

  private putOut(pty: Pty, b: number): void {
    const t = pty.termios;
    if (b === 0x0a && t.oflag & OFLAG.OPOST && t.oflag & OFLAG.ONLCR) pty.output.push(0x0d);
    pty.output.push(b);
  }

  private output(pty: Pty, src: Uint8Array): void {
    for (const b of src) this.putOut(pty, b);
    pty.masterReadable.wake();
  }

  private echoChar(pty: Pty, c: number): void {
    const t = pty.termios;
    if (!(t.lflag & L.ECHO)) {
      if (c === 0x0a && t.lflag & L.ECHONL) this.echo(pty, [0x0a]);
      return;
    }
    if (t.lflag & L.ECHOCTL && c < 0x20 && c !== 0x0a && c !== 0x09) this.echo(pty, [0x5e, c + 0x40]);
    else this.echo(pty, [c]);
  }

  private erase(pty: Pty, n: number): void {
    const t = pty.termios;
    for (let i = 0; i < n && pty.line.length; i++) {
      // One character, which in UTF-8 may be several bytes.
      let c = pty.line.pop()!;
      while ((c & 0xc0) === 0x80 && pty.line.length) c = pty.line.pop()!;
      if (t.lflag & L.ECHO && t.lflag & L.ECHOE) this.echo(pty, c < 0x20 && t.lflag & L.ECHOCTL ? [8, 8, 0x20, 0x20, 8, 8] : [8, 0x20, 8]);
    }
  }

  private input(pty: Pty, c: number): void {
    const t = pty.termios;
    const cc = t.cc;
    if (c === 0x0d && t.iflag & I.IGNCR) return;
    if (c === 0x0d && t.iflag & I.ICRNL) c = 0x0a;
    else if (c === 0x0a && t.iflag & I.INLCR) c = 0x0d;
    if (t.lflag & L.ISIG) {
      const sig = c === cc[V.VINTR] ? Sig.SIGINT : c === cc[V.VQUIT] ? Sig.SIGQUIT : c === cc[V.VSUSP] ? Sig.SIGTSTP : 0;
      if (sig && c !== 0) {
        if (!(t.lflag & L.NOFLSH)) {
          pty.line = [];
          pty.input = [];
        }
        this.echoChar(pty, c);
        if (t.lflag & L.ECHO && t.lflag & L.ICANON) this.echo(pty, [0x0a]);
        if (pty.fgPgrp) this.jobs.signalGroup(pty.fgPgrp, sig);
        return;
      }
    }
    if (!(t.lflag & L.ICANON)) {
      pty.input.push(Uint8Array.of(c));
      if (pty.input.length > 1) {
        // Coalesce raw bytes so a read takes everything typed so far.
        const last = pty.input.pop()!;
        const prev = pty.input.pop()!;
        if (prev.length === 0) pty.input.push(prev, last);
        else {
          const both = new Uint8Array(prev.length + last.length);
          both.set(prev);
          both.set(last, prev.length);
          pty.input.push(both);
        }
      }
      this.echoChar(pty, c);
      pty.slaveReadable.wake();
      return;
    }
    if (c === cc[V.VERASE] || c === 0x08) return this.erase(pty, 1);
    if (c === cc[V.VWERASE] && t.lflag & L.IEXTEN) {
      let n = 0;
      let i = pty.line.length;
      while (i > 0 && pty.line[i - 1] === 0x20) i--, n++;
      while (i > 0 && pty.line[i - 1] !== 0x20) i--, n++;
      return this.erase(pty, n);
    }
    if (c === cc[V.VKILL]) return this.erase(pty, pty.line.length);
    if (c === cc[V.VEOF]) {
      pty.input.push(Uint8Array.from(pty.line));
      pty.line = [];
      pty.slaveReadable.wake();
      return;
    }
    if (c === 0x0a || (c === cc[V.VEOL] && c !== 0)) {
      pty.line.push(c);
      pty.input.push(Uint8Array.from(pty.line));
      pty.line = [];
      this.echoChar(pty, c);
      pty.slaveReadable.wake();
      return;
    }
    if (pty.line.length >= MAX_LINE) return;
    pty.line.push(c);
    this.echoChar(pty, c);
  }

  // ---- the rest ----------------------------------------------------------------------------

  override poll(h: number): { ready: number; queue: WaitQueue | null } {
    const hd = this.handles.get(h);
    if (!hd) return { ready: 0, queue: null };
    const pty = hd.pty;
    if (hd.kind === 'master') return { ready: (pty.output.length ? EVENT_READ : 0) | EVENT_WRITE, queue: pty.masterReadable };
    if (hd.kind === 'slave') {
      const r = pty.input.length || !pty.masterOpen ? EVENT_READ : 0;
      const w = pty.output.length < OUTPUT_LIMIT ? EVENT_WRITE : 0;
      return { ready: r | w, queue: pty.slaveReadable };
    }
    return { ready: EVENT_READ | EVENT_WRITE, queue: null };
  }

  override fstat(h: number): Result<Stat> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    return { ...emptyStat(), mode: S.IFCHR | 0o620, rdev: (136 << 8) | hd.pty.id, ino: hd.pty.id };
  }

  override close(h: number): void {
    const hd = this.handles.get(h);
    if (!hd) return;
    this.handles.delete(h);
    const pty = hd.pty;
    if (hd.kind === 'master') {
      pty.masterOpen = false;
      pty.slaveReadable.wake();
      pty.slaveWritable.wake();
      if (pty.fgPgrp) {
        this.jobs.signalGroup(pty.fgPgrp, Sig.SIGHUP);
        this.jobs.signalGroup(pty.fgPgrp, Sig.SIGCONT);
      }
    } else if (hd.kind === 'slave') {
      pty.slaves--;
      pty.masterReadable.wake();
    }
    if (!pty.masterOpen && pty.slaves === 0) this.ptys.delete(pty.id);
  }

  /** The pty number of a handle (for naming the slave). */
  ptyId(h: number): number {
    return this.handles.get(h)?.pty.id ?? -1;
  }
}
