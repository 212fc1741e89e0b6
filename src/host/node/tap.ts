// A TAP device on a Linux host as a kernel link: MACROHARD's Ethernet frames go straight into
// the host's own network stack. Attaching to /dev/net/tun takes one ioctl (TUNSETIFF with
// IFF_TAP | IFF_NO_PI, so each read and write is exactly one frame), which Node cannot make by
// itself; it goes through the koffi FFI library. Anything missing (not Linux, no koffi, no
// /dev/net/tun, no privilege to create or attach the device) fails with a message saying which.
//
// The descriptor is non-blocking, so no thread ever sleeps in read(): reads go through Node's
// asynchronous fs.read, which answers EAGAIN at once when no frame waits, and the link then
// polls again soon — at once while traffic flows, backing off to every few milliseconds when
// the wire is quiet — so a booted machine with nothing to do costs almost nothing.
//
// The device is best made persistent by whoever owns the host's network configuration
// (`ip tuntap add dev mh0 mode tap`, then addresses and `ip link set mh0 up`); MACROHARD
// attaches to it by name. Without such a device TUNSETIFF creates a transient one, which
// vanishes when MACROHARD powers off.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { NicLink } from '../../kernel/schemes/nic.js';
import { formatMac } from '../../net/wire/address.js';
import { linkConfig } from './nic.js';

export interface TapLink extends NicLink {
  readonly ifname: string;
}

export interface TapOptions {
  /** What netd should configure: address/prefix, gateway, dns. */
  addr?: string;
  gateway?: string;
  dns?: string;
  mac?: number;
}

const TUNSETIFF = 0x400454ca;
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
const IFNAMSIZ = 16;

type Ioctl = (fd: number, req: number, arg: Uint8Array) => number;
let ioctl: Ioctl | null = null;
let errno: () => number = () => 0;

function loadIoctl(): Ioctl {
  if (ioctl) return ioctl;
  let koffi: { load(lib: string): { func(sig: string): unknown }; errno(): number };
  try {
    koffi = createRequire(import.meta.url)('koffi');
  } catch {
    throw new Error('TAP networking needs the koffi FFI library (npm install koffi), which is not installed; use --net user');
  }
  const libc = koffi.load('libc.so.6');
  ioctl = libc.func('int ioctl(int fd, unsigned long request, _Inout_ uint8_t *arg)') as Ioctl;
  errno = () => koffi.errno();
  return ioctl;
}

/** Attaches to (or creates) TAP device `ifname`. */
export function openTap(ifname: string, opts: TapOptions = {}): TapLink {
  if (process.platform !== 'linux') throw new Error('TAP networking needs a Linux host; use --net user');
  if (Buffer.byteLength(ifname) >= IFNAMSIZ || !/^[\w.-]+$/.test(ifname)) throw new Error(`bad TAP interface name '${ifname}'`);
  const call = loadIoctl();
  let fd: number;
  try {
    fd = fs.openSync('/dev/net/tun', fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new Error(`cannot open /dev/net/tun (${(e as NodeJS.ErrnoException).code ?? e}): TAP is not available here; use --net user`);
  }
  const ifr = new Uint8Array(40);
  ifr.set(Buffer.from(ifname));
  new DataView(ifr.buffer).setUint16(IFNAMSIZ, IFF_TAP | IFF_NO_PI, true);
  if (call(fd, TUNSETIFF, ifr) < 0) {
    const e = errno();
    fs.closeSync(fd);
    const why = e === 1 ? 'operation not permitted (TAP needs root or CAP_NET_ADMIN)' : e === 16 ? 'the device is busy or is not a TAP device' : `errno ${e}`;
    throw new Error(`cannot attach TAP device ${ifname}: ${why}; use --net user`);
  }
  return new Tap(fd, ifname, opts);
}

class Tap implements TapLink {
  readonly name = 'tap';
  readonly config: string;
  private rx: ((f: Uint8Array) => void) | null = null;
  private readonly buf = Buffer.alloc(65536);
  private closed = false;
  private reading = false;
  private idle = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly fd: number, readonly ifname: string, opts: TapOptions) {
    this.config = linkConfig({ name: `tap:${ifname}`, mac: formatMac(opts.mac ?? 0x52_54_00_4d_48_01), mtu: 1500, addr: opts.addr, gateway: opts.gateway, dns: opts.dns });
  }

  attach(rx: (f: Uint8Array) => void): void {
    this.rx = rx;
    this.read();
  }

  private read(): void {
    if (this.closed) return;
    this.reading = true;
    fs.read(this.fd, this.buf, 0, this.buf.length, null, (err, n) => {
      this.reading = false;
      // Closed meanwhile: the descriptor was left open for this read; close it now.
      if (this.closed) return void fs.close(this.fd, () => undefined);
      if (err) {
        if (err.code !== 'EAGAIN') return void this.wait(50);
        // Quiet wire: poll again soon, less often the longer it stays quiet.
        this.idle = Math.min(this.idle + 1, 5);
        return void this.wait(this.idle);
      }
      this.idle = 0;
      if (n >= 14) this.rx?.(new Uint8Array(this.buf.buffer, this.buf.byteOffset, n));
      this.read();
    });
  }

  private wait(ms: number): void {
    if (ms <= 0) return void setImmediate(() => this.read());
    this.timer = setTimeout(() => this.read(), ms);
    this.timer.unref();
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
    if (this.timer) clearTimeout(this.timer);
    if (!this.reading) fs.closeSync(this.fd);
  }
}
