// A virtual Ethernet switch: a learning bridge (IEEE 802.1D without spanning tree) with any
// number of ports, each of which is a Device for whoever plugs into it — a MACROHARD
// interface, a hypervisor guest's virtio-net, a TAP device. A frame goes out of the port
// where its destination was last seen, or out of every other port when the destination is
// unknown, broadcast or multicast. Each port queues in slots allocated once; a full queue
// drops (and counts) rather than grows.
import { ETHERNET_MTU } from '../params.js';
import { get48 } from '../wire/bytes.js';
import { FrameQueue, type Device, type DeviceCaps } from './device.js';

const MAC_AGE_MS = 300_000;

export class SwitchPort implements Device {
  readonly caps: DeviceCaps = { mtu: ETHERNET_MTU };
  readonly inbox: FrameQueue;
  rxFrames = 0;
  txFrames = 0;

  constructor(private readonly sw: VirtualSwitch, readonly index: number, capacity: number) {
    this.inbox = new FrameQueue(capacity);
  }

  receive(): Uint8Array | null {
    const f = this.inbox.shift();
    if (f) this.rxFrames++;
    return f;
  }

  transmit(now: number, frame: Uint8Array): boolean {
    this.txFrames++;
    return this.sw.forward(now, this, frame);
  }
}

export class VirtualSwitch {
  readonly ports: SwitchPort[] = [];
  private readonly table = new Map<number, { port: SwitchPort; seen: number }>();
  flooded = 0;
  dropped = 0;

  constructor(readonly capacity = 256) {}

  /** A new port; plug a device's peer or an interface into it. */
  port(): SwitchPort {
    const p = new SwitchPort(this, this.ports.length, this.capacity);
    this.ports.push(p);
    return p;
  }

  /** Where the switch believes a MAC address lives. */
  lookup(mac: number, now: number): SwitchPort | null {
    const e = this.table.get(mac);
    return e && now - e.seen < MAC_AGE_MS ? e.port : null;
  }

  forward(now: number, from: SwitchPort, frame: Uint8Array): boolean {
    if (frame.length < 14) {
      this.dropped++;
      return false;
    }
    const dst = get48(frame, 0);
    const src = get48(frame, 6);
    // Learn the sender's port, unless the source is a group address (never valid as a source).
    if ((frame[6]! & 1) === 0) {
      const e = this.table.get(src);
      if (e) {
        e.port = from;
        e.seen = now;
      } else if (this.table.size < 4096) this.table.set(src, { port: from, seen: now });
    }
    const to = (frame[0]! & 1) === 0 ? this.lookup(dst, now) : null;
    if (to) {
      if (to === from) return true; // already on the right segment
      if (!to.inbox.push(frame)) this.dropped++;
      return true;
    }
    this.flooded++;
    for (const p of this.ports) if (p !== from && !p.inbox.push(frame)) this.dropped++;
    return true;
  }
}
