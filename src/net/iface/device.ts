// The device boundary (smoltcp's `phy`): a network device is two methods, receive and
// transmit, over whole Ethernet frames. Wrappers (fault injection, pcap capture) implement
// the same interface around any device. Also here: a frame queue in preallocated slots,
// the loopback device, and an in-memory link joining two stacks in one process.
//
// Buffers are borrowed: a frame returned by receive() is valid until the next receive()
// on that device, and a frame passed to transmit() only during the call.
import { MAX_FRAME_LEN, ETHERNET_MTU } from '../params.js';

export interface DeviceCaps {
  /** Largest IP packet the link carries. */
  mtu: number;
  /**
   * The link cannot corrupt frames (memory to memory), so TCP and UDP checksums are neither
   * computed nor verified on it — what Linux does on its loopback. Both ends must agree.
   */
  checksumOffload?: boolean;
}

export interface Device {
  readonly caps: DeviceCaps;
  /** The next received frame, or null when none is waiting. */
  receive(now: number): Uint8Array | null;
  /** Sends a frame; false if the device dropped it (queue full, too large). */
  transmit(now: number, frame: Uint8Array): boolean;
}

/** A bounded FIFO of frames stored in slots allocated once. */
export class FrameQueue {
  private readonly slots: Uint8Array[];
  private readonly lens: Uint32Array;
  private head = 0;
  private count = 0;
  drops = 0;

  constructor(readonly capacity = 256, readonly frameSize = MAX_FRAME_LEN) {
    this.slots = Array.from({ length: capacity }, () => new Uint8Array(frameSize));
    this.lens = new Uint32Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(frame: Uint8Array): boolean {
    if (this.count === this.capacity || frame.length > this.frameSize) {
      this.drops++;
      return false;
    }
    const i = (this.head + this.count) % this.capacity;
    this.slots[i]!.set(frame);
    this.lens[i] = frame.length;
    this.count++;
    return true;
  }

  /** Removes the oldest frame; the view stays valid until that slot is reused. */
  shift(): Uint8Array | null {
    if (this.count === 0) return null;
    const i = this.head;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return this.slots[i]!.subarray(0, this.lens[i]!);
  }

  clear(): void {
    this.head = this.count = 0;
  }
}

/** Frames sent come back as received: the interface talks to itself. */
export class Loopback implements Device {
  readonly caps: DeviceCaps;
  private readonly queue: FrameQueue;

  constructor(capacity = 256, checksumOffload = false, mtu = ETHERNET_MTU) {
    this.queue = new FrameQueue(capacity, mtu + MAX_FRAME_LEN - ETHERNET_MTU);
    this.caps = { mtu, checksumOffload };
  }

  receive(): Uint8Array | null {
    return this.queue.shift();
  }

  transmit(_now: number, frame: Uint8Array): boolean {
    return this.queue.push(frame);
  }
}

/** One end of an in-memory link: what it transmits, the other end receives. */
export class LinkEnd implements Device {
  readonly caps: DeviceCaps = { mtu: ETHERNET_MTU, checksumOffload: false };
  readonly inbox: FrameQueue;
  peer!: LinkEnd;
  /** Frames this end has sent, for tests and counters. */
  txFrames = 0;

  constructor(capacity: number) {
    this.inbox = new FrameQueue(capacity);
  }

  receive(): Uint8Array | null {
    return this.inbox.shift();
  }

  transmit(_now: number, frame: Uint8Array): boolean {
    this.txFrames++;
    return this.peer.inbox.push(frame);
  }
}

/**
 * A cable between two devices in one process. Each end queues up to `capacity` frames; with
 * `checksumOffload` both ends skip TCP/UDP checksums.
 */
export function linkPair(capacity = 256, checksumOffload = false): [LinkEnd, LinkEnd] {
  const a = new LinkEnd(capacity);
  const b = new LinkEnd(capacity);
  a.caps.checksumOffload = b.caps.checksumOffload = checksumOffload;
  a.peer = b;
  b.peer = a;
  return [a, b];
}
