// An ICMP socket, for ping and traceroute-like programs. Bound to an echo identifier, it
// receives echo replies carrying that identifier and error messages (unreachable, time
// exceeded) that quote an echo request of ours with it. What it sends and receives are
// whole ICMP messages; the interface fills in the checksum of outgoing ones.
import type { IpAddress } from '../wire/address.js';
import { PacketQueue } from './packet_queue.js';
import { Readiness } from './readiness.js';
import type { BindError } from './udp.js';

export type IcmpSendError = 'unaddressable' | 'buffer-full' | 'too-large' | 'not-bound' | 'malformed';
export type IcmpRecvError = 'exhausted';

export interface IcmpOptions {
  rxSlots?: number;
  rxBytes?: number;
  txSlots?: number;
  txBytes?: number;
}

export const ICMP_MAX_MESSAGE = 1500 - 20;

export class IcmpSocket {
  handle = -1;
  ident = -1;
  readonly rx: PacketQueue;
  readonly tx: PacketQueue;

  constructor(o: IcmpOptions = {}) {
    this.rx = new PacketQueue(o.rxSlots ?? 16, o.rxBytes ?? 16_384);
    this.tx = new PacketQueue(o.txSlots ?? 16, o.txBytes ?? 16_384);
  }

  get isBound(): boolean {
    return this.ident >= 0;
  }

  bind(ident: number): BindError | null {
    if (this.isBound) return 'invalid-state';
    if (!(ident >= 0 && ident < 65536)) return 'unaddressable';
    this.ident = ident;
    return null;
  }

  close(): void {
    this.ident = -1;
    this.rx.clear();
    this.tx.clear();
  }

  /** Queues a whole ICMP message (type, code, any checksum, rest) for addr. */
  sendTo(message: Uint8Array, addr: IpAddress): IcmpSendError | null {
    if (!this.isBound) return 'not-bound';
    if (!addr) return 'unaddressable';
    if (message.length < 8) return 'malformed';
    if (message.length > ICMP_MAX_MESSAGE) return 'too-large';
    if (!this.tx.enqueue(message, addr, 0)) return 'buffer-full';
    return null;
  }

  recvFrom(buf: Uint8Array): { len: number; addr: IpAddress } | IcmpRecvError {
    if (this.rx.isEmpty) return 'exhausted';
    const d = { len: this.rx.peekInto(buf), addr: this.rx.frontAddr };
    this.rx.pop();
    return d;
  }

  get readiness(): number {
    let r = 0;
    if (!this.rx.isEmpty) r |= Readiness.Read;
    if (this.isBound && this.tx.fits(ICMP_MAX_MESSAGE)) r |= Readiness.Write;
    return r;
  }

  /** internal */
  deliver(message: Uint8Array, src: IpAddress): boolean {
    return this.rx.enqueue(message, src, 0);
  }
}
