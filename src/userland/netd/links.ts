// netd's interfaces: the loopback (127.0.0.1/8, always there, inside the daemon) and one per
// kernel nic link (/scheme/nic/N), each an Interface of the stack with its own socket set.
// A nic link's frames move through its batch descriptor, many frames per read or write; its config
// file (`key=value` lines: mac, mtu, addr, gateway, dns) says how to set the interface up.
// A link whose config has `dhcp=FIRST-LAST` is a network netd provides (the switch hypervisor
// guests plug into): netd serves DHCP there from that pool, and with `nat=on` it is the
// guests' router, carrying their connections out through its other links (guestnat.ts).
//
// IPv6: the loopback is ::1; a nic link has its link-local address, the `addr6=` addresses of
// its config (`2001:db8::15/64`, several separated by spaces or commas), `gateway6=` as its
// default router, and addresses and routers from router advertisements (SLAAC) unless
// `autoconf6=off` (the guests' switch, where netd is the router, has none).
//
// A socket lives on the link its traffic uses: the loopback for 127/8, ::1 and our own
// addresses (which the loopback also answers to, as Linux does), then the link a zone names
// (`fe80::1%eth0`), then a link the destination is directly on (a link-local destination
// without a zone: the first nic link), then the first link with a route to it. A listener
// listens on every link.

import * as mh from 'libmh';
import { Loopback, type Device } from '../../net/iface/device.js';
import { Interface } from '../../net/iface/interface.js';
import { DhcpServer } from '../../net/iface/dhcp_server.js';
import { SocketSet } from '../../net/socket/set.js';
import { formatIp, ipv4, Ipv4Cidr, isLoopbackIp, mac, type IpAddress, type Ipv4Address } from '../../net/wire/address.js';
import { Ipv6Cidr } from '../../net/wire/ipv6.js';

export interface Link {
  name: string;
  iface: Interface;
  sockets: SocketSet;
  device: Device;
  /** The nic descriptor, or -1 for the loopback. */
  fd: number;
  /** The dns servers the link's config named. */
  dns: Ipv4Address[];
  /** The DHCP server netd runs on this link (`dhcp=` in its config), if any. */
  dhcp?: DhcpServer;
  /** Whether netd routes this link's hosts out through the other links (`nat=on`). */
  nat?: boolean;
}

/**
 * What netd's loop needs of a nic link's device: the batch descriptor (NicDevice) or the nic
 * ring (ring.ts).
 */
export interface NicPort extends Device {
  /** Whether the event queue last reported the descriptor readable. */
  readable: boolean;
  /** Whether received frames wait that the event queue does not report. */
  readonly pending: boolean;
  /** Sends what was gathered. */
  flush(): void;
  rxFrames: number;
  txFrames: number;
  rxCalls: number;
  txCalls: number;
}

/** Bytes the batch descriptor moves per read or write: at least this, */
const NIC_BATCH_BYTES = 256 * 1024;
/** or this many of the link's largest frames, */
const NIC_BATCH_FRAMES = 16;
/** but no more than one syscall carries (the channel's data area, docs/kernel.md). */
const NIC_BATCH_MAX = 1024 * 1024;
/** Bytes before each frame in a batch: its length, u32 little-endian (kernel nic scheme). */
const RECORD_HEADER = 4;

/**
 * A kernel nic descriptor (`/scheme/nic/N/batch`) as a stack device. A read takes every frame
 * the kernel holds (that fits) and the stack is handed them one by one from that buffer;
 * frames sent gather in a second buffer that `flush()` writes in one call, when it is full or
 * before the daemon sleeps. It reads only while the event loop last saw it readable.
 */
export class NicDevice implements NicPort {
  readonly caps: { mtu: number };
  readable = true;
  private readonly rx: Uint8Array;
  /** The largest record the link may carry. */
  private readonly largest: number;
  private readonly rxView: DataView;
  private rxPos = 0;
  private rxEnd = 0;
  private readonly tx: Uint8Array;
  private readonly txView: DataView;
  private txPos = 0;
  rxFrames = 0;
  txFrames = 0;
  rxCalls = 0;
  txCalls = 0;

  constructor(readonly fd: number, mtu: number) {
    this.caps = { mtu };
    this.largest = mtu + 14 + RECORD_HEADER;
    // Room for many frames, even of the largest the link may carry (64 KiB on TAP).
    const size = Math.min(NIC_BATCH_MAX, Math.max(NIC_BATCH_BYTES, NIC_BATCH_FRAMES * this.largest));
    this.rx = new Uint8Array(size);
    this.rxView = new DataView(this.rx.buffer);
    this.tx = new Uint8Array(size);
    this.txView = new DataView(this.tx.buffer);
  }

