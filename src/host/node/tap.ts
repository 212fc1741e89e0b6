// A TAP device on a Linux host as a kernel link: MACROHARD's Ethernet frames go straight into
// the host's own network stack. Attaching to /dev/net/tun takes one ioctl (TUNSETIFF with
// IFF_TAP | IFF_NO_PI, so each read and write is exactly one frame), which Node cannot make by
// itself; it goes through the koffi FFI library. Anything missing (not Linux, no koffi, no
// /dev/net/tun, no privilege to create or attach the device) fails with a message saying which.
//
// The descriptor is non-blocking and no thread of the kernel's ever sleeps in read(): a small
// thread of its own (tap_reader.ts) sleeps in poll() and posts each burst of frames to the main
// thread as it arrives, so a frame reaches the stack within microseconds and a quiet wire costs
// nothing. Writes go straight to the device (a full device queue drops the frame, as a wire
// would). When the network daemon maps the link's nic ring (src/abi/nicring.ts, `openRing`),
// that thread gives way to two others (tap_ring.ts) that move frames between the device and
// the daemon's shared memory, a reader and a writer, until the ring is closed.
//
// The MTU is 1500 unless `mtu=` says otherwise; a virtual link may carry frames up to 64 KiB
// (set the host side the same with `ip link set NAME mtu N`), so bulk data moves in a few
// large segments instead of many small ones, as between two VMs on one host.
//
// The device is best made persistent by whoever owns the host's network configuration
// (`ip tuntap add dev mh0 mode tap`, then addresses and `ip link set mh0 up`); MACROHARD
// attaches to it by name. Without such a device TUNSETIFF creates a transient one, which
// vanishes when MACROHARD powers off.

import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { NicRingView } from '../../abi/nicring.js';
import type { NicLink, NicRing } from '../../kernel/schemes/nic.js';
import { formatMac } from '../../net/wire/address.js';
import { loadLibc } from './libc.js';
import { linkConfig } from './nic.js';
import type { TapRingData } from './tap_ring.js';

export interface TapLink extends NicLink {
  readonly ifname: string;
}

export interface TapOptions {
  /** What netd should configure: address/prefix, gateway, dns, IPv6 address/prefix and router. */
  addr?: string;
  gateway?: string;
  dns?: string;
  addr6?: string;
  gateway6?: string;
  mac?: number;
  /** The link's MTU (IPv4 bytes per frame): 1500 by default, at most 65521. */
  mtu?: number;
}

/** The largest MTU a TAP device takes: a 64 KiB frame less its Ethernet header. */
export const TAP_MAX_MTU = 65521;

const TUNSETIFF = 0x400454ca;
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
const IFNAMSIZ = 16;

/** Attaches to (or creates) TAP device `ifname`. */
export function openTap(ifname: string, opts: TapOptions = {}): TapLink {
  if (process.platform !== 'linux') throw new Error('TAP networking needs a Linux host; use --net user');
  if (Buffer.byteLength(ifname) >= IFNAMSIZ || !/^[\w.-]+$/.test(ifname)) throw new Error(`bad TAP interface name '${ifname}'`);
  const c = loadLibc();
  let fd: number;
  try {
    fd = fs.openSync('/dev/net/tun', fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new Error(`cannot open /dev/net/tun (${(e as NodeJS.ErrnoException).code ?? e}): TAP is not available here; use --net user`);
  }
  const ifr = new Uint8Array(40);
  ifr.set(Buffer.from(ifname));
  new DataView(ifr.buffer).setUint16(IFNAMSIZ, IFF_TAP | IFF_NO_PI, true);
  if (c.ioctl(fd, TUNSETIFF, ifr) < 0) {
    const e = c.errno();
    fs.closeSync(fd);
    const why = e === 1 ? 'operation not permitted (TAP needs root or CAP_NET_ADMIN)' : e === 16 ? 'the device is busy or is not a TAP device' : `errno ${e}`;
    throw new Error(`cannot attach TAP device ${ifname}: ${why}; use --net user`);
  }
  return new Tap(fd, ifname, opts);
}

class Tap implements TapLink {
  readonly name = 'tap';
  readonly config: string;
  private readonly maxFrame: number;
  private rx: ((f: Uint8Array) => void) | null = null;
  private closed = false;
  /** The stop word of the thread that posts frames to the main thread, while it runs. */
  private readerStop: Int32Array | null = null;
  private ring: NicRingView | null = null;
  /** Threads using the descriptor: it is closed once the last has left poll(). */
  private threads = 0;

  constructor(private readonly fd: number, readonly ifname: string, opts: TapOptions) {
    const mtu = opts.mtu ?? 1500;
    this.maxFrame = mtu + 14;
    this.config = linkConfig({ name: `tap:${ifname}`, mac: formatMac(opts.mac ?? 0x52_54_00_4d_48_01), mtu, addr: opts.addr, gateway: opts.gateway, dns: opts.dns, addr6: opts.addr6, gateway6: opts.gateway6 });
  }

  attach(rx: (f: Uint8Array) => void): void {
    this.rx = rx;
    if (!this.readerStop && !this.ring && !this.closed) this.startReader();
  }

  private spawn(file: string, workerData: unknown): Worker {
    const w = new Worker(new URL(file, import.meta.url), { workerData });
    this.threads++;
    w.on('exit', () => {
      if (--this.threads === 0 && this.closed) fs.close(this.fd, () => undefined);
    });
    w.on('error', () => undefined);
    w.unref();
    return w;
  }

  private startReader(): void {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    this.spawn('./tap_reader.js', { fd: this.fd, stop: stop.buffer }).on('message', (b: ArrayBuffer) => this.deliver(b));
    this.readerStop = stop;
  }

  private stopReader(): void {
    if (this.readerStop) Atomics.store(this.readerStop, 0, 1);
    this.readerStop = null;
  }

  /** Splits a reader message ([u32 length][frame]...) into frames for the kernel. */
  private deliver(b: ArrayBuffer): void {
    const v = new DataView(b);
    for (let pos = 0; pos + 4 <= b.byteLength; ) {
      const n = v.getUint32(pos, true);
      if (pos + 4 + n > b.byteLength) break;
      this.rx?.(new Uint8Array(b, pos + 4, n));
      pos += 4 + n;
    }
  }

  openRing(): NicRing {
    if (this.closed) throw new Error(`TAP device ${this.ifname} is closed`);
    this.ring?.close();
    const view = NicRingView.create(this.maxFrame);
    this.ring = view;
    // Frames the posting thread reads until it leaves poll() reach the kernel with a ring in
    // place, which drops them: a link coming up loses what arrives meanwhile.
    this.stopReader();
    for (const role of ['rx', 'tx'] as const) {
      const tapRing: TapRingData = { fd: this.fd, buffer: view.buffer, role };
      // A thread that fails (the device went away) leaves the ring closed, so the daemon sees it.
      this.spawn('./tap_ring.js', { tapRing }).once('exit', () => view.close());
    }
    return {
      buffer: view.buffer,
      close: () => {
        view.close();
        if (this.ring !== view) return;
        this.ring = null;
        if (!this.closed) this.startReader();
      },
    };
  }

  send(frame: Uint8Array): boolean {
    if (this.closed) return false;
    try {
      return fs.writeSync(this.fd, frame) === frame.length;
    } catch {
      return false; // EAGAIN (device queue full) or the device went away: the frame is lost
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rx = null;
    this.stopReader();
    this.ring?.close();
    this.ring = null;
    if (this.threads === 0) fs.closeSync(this.fd);
  }
}
