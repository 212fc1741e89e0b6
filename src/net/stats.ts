// Per-protocol counters: packets in and out, and every drop with its reason, so that a test
// (or `netstat -s`) can say what was thrown away and why. Reasons are short constant
// strings; counting one costs a Map update and never allocates.

export class ProtoStats {
  rx = 0;
  tx = 0;
  /** Dropped input by reason ('checksum', 'no-socket', 'out-of-window', ...). */
  readonly drops = new Map<string, number>();
  /** Notable events that are not drops ('retransmit', 'fast-retransmit', 'rst-sent', ...). */
  readonly events = new Map<string, number>();

  drop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  event(name: string): void {
    this.events.set(name, (this.events.get(name) ?? 0) + 1);
  }

  dropped(reason?: string): number {
    if (reason !== undefined) return this.drops.get(reason) ?? 0;
    let n = 0;
    for (const v of this.drops.values()) n += v;
    return n;
  }

  count(event: string): number {
    return this.events.get(event) ?? 0;
  }

  toJSON(): object {
    return { rx: this.rx, tx: this.tx, drops: Object.fromEntries(this.drops), events: Object.fromEntries(this.events) };
  }
}

export class NetStats {
  readonly ethernet = new ProtoStats();
  readonly arp = new ProtoStats();
  readonly ipv4 = new ProtoStats();
  readonly icmp = new ProtoStats();
  readonly udp = new ProtoStats();
  readonly tcp = new ProtoStats();
  readonly ipv6 = new ProtoStats();
  readonly icmpv6 = new ProtoStats();

  toJSON(): object {
    return { ethernet: this.ethernet, arp: this.arp, ipv4: this.ipv4, icmp: this.icmp, udp: this.udp, tcp: this.tcp, ipv6: this.ipv6, icmpv6: this.icmpv6 };
  }
}