  /** The next frame, borrowed until the next call. */
  receive(): Uint8Array | null {
    while (this.rxPos >= this.rxEnd) {
      if (!this.readable) return null;
      try {
        this.rxEnd = mh.read(this.fd, this.rx);
        this.rxPos = 0;
        this.rxCalls++;
        // The kernel stops a read at the first frame that does not fit: with room left for the
        // largest, the queue was empty then. Frames that come later (or a larger one left
        // behind) the level-triggered event queue reports, which the loop reads anyway: no read
        // is spent only to learn that none wait.
        this.readable = this.rx.length - this.rxEnd < this.largest;
      } catch (e) {
        if (!(e instanceof mh.MhError)) throw e;
        if (e.errno === mh.Errno.EAGAIN) this.readable = false;
        else if (e.errno !== mh.Errno.EINVAL) throw e; // EINVAL: a frame too large, dropped
      }
    }
    const len = this.rxView.getUint32(this.rxPos, true);
    const start = this.rxPos + RECORD_HEADER;
    this.rxPos = start + len;
    this.rxFrames++;
    return this.rx.subarray(start, start + len);
  }

  transmit(_now: number, frame: Uint8Array): boolean {
    if (this.txPos + RECORD_HEADER + frame.length > this.tx.length) this.flush();
    this.txView.setUint32(this.txPos, frame.length, true);
    this.tx.set(frame, this.txPos + RECORD_HEADER);
    this.txPos += RECORD_HEADER + frame.length;
    this.txFrames++;
    return true;
  }

  /** Whether frames already read wait in the buffer (the kernel no longer reports them). */
  get pending(): boolean {
    return this.rxPos < this.rxEnd;
  }

  /** Sends the frames gathered since the last flush, in one write. */
  flush(): void {
    if (this.txPos === 0) return;
    const len = this.txPos;
    this.txPos = 0;
    this.txCalls++;
    mh.write(this.fd, this.tx.subarray(0, len));
  }
}

export function parseConfig(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) m.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return m;
}

/** The loopback's MTU: as large as an IPv4 packet can be, so bulk data moves in few segments. */
export const LOOPBACK_MTU = 65535;

export function loopbackLink(): Link {
  const iface = new Interface({ hardwareAddr: 0x02_00_00_00_00_00, addresses: [new Ipv4Cidr(0x7f00_0001, 8)], mtu: LOOPBACK_MTU, rxBudget: 32 });
  iface.ipv6.addAddress(new Ipv6Cidr(1n, 128));
  // A memory-to-memory link cannot corrupt frames: skip TCP/UDP checksums, as Linux does on lo.
  return { name: 'lo', iface, sockets: new SocketSet(), device: new Loopback(128, true, LOOPBACK_MTU), fd: -1, dns: [] };
}

/** Opens /scheme/nic/N and sets up an interface from its config; overrides win over it. */
export function nicLink(n: number, overrides: Map<string, string>): Link {
  const cfg = parseConfig(mh.readText(`/scheme/nic/${n}/config`));
  for (const [k, v] of overrides) cfg.set(k, v);
  const fd = mh.open(`/scheme/nic/${n}/batch`, mh.O.RDWR | mh.O.NONBLOCK);
  const addresses: Ipv4Cidr[] = [];
  const addr = cfg.get('addr');
  if (addr) {
    const [a, len] = addr.split('/');
    const v = ipv4(a ?? '');
    if (v === null) throw new Error(`nic ${n}: bad addr ${addr}`);
    addresses.push(new Ipv4Cidr(v, Number(len ?? 24)));
  }
  const gw = cfg.get('gateway') ? ipv4(cfg.get('gateway')!) : null;
  const mtu = Number(cfg.get('mtu') ?? 1500);
  const iface = new Interface({ hardwareAddr: mac(cfg.get('mac') ?? '02:00:00:00:00:10'), addresses, gateway: gw ?? undefined, mtu });
  for (const a of (cfg.get('addr6') ?? '').split(/[ ,]+/).filter(Boolean)) iface.ipv6.addAddress(Ipv6Cidr.parse(a.includes('/') ? a : `${a}/64`) ?? fail(`nic ${n}: bad addr6 ${a}`));
  const gw6 = cfg.get('gateway6');
  if (gw6) iface.ipv6.gateway = (Ipv6Cidr.parse(gw6) ?? fail(`nic ${n}: bad gateway6 ${gw6}`)).address;
  iface.ipv6.autoconf = cfg.get('autoconf6') !== 'off' && !cfg.get('dhcp');
  const dns = parseList(cfg.get('dns'));
  const link: Link = { name: `eth${n}`, iface, sockets: new SocketSet(), device: new NicDevice(fd, mtu), fd, dns };
  const pool = cfg.get('dhcp');
  if (pool) {
    const [first, last] = pool.split('-').map((a) => ipv4(a.trim()));
    const own = addresses[0];
    if (!own || first == null || last == null || first > last || !own.contains(first) || !own.contains(last)) throw new Error(`nic ${n}: bad dhcp pool ${pool} (want FIRST-LAST inside the link's addr)`);
    link.nat = cfg.get('nat') === 'on';
    // As the guests' router netd is also their name server's way out: hand on the uplink's.
    link.dhcp = new DhcpServer(link.sockets, { server: own, poolFirst: first, poolLast: last, router: link.nat ? own.address : undefined, dns: parseList(cfg.get('dhcp_dns')) });
  }
  return link;
}

