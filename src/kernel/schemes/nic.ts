// nic: the network links the host hands the kernel (a loopback cable, the user-mode NAT, a TAP
// device, a port of an in-process switch), as `/scheme/nic/N`. The network daemon opens one
// (uid 0 only, one holder at a time) and moves whole Ethernet frames: each read returns one
// received frame, each write sends one. The descriptor is readable while frames wait, and
// always writable, so the daemon waits for it with the event scheme beside its other work.
// `/scheme/nic/N/config` is a text file of `key=value` lines saying how the link expects to be
// configured (name, mac, mtu, and for a NAT: addr, gateway, dns), read by the daemon at start.
//
// Frames arrive from the host whenever its I/O delivers them; they wait in a bounded queue
// (a full queue drops and counts, as a NIC's ring does), so a daemon that stops reading cannot
// make the kernel grow without bound.

import { DT, putDirent } from '../../abi/dirent.js';
import { E, type Result } from '../../abi/errno.js';
import { S } from '../../abi/flags.js';
import { EVENT_READ, EVENT_WRITE } from '../../abi/scheme.js';
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
}

type Handle = { kind: 'dir' } | { kind: 'frames'; nic: Nic } | { kind: 'config'; nic: Nic };

export class NicScheme extends Scheme {
  readonly name = 'nic';
  private readonly nics: Nic[];
  private handles = new Map<number, Handle>();
  private next = 1;

  constructor(links: readonly NicLink[]) {
    super();
    this.nics = links.map((link) => ({ link, rx: [], head: 0, holder: 0, queue: new WaitQueue(), rxFrames: 0, txFrames: 0, drops: 0 }));
    for (const n of this.nics) n.link.attach((f) => this.arrive(n, f));
  }

  private arrive(n: Nic, frame: Uint8Array): void {
    // Frames that arrive while nobody holds the link are dropped, as on a port with no cable.
    if (n.holder === 0 || n.rx.length - n.head >= RX_QUEUE_FRAMES) {
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
    const m = /^(\d+)(\/config)?$/.exec(ref);
    const nic = m ? this.nics[Number(m[1])] : undefined;
    if (!nic) return E.ENOENT;
    if (m![2]) return this.add({ kind: 'config', nic });
    if (nic.holder !== 0) return E.EBUSY;
    const o = this.add({ kind: 'frames', nic });
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
      const text = new TextEncoder().encode(`${n.link.config}rx_frames=${n.rxFrames}\ntx_frames=${n.txFrames}\nrx_drops=${n.drops}\n`);
      if (offset >= text.length) return 0;
      const part = text.subarray(offset, offset + dst.length);
      dst.set(part);
      return part.length;
    }
    const n = hd.nic;
    if (n.head === n.rx.length) return wouldBlock(n.queue);
    const f = n.rx[n.head]!;
    n.rx[n.head++] = undefined as unknown as Uint8Array;
    // A frame larger than the reader's buffer is dropped (and said so), not left to wedge it.
    const fits = f.length <= dst.length;
    if (fits) dst.set(f);
    else n.drops++;
    // Compact now and then rather than shift() per frame.
    if (n.head === n.rx.length) n.rx.length = n.head = 0;
    else if (n.head > 256) {
      n.rx = n.rx.slice(n.head);
      n.head = 0;
    }
    return fits ? f.length : E.EINVAL;
  }

  override write(h: number, src: Uint8Array): Result<number> {
    const hd = this.handles.get(h);
    if (!hd || hd.kind !== 'frames') return E.EBADF;
    if (src.length < 14) return E.EINVAL;
    hd.nic.txFrames++;
    // A link that drops the frame has still taken the write: Ethernet promises nothing more.
    hd.nic.link.send(src);
    return src.length;
  }

  override poll(h: number): { ready: number; queue: WaitQueue | null } {
    const hd = this.handles.get(h);
    if (!hd || hd.kind !== 'frames') return { ready: 0, queue: null };
    return { ready: EVENT_WRITE | (hd.nic.head < hd.nic.rx.length ? EVENT_READ : 0), queue: hd.nic.queue };
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
      hd.nic.holder = 0;
      hd.nic.rx = [];
      hd.nic.head = 0;
    }
  }

  shutdown(): void {
    for (const n of this.nics) n.link.close();
  }
}
