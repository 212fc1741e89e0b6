// A small world for tests and benchmarks: stacks (interface + socket set + device) joined
// by in-memory links, optionally through fault injectors, driven by a virtual clock. The
// clock only moves when no stack has anything to do, and then jumps straight to the next
// deadline, so a test of a 60-second TIME-WAIT or of many retransmission timeouts runs in
// milliseconds and the same way every time.
import { Ipv4Cidr, ip, type Ipv4Address } from '../wire/address.js';
import { SocketSet } from '../socket/set.js';
import { Interface } from './interface.js';
import { linkPair, type Device } from './device.js';
import { FaultInjector, type FaultConfig } from './fault.js';
import { PcapWriter } from './pcap.js';

export interface Host {
  iface: Interface;
  sockets: SocketSet;
  device: Device;
  addr: Ipv4Address;
}

export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 0x1234567;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export interface PairOptions {
  /** Faults on frames arriving at each host (both directions disturbed alike). */
  faults?: FaultConfig;
  seed?: number;
  /** Frames a link end can queue. */
  capacity?: number;
  /** A trusted link: TCP/UDP checksums skipped (DeviceCaps.checksumOffload). */
  checksumOffload?: boolean;
  /** Capture everything host A sees into this sink, as pcap. */
  pcap?: (chunk: Uint8Array) => void;
}

/** Two hosts, 10.0.0.1 and 10.0.0.2 on 10.0.0.0/24, joined by one cable. */
export class SimPair {
  now = 0;
  readonly a: Host;
  readonly b: Host;
  readonly faults: FaultInjector[] = [];
  /** Other clock-driven parts (a DHCP client, say), polled before the interfaces each step. */
  readonly tickers: { poll(now: number): void; pollAt(): number }[] = [];
  steps = 0;

  constructor(o: PairOptions = {}) {
    const seed = o.seed ?? 1;
    const [ea, eb] = linkPair(o.capacity ?? 512, o.checksumOffload ?? false);
    let da: Device = ea;
    let db: Device = eb;
    if (o.faults) {
      const fa = new FaultInjector(ea, { ...o.faults, seed: (o.faults.seed ?? seed) * 2 + 1 });
      const fb = new FaultInjector(eb, { ...o.faults, seed: (o.faults.seed ?? seed) * 2 + 2 });
      this.faults.push(fa, fb);
      da = fa;
      db = fb;
    }
    if (o.pcap) da = new PcapWriter(da, o.pcap);
    this.a = makeHost('10.0.0.1', 0x0200_0000_0001, da, seed * 7 + 1);
    this.b = makeHost('10.0.0.2', 0x0200_0000_0002, db, seed * 7 + 2);
  }

  /** Polls both hosts once; true if anything moved. */
  step(): boolean {
    this.steps++;
    for (const t of this.tickers) t.poll(this.now);
    const x = this.a.iface.poll(this.now, this.a.device, this.a.sockets);
    const y = this.b.iface.poll(this.now, this.b.device, this.b.sockets);
    return x || y;
  }

  /** The next time something is due, if nothing moves before. */
  nextDeadline(): number {
    let t = Math.min(this.a.iface.pollAt(this.now, this.a.sockets), this.b.iface.pollAt(this.now, this.b.sockets));
    for (const f of this.faults) t = Math.min(t, f.pollAt());
    for (const k of this.tickers) t = Math.min(t, k.pollAt());
    return t;
  }

  /**
   * Runs until `done()` holds. Returns false if the world went quiet for good or the clock
   * passed `limit` ms first.
   */
  runUntil(done: () => boolean, limit = 600_000): boolean {
    while (!done()) {
      if (this.step()) continue;
      if (done()) return true;
      const t = this.nextDeadline();
      if (t === Infinity || t > limit) return false;
      this.now = Math.max(this.now + 1, t);
    }
    return true;
  }

  /** Runs for `ms` of virtual time. */
  runFor(ms: number): void {
    const end = this.now + ms;
    this.runUntil(() => false, end);
    this.now = Math.max(this.now, end);
  }
}

function makeHost(addr: string, mac: number, device: Device, seed: number): Host {
  const a = ip(addr);
  const iface = new Interface({ hardwareAddr: mac, addresses: [new Ipv4Cidr(a, 24)], random: seededRandom(seed) });
  return { iface, sockets: new SocketSet(), device, addr: a };
}
