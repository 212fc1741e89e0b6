// nic: the network links the host hands the kernel (a loopback cable, the user-mode NAT, a TAP
// device, a port of an in-process switch), as `/scheme/nic/N`. The network daemon opens one
// (uid 0 only, one holder at a time) and moves whole Ethernet frames: on `/scheme/nic/N` each
// read returns one received frame and each write sends one; on `/scheme/nic/N/batch` a read
// returns as many waiting frames as fit and a write sends several, each frame a record
// [u32 little-endian length][frame bytes] (the format of tap_reader.ts's messages), so a burst
// costs the daemon one syscall instead of one per frame. The descriptor is readable while
// frames wait, and always writable, so the daemon waits for it with the event scheme.
// `/scheme/nic/N/config` is a text file of `key=value` lines saying how the link expects to be
// configured (name, mac, mtu, and for a NAT: addr, gateway, dns), read by the daemon at start.
//
// Frames arrive from the host whenever its I/O delivers them; they wait in a bounded queue
// (a full queue drops and counts, as a NIC's ring does), so a daemon that stops reading cannot
// make the kernel grow without bound.
//
// A link with a host thread of its own (TAP) may also be served through a nic ring
// (src/abi/nicring.ts): `fmap` on the holder's descriptor hands the daemon the ring's buffer,
// the host thread moves frames between the device and the ring, and the kernel is left with
// the grant, the doorbell and the close. While a ring is mapped the descriptor is readable
// when the receive ring holds frames (the kernel waits on the ring's RX_HEAD to learn that
// it filled, only while somebody waits for the descriptor), frames the link still hands the
// kernel are dropped, and closing the descriptor closes the ring. The ring's doorbell (`bell`)
// is what an event queue rings for a daemon that sleeps on the ring instead (EVENT_BELL).

import { DT, putDirent } from '../../abi/dirent.js';
import { E, type Result } from '../../abi/errno.js';
import { S } from '../../abi/flags.js';
import { EVENT_READ, EVENT_WRITE } from '../../abi/scheme.js';
import { N, NicRingView } from '../../abi/nicring.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { Scheme, type Answer, type Caller, type Opened } from '../scheme.js';
import { WaitQueue, wouldBlock } from '../waitqueue.js';

/** A host network link: whole Ethernet frames in and out. */
export interface NicLink {
  /** What the link is: `loopback`, `user`, `tap0`, `switch`. */
  readonly name: string;
  /** `key=value` lines for the daemon: mac, mtu, and addressing the link implies. */
  readonly config: string;
  /** Starts delivery: the link calls `rx` for each frame that arrives (borrowed for the call). */
  attach(rx: (frame: Uint8Array) => void): void;
  /** Sends one frame (borrowed for the call); false if the link dropped it. */
  send(frame: Uint8Array): boolean;
  close(): void;
  /** A nic ring served by a host thread, where the link has one (TAP). */
  openRing?(): NicRing;
}

export interface NicRing {
  readonly buffer: SharedArrayBuffer;
  /** Closes the ring: the host thread stops serving it and the link goes back to `attach`'s path. */
  close(): void;
}

/** A ring in use, and whether the kernel waits on its RX_HEAD. */
interface MappedRing {
  host: NicRing;
  view: NicRingView;
  armed: boolean;
}

/** Frames a link may queue before the daemon reads them. */
const RX_QUEUE_FRAMES = 1024;

interface Nic {
  link: NicLink;
  rx: Uint8Array[];
  head: number;
  holder: number; // handle holding the frame stream, 0 if none
  queue: WaitQueue;
  rxFrames: number;
  txFrames: number;
  drops: number;
  ring: MappedRing | null;
}

/** Bytes before each frame in the batch form: its length, u32 little-endian. */
export const NIC_RECORD_HEADER = 4;
/** The smallest frame a link carries: an Ethernet header. */
const MIN_FRAME = 14;

/** How the frame stream is cut: one frame per call, or length-prefixed records. */
const enum Framing {
  Single,
  Batch,
}

type Handle = { kind: 'dir' } | { kind: 'frames'; nic: Nic; framing: Framing } | { kind: 'config'; nic: Nic };

export class NicScheme extends Scheme {
  readonly name = 'nic';
  private readonly nics: Nic[];
  private handles = new Map<number, Handle>();
  private next = 1;

  constructor(links: readonly NicLink[]) {
    super();
    this.nics = links.map((link) => ({ link, rx: [], head: 0, holder: 0, queue: new WaitQueue(), rxFrames: 0, txFrames: 0, drops: 0, ring: null }));
    for (const n of this.nics) n.link.attach((f) => this.arrive(n, f));
  }

