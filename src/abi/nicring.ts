// The nic ring: a SharedArrayBuffer through which the network daemon and a host I/O thread (a
// TAP device's, src/host/node/tap_ring.ts) move Ethernet frames directly, so that frames never
// cross the kernel's thread. The kernel still grants it: netd gets the buffer by `fmap` on the
// `/scheme/nic/N/batch` descriptor it holds, and the kernel closes the ring when that
// descriptor is closed (netd exits or dies). Links with no host thread (loopback, the guest
// switch, user-mode NAT, a link with faults injected) have no ring: `fmap` fails with ENODEV
// and the daemon uses the batch descriptor.
//
//   bytes 0..127               Int32 control words (N below)
//   bytes 128..                the receive ring, RX_BYTES bytes (host thread -> netd)
//   then                       the transmit ring, TX_BYTES bytes (netd -> host thread)
//
// Each ring is a byte ring of records, one producer and one consumer. HEAD and TAIL count bytes
// produced and consumed modulo 2^32; used = (HEAD - TAIL) >>> 0; a record starts at
// counter & (bytes - 1). A record is [u32 little-endian length][frame][padding to 4 bytes]; a
// record never wraps: when it does not fit before the end, the producer writes the length
// WRAP there and the record starts at offset 0 (the bytes skipped count as used). The producer
// writes the record, then stores HEAD; the consumer reads the record, then stores TAIL.
//
// A consumer checks every record: a length below MIN_FRAME or above MAX_FRAME, or a record
// reaching past HEAD or the end of the ring, is bad. The host thread counts it (TX_BAD) and
// drops everything up to HEAD, so a daemon that scribbles on the ring loses only its own frames.
//
// Doorbells. The daemon sleeps on BELL, with ASLEEP set, when it has nothing to do: the host
// thread adds 1 to BELL after each burst it puts on the receive ring, and so does the kernel
// whenever anything else the daemon's event queue watches is ready (the queue was asked to,
// with an EVENT_BELL record naming the nic descriptor; src/kernel/schemes/event.ts); either
// notifies BELL only if ASLEEP is set. The daemon reads BELL before it last looks for work
// (the ring, its event queue without sleeping) and waits only while BELL still holds that
// value, so a ring it did not see cannot be lost. A frame thus wakes the daemon directly, one
// thread hand-over, and the kernel's thread is not on the path. The kernel also bumps KBELL
// when it rings: a daemon whose last look at its event queue found nothing need not look
// again (a system call) until KBELL moves, so a stream of frames costs it no system call.
//
// A daemon may instead sleep in the kernel, watching the descriptor (readable while frames
// wait): when the kernel finds the ring empty it stores 1 in RX_WANTED, looks once more, and
// waits on RX_HEAD (Atomics.waitAsync). The host thread stores HEAD, then swaps RX_WANTED to
// 0 and notifies RX_HEAD if it was set. The host writer
// sleeps on TX_HEAD with TX_ASLEEP set (and looks at HEAD once more after setting it); the
// daemon notifies TX_HEAD after a store only if TX_ASLEEP is set. A daemon that finds the
// transmit ring full sets TX_WANTED and waits on TX_TAIL, which the writer notifies.
// CLOSED becomes 1 when the kernel closes the ring; both sides stop, and waiters wake.

export const N = {
  MAGIC: 0,      // RING_MAGIC
  RX_BYTES: 1,   // bytes of the receive ring (a power of two)
  TX_BYTES: 2,   // bytes of the transmit ring (a power of two)
  MAX_FRAME: 3,  // the largest frame either ring carries
  CLOSED: 4,     // 1 once the kernel closed the ring
  RX_HEAD: 5,
  RX_TAIL: 6,
  RX_WANTED: 7,  // 1: the kernel waits on RX_HEAD for the daemon
  RX_FRAMES: 8,  // frames the host thread put on the ring
  RX_DROPS: 9,   // frames the host thread dropped: the ring was full
  TX_HEAD: 10,
  TX_TAIL: 11,
  TX_ASLEEP: 12, // 1: the host writer sleeps on TX_HEAD
  TX_WANTED: 13, // 1: the daemon waits on TX_TAIL for room
  TX_FRAMES: 14, // frames the host thread sent
  TX_BAD: 15,    // bad records the host thread found (each drops what was queued)
  BELL: 16,      // the daemon's doorbell: bumped by the host thread and by the kernel
  ASLEEP: 17,    // 1: the daemon sleeps on BELL
  KBELL: 18,     // bumped by the kernel alone, before it rings BELL: the event queue has news
} as const;

