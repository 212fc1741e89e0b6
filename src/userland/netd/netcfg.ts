// The netcfg: scheme, as Redox's smolnetd has it: netd's configuration and state as small
// text files, read by `ip`, `netstat` and whoever else wants them.
//
//   netcfg:ifaces    one block per interface: name, mac, mtu, addresses, frame counters
//   netcfg:route     the routing table, one route per line (`default via A dev eth0`)
//   netcfg:stats     per-protocol counters of every interface (rx, tx, drops by reason)
//   netcfg:sockets   every socket: protocol, local and remote endpoints, state, queues
//   netcfg:resolv    the name servers the links named
//
// Writes change the configuration (root only): `add A/N` and `del A/N` to `netcfg:addr/IFACE`,
// `default via A` or `del default` to `netcfg:route/IFACE`; A is either family's (an IPv6
// address without a prefix length is a /64; `del default` with `inet6` after it removes the
// IPv6 default router, else the IPv4 one).
// Each file's text is made when it is opened, so one open sees one consistent snapshot.

import * as mh from 'libmh';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { formatIp, formatIpv4, formatMac, ipv4, Ipv4Cidr, type IpAddress } from '../../net/wire/address.js';
import { Ipv6Cidr } from '../../net/wire/ipv6.js';
import { shareAddress, unshareAddress, type Link, type NicPort } from './links.js';
import { Errno, fail } from './held.js';

interface File {
  text: Uint8Array;
  /** For writable files: the interface the write configures. */
  target: { kind: 'addr' | 'route'; link: Link } | null;
}

const enc = new TextEncoder();

export class NetcfgService implements mh.SchemeHandler {
  private files = new Map<number, File>();
  private next = 1;

  constructor(private readonly links: Link[]) {}

  open(path: string, _flags: number, _mode: number, c: mh.Caller): number {
    const ref = path.replace(/^\/+/, '');
    const m = /^(addr|route)\/(\w+)$/.exec(ref);
    if (m) {
      if (c.uid !== 0) fail(Errno.EACCES);
      const link = this.links.find((l) => l.name === m[2]) ?? fail(Errno.ENOENT);
      return this.add({ text: new Uint8Array(0), target: { kind: m[1] as 'addr' | 'route', link } });
    }
    const make: Record<string, () => string> = { ifaces: () => this.ifaces(), route: () => this.route(), stats: () => this.stats(), sockets: () => this.sockets(), resolv: () => this.resolv() };
    const f = make[ref] ?? fail(Errno.ENOENT);
    return this.add({ text: enc.encode(f()), target: null });
  }

  private add(f: File): number {
    const h = this.next++;
    this.files.set(h, f);
    return h;
  }

  read(h: number, offset: number, len: number): Uint8Array {
    const f = this.files.get(h) ?? fail(Errno.EBADF);
    return f.text.slice(offset, offset + len);
  }

  write(h: number, _offset: number, data: Uint8Array): number {
    const f = this.files.get(h) ?? fail(Errno.EBADF);
    if (!f.target) fail(Errno.EBADF);
    const words = new TextDecoder().decode(data).trim().split(/\s+/);
    const iface = f.target.link.iface;
    if (f.target.kind === 'addr' && (words[1] ?? '').includes(':')) {
      const text = words[1]!;
      const cidr = Ipv6Cidr.parse(text.includes('/') ? text : `${text}/64`) ?? fail(Errno.EINVAL);
      if (words[0] === 'add') {
        iface.ipv6.addAddress(cidr);
        shareAddress(this.links, cidr.address);
      } else if (words[0] === 'del') {
        if (!iface.ipv6.removeAddress(cidr.address)) fail(Errno.EADDRNOTAVAIL);
        unshareAddress(this.links, cidr.address);
      } else fail(Errno.EINVAL);
    } else if (f.target.kind === 'addr') {
      const cidr = Ipv4Cidr.parse(words[1] ?? '') ?? fail(Errno.EINVAL);
      if (words[0] === 'add') {
        if (!iface.hasAddress(cidr.address)) iface.addresses.push(cidr);
        shareAddress(this.links, cidr.address);
      } else if (words[0] === 'del') {
        if (!iface.hasAddress(cidr.address)) fail(Errno.EADDRNOTAVAIL);
        iface.addresses = iface.addresses.filter((c) => c.address !== cidr.address);
        unshareAddress(this.links, cidr.address);
      } else fail(Errno.EINVAL);
    } else {
      const v6 = (words[2] ?? '').includes(':') ? Ipv6Cidr.parse(words[2]!) : null;
      if (words[0] === 'default' && words[1] === 'via' && v6) iface.ipv6.gateway = v6.address;
      else if (words[0] === 'default' && words[1] === 'via') iface.routes.addDefault(ipv4(words[2] ?? '') ?? fail(Errno.EINVAL));
      else if (words[0] === 'del' && words[1] === 'default' && words[2] === 'inet6') iface.ipv6.gateway = null;
      else if (words[0] === 'del' && words[1] === 'default') iface.routes.remove(new Ipv4Cidr(0, 0));
      else fail(Errno.EINVAL);
    }
    return data.length;
  }