function fail(message: string): never {
  throw new Error(message);
}

function parseList(text: string | undefined): Ipv4Address[] {
  return (text ?? '').split(/[ ,]+/).map((s) => ipv4(s)).filter((x): x is number => x !== null);
}

/** The nic links the kernel offers netd (/scheme/nic/0, 1, ...): all but guest ports (`role=guest`, for `vm`). */
export function nicIndexes(): number[] {
  if (!mh.exists('/scheme/nic')) return [];
  return mh.readdir('/scheme/nic').map((d) => Number(d.name)).filter((n) => Number.isInteger(n))
    .filter((n) => parseConfig(mh.readText(`/scheme/nic/${n}/config`)).get('role') !== 'guest').sort((a, b) => a - b);
}

/** The link that carries traffic to `dst` (in the link `zone` names, if any), or null when none routes it. */
export function linkFor(links: readonly Link[], dst: IpAddress, zone?: string): Link | null {
  const lo = links[0]!;
  if (isLoopbackIp(dst)) return lo;
  // One of our own addresses goes through the loopback. Only the nic links say which addresses
  // are ours: the loopback keeps copies of them, which may outlive an address deleted or expired.
  if (links.some((l, i) => i > 0 && l.iface.hasAddress(dst))) {
    shareAddress(links, dst); // an address taken since start (SLAAC)
    return lo;
  }
  if (zone !== undefined) return links.find((l) => l.name === zone) ?? null;
  if (typeof dst === 'bigint') {
    const v6 = (l: Link) => l.iface.ipv6;
    for (const l of links.slice(1)) if (v6(l).addresses.some((c) => c.prefixLen < 128 && c.contains(dst))) return l;
    if (dst >> 118n === 0x3fan) return links[1] ?? null; // fe80::/10 without a zone
    for (const l of links.slice(1)) if (v6(l).nextHop(dst, 0) !== null) return l;
    return null;
  }
  // A link the destination is directly on wins over another link's default route.
  for (const l of links.slice(1)) if (l.iface.addresses.some((c) => c.contains(dst))) return l;
  for (const l of links.slice(1)) if (l.iface.nextHop(dst) !== null) return l;
  return null;
}

/** Lets the loopback answer to every address of the other links too. */
export function shareAddresses(links: readonly Link[]): void {
  for (const l of links.slice(1)) for (const c of [...l.iface.addresses, ...l.iface.ipv6.addresses]) shareAddress(links, c.address);
}

/** Lets the loopback answer to `a`, an address of a nic link, as to its own. */
export function shareAddress(links: readonly Link[], a: IpAddress): void {
  const lo = links[0]!.iface;
  if (lo.hasAddress(a)) return;
  if (typeof a === 'bigint') lo.ipv6.addAddress(new Ipv6Cidr(a, 128));
  else lo.addresses.push(new Ipv4Cidr(a, 32));
}

/** Drops the loopback's copy of `a` once no nic link has that address any more. */
export function unshareAddress(links: readonly Link[], a: IpAddress): void {
  const lo = links[0]!;
  if (isLoopbackIp(a) || links.some((l, i) => i > 0 && l.iface.hasAddress(a))) return;
  if (typeof a === 'bigint') lo.iface.ipv6.removeAddress(a);
  else lo.iface.addresses = lo.iface.addresses.filter((c) => c.address !== a);
}

export function describe(l: Link): string {
  const addrs = [...l.iface.addresses, ...l.iface.ipv6.addresses].map((c) => `${formatIp(c.address)}/${c.prefixLen}`).join(' ');
  return `${l.name} ${addrs || '(no address)'}`;
}