export const RING_MAGIC = 0x4d484e52; // "MHNR"
export const CTL_BYTES = 128;
/** Bytes before each frame: its length, u32 little-endian. */
export const RECORD_HEADER = 4;
/** The length word that sends the consumer back to offset 0. */
export const WRAP = 0xffffffff;
/** The smallest frame: an Ethernet header. */
export const MIN_FRAME = 14;
export const RX_BYTES = 4 * 1024 * 1024;
export const TX_BYTES = 4 * 1024 * 1024;

/** Bytes a record of a `len`-byte frame takes. */
export function recordBytes(len: number): number {
  return RECORD_HEADER + ((len + 3) & ~3);
}

/** One direction: a record ring between one producer and one consumer. */
export class FrameRing {
  readonly data: Uint8Array;
  private readonly view: DataView;
  private readonly mask: number;
  /** Bytes of the record the consumer holds (taken by `peek`, given back by `release`). */
  private held = 0;

  constructor(
    readonly ctl: Int32Array,
    buffer: SharedArrayBuffer,
    offset: number,
    readonly bytes: number,
    private readonly head: number,
    private readonly tail: number,
    readonly maxFrame: number,
  ) {
    this.data = new Uint8Array(buffer, offset, bytes);
    this.view = new DataView(buffer, offset, bytes);
    this.mask = bytes - 1;
  }

  used(): number {
    return (Atomics.load(this.ctl, this.head) - Atomics.load(this.ctl, this.tail)) >>> 0;
  }

  /**
   * Room for a frame of up to `len` bytes, contiguous, or null if the ring is full: the caller
   * fills it and calls `commit` with the frame's real length. Producer side.
   */
  reserve(len: number): Uint8Array | null {
    const head = Atomics.load(this.ctl, this.head);
    const free = this.bytes - ((head - Atomics.load(this.ctl, this.tail)) >>> 0);
    const pos = head & this.mask;
    const rec = recordBytes(len);
    const toEnd = this.bytes - pos;
    const start = rec <= toEnd ? pos : 0;
    if ((rec <= toEnd ? rec : toEnd + rec) > free) return null;
    return this.data.subarray(start + RECORD_HEADER, start + RECORD_HEADER + len);
  }

  /** Publishes the frame written into the last `reserve` (which asked for at least `len`). */
  commit(len: number, reserved: number): void {
    const head = Atomics.load(this.ctl, this.head);
    const pos = head & this.mask;
    const toEnd = this.bytes - pos;
    let skip = 0;
    if (recordBytes(reserved) > toEnd) {
      this.view.setUint32(pos, WRAP, true);
      skip = toEnd;
    }
    this.view.setUint32((pos + skip) & this.mask, len, true);
    Atomics.store(this.ctl, this.head, (head + skip + recordBytes(len)) | 0);
  }

  /** Copies `frame` onto the ring; false if there is no room. */
  push(frame: Uint8Array): boolean {
    const room = this.reserve(frame.length);
    if (!room) return false;
    room.set(frame);
    this.commit(frame.length, frame.length);
    return true;
  }

  /**
   * The oldest frame (a view into the ring, valid until `release`), null if the ring is
   * empty, or 'bad' if the next record is malformed. Consumer side.
   */
  peek(): Uint8Array | null | 'bad' {
    const head = Atomics.load(this.ctl, this.head);
    let tail = Atomics.load(this.ctl, this.tail);
    let used = (head - tail) >>> 0;
    if (used === 0) return null;
    if (used > this.bytes || (tail & 3) !== 0) return 'bad';
    let pos = tail & this.mask;
    let len = this.view.getUint32(pos, true);
    let skip = 0;
    if (len === WRAP) {
      skip = this.bytes - pos;
      if (skip >= used) return 'bad';
      tail = (tail + skip) | 0;
      used -= skip;
      pos = 0;
      len = this.view.getUint32(0, true);
    }
    const rec = recordBytes(len);
    if (len < MIN_FRAME || len > this.maxFrame || rec > used || pos + rec > this.bytes) return 'bad';
    this.held = skip + rec;
    return this.data.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + len);
  }

  /** Gives back the record `peek` returned. */
  release(): void {
    if (this.held === 0) return;
    Atomics.store(this.ctl, this.tail, (Atomics.load(this.ctl, this.tail) + this.held) | 0);
    this.held = 0;
  }

  /** Drops every record up to HEAD (after a bad one). */
  discard(): void {
    this.held = 0;
    Atomics.store(this.ctl, this.tail, Atomics.load(this.ctl, this.head));
  }
}