  fstat(h: number): Stat {
    const f = this.files.get(h) ?? fail(Errno.EBADF);
    return { ...emptyStat(), mode: 0o100444, size: f.text.length };
  }

  close(h: number): void {
    this.files.delete(h);
  }

  private ifaces(): string {
    return this.links.map((l) => {
      const nic = l.fd >= 0 ? (l.device as NicPort) : null;
      const dev = nic ? `    frames rx ${nic.rxFrames} tx ${nic.txFrames} (reads ${nic.rxCalls}, writes ${nic.txCalls})\n` : '';
      const addrs = l.iface.addresses.map((c) => `    inet ${formatIpv4(c.address)}/${c.prefixLen}\n`).join('')
        + l.iface.ipv6.addresses.map((c) => `    inet6 ${c}${c.address >> 118n === 0x3fan ? ' scope link' : c.address === 1n ? ' scope host' : ''}\n`).join('');
      return `${l.name}: mtu ${l.device.caps.mtu} ${l.fd < 0 ? 'loopback' : `link nic`}\n    ether ${formatMac(l.iface.hardwareAddr)}\n${addrs}${dev}`;
    }).join('');
  }

  private route(): string {
    const out: string[] = [];
    for (const l of this.links) {
      for (const r of l.iface.routes.routes) {
        const dst = r.cidr.prefixLen === 0 ? 'default' : `${formatIpv4(r.cidr.network)}/${r.cidr.prefixLen}`;
        out.push(`${dst}${r.via !== null ? ` via ${formatIpv4(r.via)}` : ''} dev ${l.name}`);
      }
      for (const c of l.iface.addresses) if (c.prefixLen < 32) out.push(`${formatIpv4(c.network)}/${c.prefixLen} dev ${l.name} src ${formatIpv4(c.address)}`);
      const v6 = l.iface.ipv6;
      for (const c of v6.addresses) if (c.prefixLen < 128) out.push(`${new Ipv6Cidr(c.network, c.prefixLen)} dev ${l.name} src ${formatIp(c.address)}`);
      const router = v6.defaultRouter(Date.now());
      if (router !== null) out.push(`default via ${formatIp(router)} dev ${l.name}${v6.gateway === null ? ' proto ra' : ''}`);
    }
    return out.map((s) => s + '\n').join('');
  }

  private stats(): string {
    const out: string[] = [];
    for (const l of this.links) {
      out.push(`${l.name}:`);
      const st = l.iface.stats as unknown as Record<string, { rx: number; tx: number; drops: Map<string, number>; events: Map<string, number> }>;
      for (const proto of ['ethernet', 'arp', 'ipv4', 'icmp', 'ipv6', 'icmpv6', 'udp', 'tcp']) {
        const p = st[proto]!;
        const extra = [...p.drops].map(([k, v]) => ` drop:${k}=${v}`).join('') + [...p.events].map(([k, v]) => ` ${k}=${v}`).join('');
        out.push(`  ${proto.padEnd(8)} rx ${p.rx} tx ${p.tx}${extra}`);
      }
    }
    return out.map((s) => s + '\n').join('');
  }

  private sockets(): string {
    const ep = (a: IpAddress, p: number) => `${!a ? '*' : typeof a === 'bigint' ? `[${formatIp(a)}]` : formatIp(a)}:${p || '*'}`;
    const out = ['proto local remote state recv-q send-q link'];
    for (const l of this.links) {
      for (const s of l.sockets.tcp) out.push(`tcp ${ep(s.localAddr, s.localPort)} ${ep(s.remoteAddr, s.remotePort)} ${s.state} ${s.recvQueue} ${s.sendQueue} ${l.name}`);
      for (const s of l.sockets.udp) out.push(`udp ${ep(s.localAddr, s.localPort)} *:* - ${s.rx.length} ${s.tx.length} ${l.name}`);
      for (const s of l.sockets.icmp) out.push(`icmp ident:${s.ident} *:* - ${s.rx.length} ${s.tx.length} ${l.name}`);
    }
    return out.map((s) => s + '\n').join('');
  }

  private resolv(): string {
    return this.links.flatMap((l) => l.dns).map((a) => `nameserver ${formatIpv4(a)}\n`).join('');
  }
}
