// A queue of datagrams with their peer addresses, in storage allocated once: a byte ring for
// the payloads and fixed arrays for the metadata. UDP and ICMP sockets use one each way.
// Each datagram also carries a local address and port, which only transparent sockets (a NAT
// gateway's) use: where an arriving datagram was going, where a departing one comes from.
import type { IpAddress } from '../wire/address.js';
import { RingBuffer } from './ring.js';

export class PacketQueue {
  private readonly data: RingBuffer;
  private readonly lens: Uint32Array;
  // Addresses of either family (a number or a bigint), so plain arrays, filled once.
  private readonly addrs: IpAddress[];
  private readonly ports: Uint16Array;
  private readonly localAddrs: IpAddress[];
  private readonly localPorts: Uint16Array;
  private head = 0;
  private count = 0;

  constructor(readonly slots: number, bytes: number) {
    this.data = RingBuffer.withCapacity(bytes);
    this.lens = new Uint32Array(slots);
    this.addrs = new Array<IpAddress>(slots).fill(0);
    this.ports = new Uint16Array(slots);
    this.localAddrs = new Array<IpAddress>(slots).fill(0);
    this.localPorts = new Uint16Array(slots);
  }

  get length(): number {
    return this.count;
  }
  get isEmpty(): boolean {
    return this.count === 0;
  }
  /** Could a datagram of n bytes be queued now? */
  fits(n: number): boolean {
    return this.count < this.slots && this.data.window >= n;
  }
  get payloadCapacity(): number {
    return this.data.capacity;
  }

  enqueue(payload: Uint8Array, addr: IpAddress, port: number, localAddr: IpAddress = 0, localPort = 0): boolean {
    if (!this.fits(payload.length)) return false;
    const i = (this.head + this.count) % this.slots;
    this.data.enqueue(payload);
    this.lens[i] = payload.length;
    this.addrs[i] = addr;
    this.ports[i] = port;
    this.localAddrs[i] = localAddr;
    this.localPorts[i] = localPort;
    this.count++;
    return true;
  }

  /** Metadata of the datagram at the front (valid while the queue is non-empty). */
  get frontLen(): number {
    return this.lens[this.head]!;
  }
  get frontAddr(): IpAddress {
    return this.addrs[this.head]!;
  }
  get frontPort(): number {
    return this.ports[this.head]!;
  }
  get frontLocalAddr(): IpAddress {
    return this.localAddrs[this.head]!;
  }
  get frontLocalPort(): number {
    return this.localPorts[this.head]!;
  }

  /** Copies the front datagram (truncated to dst) into dst at dstOffset without removing it. */
  peekInto(dst: Uint8Array, dstOffset = 0): number {
    return this.data.peek(0, dst, dstOffset, Math.min(this.frontLen, dst.length - dstOffset));
  }

  /** Removes the front datagram. */
  pop(): void {
    if (this.count === 0) return;
    this.data.discard(this.lens[this.head]!);
    this.head = (this.head + 1) % this.slots;
    this.count--;
  }

  clear(): void {
    this.data.clear();
    this.head = this.count = 0;
  }
}