/** Typed views over one nic ring buffer; every side builds the same views and checks the shape. */
export class NicRingView {
  readonly ctl: Int32Array;
  readonly rx: FrameRing;
  readonly tx: FrameRing;

  constructor(readonly buffer: SharedArrayBuffer) {
    if (buffer.byteLength < CTL_BYTES) throw new RangeError('nic ring: buffer too small');
    this.ctl = new Int32Array(buffer, 0, CTL_BYTES / 4);
    const rxBytes = this.ctl[N.RX_BYTES]!;
    const txBytes = this.ctl[N.TX_BYTES]!;
    const maxFrame = this.ctl[N.MAX_FRAME]!;
    const pow2 = (x: number): boolean => x >= 1024 && x <= 2 ** 30 && (x & (x - 1)) === 0;
    if (this.ctl[N.MAGIC] !== RING_MAGIC || !pow2(rxBytes) || !pow2(txBytes) || maxFrame < MIN_FRAME ||
        recordBytes(maxFrame) > Math.min(rxBytes, txBytes) / 2 || buffer.byteLength !== CTL_BYTES + rxBytes + txBytes) {
      throw new RangeError('nic ring: not a nic ring buffer');
    }
    this.rx = new FrameRing(this.ctl, buffer, CTL_BYTES, rxBytes, N.RX_HEAD, N.RX_TAIL, maxFrame);
    this.tx = new FrameRing(this.ctl, buffer, CTL_BYTES + rxBytes, txBytes, N.TX_HEAD, N.TX_TAIL, maxFrame);
  }

  /** Makes a fresh ring buffer for frames of up to `maxFrame` bytes. */
  static create(maxFrame: number, rxBytes = RX_BYTES, txBytes = TX_BYTES): NicRingView {
    const buffer = new SharedArrayBuffer(CTL_BYTES + rxBytes + txBytes);
    const ctl = new Int32Array(buffer, 0, CTL_BYTES / 4);
    ctl[N.MAGIC] = RING_MAGIC;
    ctl[N.RX_BYTES] = rxBytes;
    ctl[N.TX_BYTES] = txBytes;
    ctl[N.MAX_FRAME] = maxFrame;
    return new NicRingView(buffer);
  }

  get closed(): boolean {
    return Atomics.load(this.ctl, N.CLOSED) !== 0;
  }

  /** Closes the ring and wakes everyone who waits on it. */
  close(): void {
    Atomics.store(this.ctl, N.CLOSED, 1);
    Atomics.add(this.ctl, N.BELL, 1);
    for (const w of [N.RX_HEAD, N.TX_HEAD, N.TX_TAIL, N.BELL]) Atomics.notify(this.ctl, w);
  }

  /** Rings the daemon's doorbell: the host thread after a burst, the kernel for other events. */
  ring(): void {
    Atomics.add(this.ctl, N.BELL, 1);
    if (Atomics.load(this.ctl, N.ASLEEP) !== 0) Atomics.notify(this.ctl, N.BELL);
  }

  /** The kernel's ring: news on the daemon's event queue. */
  ringKernel(): void {
    Atomics.add(this.ctl, N.KBELL, 1);
    this.ring();
  }

  /** Producer of the receive ring, after a burst: wakes the daemon, or the kernel if it waits for it. */
  ringRx(): void {
    this.ring();
    if (Atomics.load(this.ctl, N.RX_WANTED) !== 0 && Atomics.exchange(this.ctl, N.RX_WANTED, 0) !== 0) Atomics.notify(this.ctl, N.RX_HEAD);
  }

  /** Producer of the transmit ring, after a commit: wakes the host writer if it sleeps. */
  ringTx(): void {
    if (Atomics.load(this.ctl, N.TX_ASLEEP) !== 0) Atomics.notify(this.ctl, N.TX_HEAD);
  }
}
