// A UDP socket: bound to a local port (and optionally one address), with preallocated
// queues of datagrams in each direction. The interface delivers matching datagrams with
// `deliver` and drains the send queue when it polls.
import type { IpAddress } from '../wire/address.js';
import { PacketQueue } from './packet_queue.js';
import { Readiness } from './readiness.js';

export type BindError = 'invalid-state' | 'unaddressable';
export type UdpSendError = 'unaddressable' | 'buffer-full' | 'too-large' | 'not-bound';
export type UdpRecvError = 'exhausted';

export interface UdpOptions {
  rxSlots?: number;
  rxBytes?: number;
  txSlots?: number;
  txBytes?: number;
}

export interface Datagram {
  len: number;
  addr: IpAddress;
  port: number;
  /** Where it was sent to: only filled in for a transparent socket. */
  localAddr: IpAddress;
  localPort: number;
}

/** Largest UDP payload over a 1500-byte MTU without fragmentation. */
export const UDP_MAX_PAYLOAD = 1500 - 20 - 8;

export class UdpSocket {
  handle = -1;
  localAddr: IpAddress = 0;
  localPort = 0;
  readonly rx: PacketQueue;
  readonly tx: PacketQueue;

  constructor(o: UdpOptions = {}) {
    this.rx = new PacketQueue(o.rxSlots ?? 64, o.rxBytes ?? 65_536);
    this.tx = new PacketQueue(o.txSlots ?? 64, o.txBytes ?? 65_536);
  }

  /** Receives datagrams for any address and port no other socket takes (bindTransparent). */
  transparent = false;

  get isBound(): boolean {
    return this.localPort !== 0 || this.transparent;
  }

  /**
   * Binds to every address and port left over — a NAT gateway's catch-all. Datagrams say where
   * they were going, and sendFrom chooses the source of each reply.
   */
  bindTransparent(): BindError | null {
    if (this.isBound) return 'invalid-state';
    this.transparent = true;
    return null;
  }

  /** Sends with a chosen source address and port (transparent sockets only). */
  sendFrom(data: Uint8Array, srcAddr: IpAddress, srcPort: number, addr: IpAddress, port: number): UdpSendError | null {
    if (!this.transparent) return 'not-bound';
    if (!addr || !srcAddr || !(port > 0 && port < 65536) || !(srcPort > 0 && srcPort < 65536)) return 'unaddressable';
    if (data.length > UDP_MAX_PAYLOAD || data.length > this.tx.payloadCapacity) return 'too-large';
    if (!this.tx.enqueue(data, addr, port, srcAddr, srcPort)) return 'buffer-full';
    return null;
  }

  bind(port: number, addr: IpAddress = 0): BindError | null {
    if (this.isBound) return 'invalid-state';
    if (!(port > 0 && port < 65536)) return 'unaddressable';
    this.localPort = port;
    this.localAddr = addr;
    return null;
  }

  close(): void {
    this.transparent = false;
    this.localPort = 0;
    this.localAddr = 0;
    this.rx.clear();
    this.tx.clear();
  }

  sendTo(data: Uint8Array, addr: IpAddress, port: number): UdpSendError | null {
    if (!this.isBound) return 'not-bound';
    if (!addr || !(port > 0 && port < 65536)) return 'unaddressable';
    if (data.length > UDP_MAX_PAYLOAD || data.length > this.tx.payloadCapacity) return 'too-large';
    if (!this.tx.enqueue(data, addr, port)) return 'buffer-full';
    return null;
  }

  /** Copies the next datagram into buf (truncating, like recvfrom) and says who sent it. */
  recvFrom(buf: Uint8Array): Datagram | UdpRecvError {
    if (this.rx.isEmpty) return 'exhausted';
    const d = { len: this.rx.peekInto(buf), addr: this.rx.frontAddr, port: this.rx.frontPort, localAddr: this.rx.frontLocalAddr, localPort: this.rx.frontLocalPort };
    this.rx.pop();
    return d;
  }

  get readiness(): number {
    let r = 0;
    if (!this.rx.isEmpty) r |= Readiness.Read;
    if (this.isBound && this.tx.fits(UDP_MAX_PAYLOAD)) r |= Readiness.Write;
    return r;
  }

  /** internal: does a datagram to dst:port belong here? */
  accepts(dst: IpAddress, port: number): boolean {
    return !this.transparent && this.localPort === port && (!this.localAddr || this.localAddr === dst);
  }

  /** internal: queues an arriving datagram; false when the queue is full. */
  deliver(payload: Uint8Array, src: IpAddress, srcPort: number, dst: IpAddress = 0, dstPort = 0): boolean {
    return this.rx.enqueue(payload, src, srcPort, dst, dstPort);
  }
}
