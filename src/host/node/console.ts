// The host terminal as MACROHARD's first terminal: the kernel holds the master side of a pty,
// the host's keyboard goes in, and what the pty puts out goes to the host's screen. When
// stdin is a TTY it is put in raw mode, so MACROHARD's line discipline does all the editing,
// echo and signal characters; when it is not (a pipe, a file, a test), echo is turned off and
// the input's end becomes ^D.

import { isErr } from '../../abi/errno.js';
import { O } from '../../abi/flags.js';
import { L, OFLAG, readTermios, TERMIOS_BYTES, writeTermios } from '../../abi/termios.js';
import type { Kernel } from '../../kernel/kernel.js';
import { kclose, kdup, kopen, kread, kwrite } from '../../kernel/kio.js';

export interface ConsoleIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
  output: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number; on(ev: 'resize', f: () => void): unknown };
}

export class HostConsole {
  /** The kernel's descriptor for the master side. */
  master = -1;
  /** The kernel's descriptor for the slave side, handed to init as fds 0-2. */
  slave = -1;
  private stopped = false;
  private rawSet = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(private readonly k: Kernel, private readonly io: ConsoleIo) {}

  async open(): Promise<void> {
    const m = await kopen(this.k, '/scheme/pty', O.RDWR);
    if (isErr(m)) throw new Error(`console: cannot open a pty: ${m}`);
    this.master = m;
    const s = await kdup(this.k, m, 'slave');
    if (isErr(s)) throw new Error(`console: ${s}`);
    this.slave = s;
    await this.setMode(!!this.io.input.isTTY, !!this.io.output.isTTY);
    await this.sendWinsize();
  }

  /** Reads and/or writes one of the pty's control descriptors. */
  private async control(name: string, change: (cur: Uint8Array) => Uint8Array | null): Promise<void> {
    const fd = await kdup(this.k, this.master, name);
    if (isErr(fd)) throw new Error(`console: ${name}: ${fd}`);
    try {
      const cur = await kread(this.k, fd, 64);
      const next = change(isErr(cur) ? new Uint8Array(0) : cur);
      if (next) await kwrite(this.k, fd, next);
    } finally {
      kclose(this.k, fd);
    }
  }

  /**
   * Input that is not a terminal is not echoed (it is not being typed); output that is not a
   * terminal gets no CR before NL (it is a file or a pipe).
   */
  private setMode(inputIsTty: boolean, outputIsTty: boolean): Promise<void> {
    return this.control('termios', (cur) => {
      const t = readTermios(cur);
      if (!t) return null;
      if (!inputIsTty) t.lflag &= ~L.ECHO;
      if (!outputIsTty) t.oflag &= ~OFLAG.ONLCR;
      const b = new Uint8Array(TERMIOS_BYTES);
      writeTermios(b, t);
      return b;
    });
  }

  private sendWinsize(): Promise<void> {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint16(0, this.io.output.rows ?? 24, true);
    new DataView(b.buffer).setUint16(2, this.io.output.columns ?? 80, true);
    return this.control('winsize', () => b);
  }

  /** Starts moving bytes both ways; resolves when the output side has ended. */
  start(): void {
    const input = this.io.input;
    if (input.isTTY && input.setRawMode) {
      input.setRawMode(true);
      this.rawSet = true;
    }
    this.io.output.on('resize', () => void this.sendWinsize().catch(() => undefined));
    input.on('data', (chunk: Buffer) => {
      if (this.stopped) return;
      void kwrite(this.k, this.master, new Uint8Array(chunk));
    });
    input.on('end', () => {
      if (!this.stopped && !input.isTTY) void kwrite(this.k, this.master, Uint8Array.of(0x04));
    });
    input.resume?.();
    this.drained = this.pump();
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      const b = await kread(this.k, this.master, 65536);
      if (isErr(b) || b.length === 0) break;
      if (!this.io.output.write(b)) await new Promise<void>((r) => this.io.output.once('drain', () => r()));
    }
  }

  /** Writes host-side text (boot messages) to the screen, NL as CR NL in raw mode. */
  print(text: string): void {
    this.io.output.write(this.rawSet ? text.replace(/\n/g, '\r\n') : text);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.rawSet) this.io.input.setRawMode?.(false);
    this.io.input.pause?.();
    (this.io.input as { unref?: () => void }).unref?.();
    if (this.slave >= 0) kclose(this.k, this.slave);
    if (this.master >= 0) kclose(this.k, this.master);
    await Promise.race([this.drained, new Promise((r) => setTimeout(r, 100))]);
  }
}
