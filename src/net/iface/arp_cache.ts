// The ARP cache (neighbour table): IPv4 address to MAC address, bounded in size and in age,
// plus when we last asked for each missing address so requests are rate limited.
import { ARP_CACHE_SIZE, ARP_ENTRY_LIFETIME_MS, ARP_REQUEST_INTERVAL_MS } from '../params.js';
import type { EthernetAddress, Ipv4Address } from '../wire/address.js';

interface Entry {
  mac: EthernetAddress;
  expires: number;
}

export class ArpCache {
  private readonly entries = new Map<Ipv4Address, Entry>();
  private readonly asked = new Map<Ipv4Address, number>();

  constructor(readonly capacity = ARP_CACHE_SIZE, readonly lifetime = ARP_ENTRY_LIFETIME_MS) {}

  get size(): number {
    return this.entries.size;
  }

  lookup(addr: Ipv4Address, now: number): EthernetAddress | null {
    const e = this.entries.get(addr);
    if (!e) return null;
    if (e.expires <= now) {
      this.entries.delete(addr);
      return null;
    }
    return e.mac;
  }

  fill(addr: Ipv4Address, mac: EthernetAddress, now: number): void {
    const e = this.entries.get(addr);
    if (e) {
      e.mac = mac;
      e.expires = now + this.lifetime;
      return;
    }
    if (this.entries.size >= this.capacity) {
      // Evict the entry closest to expiry: the least recently confirmed.
      let victim: Ipv4Address | null = null;
      let soonest = Infinity;
      for (const [k, v] of this.entries) if (v.expires < soonest) [victim, soonest] = [k, v.expires];
      if (victim !== null) this.entries.delete(victim);
    }
    this.entries.set(addr, { mac, expires: now + this.lifetime });
    this.asked.delete(addr);
  }

  /** Should we send a request for addr now? Records the request if so. */
  shouldAsk(addr: Ipv4Address, now: number): boolean {
    const last = this.asked.get(addr);
    if (last !== undefined && now - last < ARP_REQUEST_INTERVAL_MS) return false;
    if (this.asked.size >= this.capacity) this.asked.clear();
    this.asked.set(addr, now);
    return true;
  }

  entriesList(): { addr: Ipv4Address; mac: EthernetAddress; expires: number }[] {
    return [...this.entries].map(([addr, e]) => ({ addr, mac: e.mac, expires: e.expires }));
  }
}