  private arrive(n: Nic, frame: Uint8Array): void {
    // Frames that arrive while nobody holds the link are dropped, as on a port with no cable.
    if (n.holder === 0 || n.ring || n.rx.length - n.head >= RX_QUEUE_FRAMES) {
      n.drops++;
      return;
    }
    n.rx.push(frame.slice());
    n.rxFrames++;
    n.queue.wake();
  }

  override open(ref: string, _flags: number, _mode: number, caller: Caller): Result<Opened> {
    if (caller.uid !== 0) return E.EACCES;
    if (ref === '') return this.add({ kind: 'dir' });
    const m = /^(\d+)(?:\/(config|batch))?$/.exec(ref);
    const nic = m ? this.nics[Number(m[1])] : undefined;
    if (!nic) return E.ENOENT;
    if (m![2] === 'config') return this.add({ kind: 'config', nic });
    if (nic.holder !== 0) return E.EBUSY;
    const o = this.add({ kind: 'frames', nic, framing: m![2] === 'batch' ? Framing.Batch : Framing.Single });
    nic.holder = o.handle;
    nic.rx = [];
    nic.head = 0;
    return o;
  }

  private add(h: Handle): Opened {
    const handle = this.next++;
    this.handles.set(handle, h);
    return { handle, stream: h.kind === 'frames' };
  }

  override read(h: number, dst: Uint8Array, offset: number): Answer<number> {
    const hd = this.handles.get(h);
    if (!hd || hd.kind === 'dir') return E.EBADF;
    if (hd.kind === 'config') {
      const n = hd.nic;
      const c = n.ring?.view.ctl;
      const ring = (w: number): number => (c ? Atomics.load(c, w) >>> 0 : 0);
      const text = new TextEncoder().encode(`${n.link.config}rx_frames=${n.rxFrames + ring(N.RX_FRAMES)}\ntx_frames=${n.txFrames + ring(N.TX_FRAMES)}\n` +
        `rx_drops=${n.drops + ring(N.RX_DROPS)}\n${c ? `ring=on\ntx_bad=${ring(N.TX_BAD)}\n` : ''}`);
      if (offset >= text.length) return 0;
      const part = text.subarray(offset, offset + dst.length);
      dst.set(part);
      return part.length;
    }
    const n = hd.nic;
    if (n.head === n.rx.length) return wouldBlock(n.queue);
    if (hd.framing === Framing.Batch) return this.readBatch(n, dst);
    const f = this.take(n);
    // A frame larger than the reader's buffer is dropped (and said so), not left to wedge it.
    if (f.length > dst.length) {
      n.drops++;
      return E.EINVAL;
    }
    dst.set(f);
    return f.length;
  }

  /** Fills `dst` with as many waiting frames as fit, each behind its length. */
  private readBatch(n: Nic, dst: Uint8Array): Result<number> {
    const v = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    let pos = 0;
    while (n.head < n.rx.length) {
      const len = n.rx[n.head]!.length;
      if (pos + NIC_RECORD_HEADER + len > dst.length) {
        if (pos > 0) break;
        // Not even the first frame fits: dropped, as in the one-frame form.
        this.take(n);
        n.drops++;
        return E.EINVAL;
      }
      v.setUint32(pos, len, true);
      dst.set(this.take(n), pos + NIC_RECORD_HEADER);
      pos += NIC_RECORD_HEADER + len;
    }
    return pos;
  }

  /** Removes the oldest waiting frame. */
  private take(n: Nic): Uint8Array {
    const f = n.rx[n.head]!;
    n.rx[n.head++] = undefined as unknown as Uint8Array;
    // Compact now and then rather than shift() per frame.
    if (n.head === n.rx.length) n.rx.length = n.head = 0;
    else if (n.head > 256) {
      n.rx = n.rx.slice(n.head);
      n.head = 0;
    }
    return f;
  }

