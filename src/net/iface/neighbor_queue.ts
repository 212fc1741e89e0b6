// Packets waiting for ARP or IPv6 neighbour discovery: when a UDP or ICMP packet's next hop
// (an IPv4 number or an IPv6 bigint) is not yet resolved, the interface parks the finished
// frame here (a few slots, allocated once) instead of blocking the socket's queue behind it,
// and sends it when the neighbour answers — Linux's
// unres_qlen in miniature. Unanswered frames expire. TCP does not use this: its segments stay
// in the send ring and are simply sent again.
import { MAX_FRAME_LEN, ARP_REQUEST_INTERVAL_MS } from '../params.js';
import type { IpAddress } from '../wire/address.js';

export class NeighborQueue {
  private readonly bufs: Uint8Array[];
  private readonly lens: Uint32Array;
  private readonly hops: IpAddress[];
  private readonly expires: Float64Array;
  private readonly used: Uint8Array;
  /** Frames given up on because their neighbour never answered, or no slot was free. */
  expired = 0;
  overflow = 0;

  constructor(readonly slots = 8, readonly lifetime = 3 * ARP_REQUEST_INTERVAL_MS) {
    this.bufs = Array.from({ length: slots }, () => new Uint8Array(MAX_FRAME_LEN));
    this.lens = new Uint32Array(slots);
    this.hops = new Array<IpAddress>(slots).fill(0);
    this.expires = new Float64Array(slots);
    this.used = new Uint8Array(slots);
  }

  hold(frame: Uint8Array, hop: IpAddress, now: number): boolean {
    this.expire(now);
    for (let i = 0; i < this.slots; i++) {
      if (this.used[i]) continue;
      this.bufs[i]!.set(frame);
      this.lens[i] = frame.length;
      this.hops[i] = hop;
      this.expires[i] = now + this.lifetime;
      this.used[i] = 1;
      return true;
    }
    this.overflow++;
    return false;
  }

  /** Hands every frame waiting for `hop` to send (oldest first is not guaranteed) and frees them. */
  release(hop: IpAddress, send: (frame: Uint8Array) => void): void {
    for (let i = 0; i < this.slots; i++) {
      if (!this.used[i] || this.hops[i] !== hop) continue;
      this.used[i] = 0;
      send(this.bufs[i]!.subarray(0, this.lens[i]!));
    }
  }

  expire(now: number): void {
    for (let i = 0; i < this.slots; i++) {
      if (this.used[i] && this.expires[i]! <= now) {
        this.used[i] = 0;
        this.expired++;
      }
    }
  }

  get length(): number {
    let n = 0;
    for (let i = 0; i < this.slots; i++) n += this.used[i]!;
    return n;
  }

  /** The earliest expiry (Infinity when empty). */
  pollAt(): number {
    let t = Infinity;
    for (let i = 0; i < this.slots; i++) if (this.used[i]) t = Math.min(t, this.expires[i]!);
    return t;
  }
}
