// IPv4 fragment reassembly (RFC 791 section 3.2, RFC 815's hole idea): a few slots, each
// keyed by (source, destination, protocol, identification), collecting fragment payloads
// into a buffer and the ranges received into an Assembler. A datagram is complete when the
// last fragment has fixed its length and one range covers it all. Slots time out, and when
// all are busy the oldest is recycled, so a fragment flood cannot grow memory.
import { REASSEMBLY_MAX_HOLES, REASSEMBLY_MAX_LEN, REASSEMBLY_SLOTS, REASSEMBLY_TIMEOUT_MS } from '../params.js';
import { Assembler } from '../socket/assembler.js';
import type { Ipv4Packet } from '../wire/ipv4.js';

class Slot {
  used = false;
  src = 0;
  dst = 0;
  protocol = 0;
  ident = 0;
  deadline = 0;
  /** Payload length, known once the fragment without MF has arrived; -1 before. */
  total = -1;
  buffer: Uint8Array | null = null;
  readonly ranges = new Assembler(REASSEMBLY_MAX_HOLES);
}

export type ReassemblyResult = Uint8Array | 'pending' | 'malformed' | 'too-big' | 'too-fragmented';

export class Reassembler {
  private readonly slots: Slot[] = Array.from({ length: REASSEMBLY_SLOTS }, () => new Slot());
  timeouts = 0;

  constructor(readonly timeout = REASSEMBLY_TIMEOUT_MS) {}

  private find(p: Ipv4Packet, now: number): Slot {
    let free: Slot | null = null;
    let oldest = this.slots[0]!;
    for (const s of this.slots) {
      if (s.used && s.deadline <= now) {
        s.used = false;
        this.timeouts++;
      }
      if (s.used && s.src === p.src && s.dst === p.dst && s.protocol === p.protocol && s.ident === p.ident) return s;
      if (!s.used && !free) free = s;
      if (s.deadline < oldest.deadline) oldest = s;
    }
    const s = free ?? oldest;
    s.used = true;
    s.src = p.src;
    s.dst = p.dst;
    s.protocol = p.protocol;
    s.ident = p.ident;
    s.deadline = now + this.timeout;
    s.total = -1;
    s.ranges.clear();
    // The buffer is allocated the first time a slot is used and reused ever after.
    s.buffer ??= new Uint8Array(REASSEMBLY_MAX_LEN);
    return s;
  }

  /**
   * Adds one fragment. Returns the whole payload (valid until the next call) when complete,
   * 'pending' while parts are missing, or why the fragment was refused.
   */
  add(p: Ipv4Packet, now: number): ReassemblyResult {
    const data = p.payload;
    const offset = p.fragmentOffset;
    const end = offset + data.length;
    // Every fragment but the last carries a multiple of 8 bytes.
    if (p.moreFragments && data.length % 8 !== 0) return 'malformed';
    if (end > REASSEMBLY_MAX_LEN - 20) return 'too-big';
    const s = this.find(p, now);
    if (!p.moreFragments) {
      if (s.total >= 0 && s.total !== end) {
        s.used = false;
        return 'malformed';
      }
      s.total = end;
    }
    if (s.total >= 0 && end > s.total) {
      s.used = false;
      return 'malformed';
    }
    if (!s.ranges.add(offset, data.length)) {
      s.used = false;
      return 'too-fragmented';
    }
    s.buffer!.set(data, offset);
    if (s.total >= 0 && s.ranges.rangeCount === 1 && s.ranges.rangeStart(0) === 0 && s.ranges.rangeEnd(0) === s.total) {
      s.used = false;
      return s.buffer!.subarray(0, s.total);
    }
    return 'pending';
  }

  /** When the oldest partial datagram expires. */
  pollAt(): number {
    let t = Infinity;
    for (const s of this.slots) if (s.used) t = Math.min(t, s.deadline);
    return t;
  }
}