  override write(h: number, src: Uint8Array): Result<number> {
    const hd = this.handles.get(h);
    if (!hd || hd.kind !== 'frames') return E.EBADF;
    const n = hd.nic;
    if (hd.framing === Framing.Single) {
      if (src.length < MIN_FRAME) return E.EINVAL;
      n.txFrames++;
      // A link that drops the frame has still taken the write: Ethernet promises nothing more.
      n.link.send(src);
      return src.length;
    }
    // The whole batch is checked before any frame leaves, so a bad one sends nothing.
    const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
    let pos = 0;
    while (pos < src.length) {
      const len = pos + NIC_RECORD_HEADER <= src.length ? v.getUint32(pos, true) : -1;
      if (len < MIN_FRAME || pos + NIC_RECORD_HEADER + len > src.length) return E.EINVAL;
      pos += NIC_RECORD_HEADER + len;
    }
    for (pos = 0; pos < src.length; pos += NIC_RECORD_HEADER + v.getUint32(pos, true)) {
      n.txFrames++;
      n.link.send(src.subarray(pos + NIC_RECORD_HEADER, pos + NIC_RECORD_HEADER + v.getUint32(pos, true)));
    }
    return src.length;
  }

  override map(h: number): Result<SharedArrayBuffer> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    if (hd.kind !== 'frames' || hd.nic.holder !== h) return E.ENODEV;
    const n = hd.nic;
    if (!n.ring) {
      if (!n.link.openRing) return E.ENODEV;
      const host = n.link.openRing();
      n.ring = { host, view: new NicRingView(host.buffer), armed: false };
      n.rx = [];
      n.head = 0;
    }
    return n.ring.view.buffer;
  }

  override bell(h: number): (() => void) | null {
    const hd = this.handles.get(h);
    const r = hd?.kind === 'frames' ? hd.nic.ring : null;
    if (!r) return null;
    return () => r.view.ringKernel();
  }

  override poll(h: number): { ready: number; queue: WaitQueue | null } {
    const hd = this.handles.get(h);
    if (!hd || hd.kind !== 'frames') return { ready: 0, queue: null };
    const n = hd.nic;
    if (n.ring) return { ready: EVENT_WRITE | (this.ringReadable(n, n.ring) ? EVENT_READ : 0), queue: n.queue };
    return { ready: EVENT_WRITE | (n.head < n.rx.length ? EVENT_READ : 0), queue: n.queue };
  }

  /**
   * Whether the receive ring holds frames (or is closed); if not, has the host thread ring the
   * kernel when it adds some, so that whoever waits for the descriptor is woken.
   */
  private ringReadable(n: Nic, r: MappedRing): boolean {
    const { view } = r;
    if (view.rx.used() > 0 || view.closed) return true;
    if (r.armed) return false;
    // WANTED before the last look at HEAD: the thread stores HEAD before it reads WANTED, so
    // either this look sees its frames or the thread sees WANTED and notifies.
    Atomics.store(view.ctl, N.RX_WANTED, 1);
    const head = Atomics.load(view.ctl, N.RX_HEAD);
    if (view.rx.used() > 0) return true;
    const w = Atomics.waitAsync(view.ctl, N.RX_HEAD, head);
    if (!w.async) return true;
    r.armed = true;
    void w.value.then(() => {
      r.armed = false;
      n.queue.wake();
    });
    return false;
  }

  override fstat(h: number): Result<Stat> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    if (hd.kind === 'dir') return { ...emptyStat(), mode: S.IFDIR | 0o700, nlink: 2 };
    return { ...emptyStat(), mode: (hd.kind === 'frames' ? S.IFCHR : S.IFREG) | 0o600, ino: this.nics.indexOf(hd.nic) + 2 };
  }

  override getdents(h: number, dst: Uint8Array, cookie: number): Result<{ bytes: number; next: number }> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    if (hd.kind !== 'dir') return E.ENOTDIR;
    let pos = 0;
    let i = cookie;
    for (; i < this.nics.length; i++) {
      const p = putDirent(dst, pos, { ino: i + 2, next: i + 1, type: DT.CHR, name: String(i) });
      if (p < 0) break;
      pos = p;
    }
    return { bytes: pos, next: i };
  }

  override close(h: number): void {
    const hd = this.handles.get(h);
    this.handles.delete(h);
    if (hd?.kind === 'frames' && hd.nic.holder === h) {
      const n = hd.nic;
      if (n.ring) {
        const c = n.ring.view.ctl;
        n.rxFrames += Atomics.load(c, N.RX_FRAMES) >>> 0;
        n.txFrames += Atomics.load(c, N.TX_FRAMES) >>> 0;
        n.drops += Atomics.load(c, N.RX_DROPS) >>> 0;
        // Closing wakes the kernel's own wait on RX_HEAD, so no promise outlives the ring.
        n.ring.host.close();
        n.ring.view.close();
        n.ring = null;
      }
      hd.nic.holder = 0;
      hd.nic.rx = [];
      hd.nic.head = 0;
    }
  }

  shutdown(): void {
    for (const n of this.nics) n.link.close();
  }
}
