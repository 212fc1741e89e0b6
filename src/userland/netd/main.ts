// netd: the network daemon. It owns the TCP/IP stack (src/net) and serves it as three
// schemes, tcp:, udp: and icmp: (tcp.ts, dgram.ts), over the loopback and every kernel nic
// link (links.ts), and its configuration and state as netcfg: (netcfg.ts). Once set up it
// enters capability mode: it keeps only the descriptors it holds (its schemes, its links, an
// event queue and a timer).
//
// Usage: netd [-v] [--ready FD] [--no-nic] [--nic N] [--set key=value]...
//   --ready FD     write one byte to FD once the schemes are registered
//   --no-nic       serve the loopback only
//   --nic N        use only /scheme/nic/N (default: every nic link, eth0, eth1, ...)
//   --set k=v      override the first link's config (addr=10.0.0.5/24, gateway=10.0.0.1, ...)
//
// A link whose config has `dhcp=` gets a DHCP server, and with `nat=on` netd routes its hosts
// (hypervisor guests) out through the other links (guestnat.ts).
//
// The loop: wait on the event queue for a scheme request, a frame, or the timer armed at the
// stack's next deadline; serve what came; poll every interface until nothing moves; answer
// held requests and report readiness changes; arm the timer again. A scheme that just had
// requests is asked for more directly (its descriptor is non-blocking) before going back to
// the event queue, and the queue is read without sleeping while the stack has work due. Frames
// move in batches (links.ts): every link is drained into the stack before the daemon sleeps,
// and what the stack sent goes out in one write per link after each pass. A link served
// through a nic ring (ring.ts) is read and written in shared memory; with one such link netd
// sleeps on the ring's doorbell instead of in the kernel, and reads its event queue without
// sleeping (docs/network.md, "The nic ring").

import * as mh from 'libmh';
import { EVENT_BELL, EVENT_RECORD } from '../../abi/scheme.js';
import { describe, loopbackLink, nicIndexes, nicLink, shareAddresses, type Link, type NicPort } from './links.js';
import { ringDevice, RingNicDevice } from './ring.js';
import { guestNat, type GuestNat } from './guestnat.js';
import { TcpService } from './tcp.js';
import { IcmpService, UdpService } from './dgram.js';
import { NetcfgService } from './netcfg.js';

const TOKEN_TIMER = 100;
const TOKEN_NIC = 200;

export async function main(argv: string[]): Promise<number> {
  let ready = -1;
  let useNic = true;
  let verbose = false;
  let nicIndex = -1;
  const overrides = new Map<string, string>();
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--ready') ready = Number(argv[++i]);
    else if (a === '--no-nic') useNic = false;
    else if (a === '-v') verbose = true;
    else if (a === '--nic') nicIndex = Number(argv[++i]);
    else if (a === '--set') {
      const kv = argv[++i] ?? '';
      const eq = kv.indexOf('=');
      overrides.set(kv.slice(0, eq), kv.slice(eq + 1));
    } else {
      mh.eprintln(`netd: unknown option ${a}\nusage: netd [--ready FD] [--no-nic] [--nic N] [--set key=value]...`);
      return 2;
    }
  }

  const links: Link[] = [loopbackLink()];
  if (useNic) {
    const nics = nicIndexes().filter((n) => nicIndex < 0 || n === nicIndex);
    nics.forEach((n, i) => links.push(nicLink(n, i === 0 ? overrides : new Map())));
  }
  // A link with a nic ring moves its frames through shared memory instead of the descriptor.
  for (const l of links) {
    if (l.fd < 0) continue;
    const ring = await ringDevice(l.fd, l.device.caps.mtu);
    if (ring) l.device = ring;
  }
  shareAddresses(links);
  const nats: GuestNat[] = [];
  for (const l of links) {
    if (!l.nat) continue;
    nats.push(guestNat(l, links));
    // The guests' name servers are ours, reached through the NAT like any other destination.
    if (l.dhcp && !l.dhcp.config.dns?.length) l.dhcp.config.dns = links.flatMap((o) => o.dns);
  }
  if (verbose) for (const l of links) mh.eprintln(`netd: ${describe(l)}${l.dhcp ? ' (dhcp server' + (l.nat ? ', nat)' : ')') : ''}`);

  const tcp = new TcpService(links);
  const udp = new UdpService(links);
  const icmp = new IcmpService(links);
  const services = [tcp, udp, icmp];
  const servers = [
    (tcp.server = new mh.SchemeServer(mh.schemeCreate('tcp'), tcp)),
    (udp.server = new mh.SchemeServer(mh.schemeCreate('udp'), udp)),
    (icmp.server = new mh.SchemeServer(mh.schemeCreate('icmp'), icmp)),
    new mh.SchemeServer(mh.schemeCreate('netcfg'), new NetcfgService(links)),
  ];
  // Scheme descriptors are non-blocking: the loop asks a busy scheme for more requests directly
  // and only goes to the event queue when it has none (one syscall instead of two per request).
  for (const sv of servers) mh.fcntl(sv.fd, mh.F.SETFL, mh.O.NONBLOCK);
  const ev = mh.open('/scheme/event', mh.O.RDWR);
  const timer = mh.open('/scheme/time/realtime', mh.O.RDWR);
  const watch: number[] = [];
  servers.forEach((s, i) => watch.push(s.fd, 1, i));
  watch.push(timer, 1, TOKEN_TIMER);
  const rings = links.filter((l) => l.device instanceof RingNicDevice);
  const bell = rings.length === 1 ? (rings[0]!.device as RingNicDevice) : null;
  links.forEach((l, i) => l.fd >= 0 && watch.push(l.fd, l.device === bell ? EVENT_BELL : 1, TOKEN_NIC + i));
  mh.write(ev, new Uint8Array(new Float64Array(watch).buffer));
  // Sleeping on the doorbell, netd only ever looks at its event queue.
  if (bell) mh.fcntl(ev, mh.F.SETFL, mh.O.NONBLOCK);
  writeResolvConf(links);

  if (ready >= 0) {
    mh.write(ready, 'r');
    mh.close(ready);
  }
  mh.mkns([]);

  const nics = links.filter((l) => l.fd >= 0).map((l) => l.device as NicPort);
  const events = new Uint8Array(EVENT_RECORD * 16);
  const evView = new Float64Array(events.buffer);
  const when = new Uint8Array(16);
  const whenView = new DataView(when.buffer);
  const scratch = new Uint8Array(16);
  let armed = Infinity;
  let evNonblock = false;
  /** The kernel's ring count when the event queue was last read and found empty. */
  let quietAt = NaN;
  let hot: mh.SchemeServer | null = null;
  let hotRuns = 0;
  const stats = { since: Date.now(), loops: 0, busy: 0, served: 0 };
  for (;;) {
    // Work first: the stack may have output due before anything new arrives.
    const now = Date.now();
    for (let round = 0; round < 64; round++) {
      let moved = false;
      for (const l of links) {
        if (l.iface.poll(now, l.device, l.sockets)) moved = true;
        l.dhcp?.poll(now);
      }
      for (const n of nats) {
        const a = n.gateway.poll(now);
        const b = n.host.pump();
        if (a || b) moved = true;
      }
      for (const s of services) s.pump();
      if (!moved) break;
    }
    // Frames the rounds sent leave together, one write per link, before any sleep.
    for (const d of nics) d.flush();
    for (const s of servers) s.flush();
    // A scheme that just had requests probably has more: take them without the event queue,
    // a bounded number of times so frames and timers are looked at between.
    if (hot && hotRuns < 16) {
      const r = serve(hot);
      if (r === 'eof') return 0;
      if (r === 'served') {
        hotRuns++;
        stats.served++;
        continue;
      }
      hot = null;
    }
    // Cut short with requests left: the event queue must be read again to find them.
    if (hot) quietAt = NaN;
    hot = null;
    hotRuns = 0;
    let due = Infinity;
    for (const l of links) due = Math.min(due, l.iface.pollAt(now, l.sockets));
    for (const n of nats) due = Math.min(due, n.gateway.pollAt());
    // Work already due (more segments than one round moves): look for news without sleeping.
    // So is a frame read into netd's buffer but not yet taken: the kernel reports it no more.
    const busy = due <= Date.now() || nics.some((d) => d.pending);
    if (busy !== evNonblock && !bell) {
      mh.fcntl(ev, mh.F.SETFL, busy ? mh.O.NONBLOCK : 0);
      evNonblock = busy;
    }
    if (!busy && due !== armed && due !== Infinity && !bell) {
      // The realtime clock in milliseconds, as Date.now() reads it in this process.
      whenView.setFloat64(0, Math.floor(due / 1000), true);
      whenView.setFloat64(8, (due % 1000) * 1e6, true);
      mh.write(timer, when);
      armed = due;
    }
    let n = 0;
    stats.loops++;
    if (busy) stats.busy++;
    // -v: a line of loop counters every few seconds, for whoever tunes the daemon.
    if (verbose && Date.now() - stats.since > 5000) {
      mh.eprintln(`netd: ${JSON.stringify(stats)}`);
      stats.since = Date.now();
    }
    const seq = bell?.bellSeq() ?? 0;
    // On the doorbell, the queue is read only when the kernel rang since it was last found
    // empty: frames alone cost no system call.
    const kseq = bell?.kernelSeq() ?? 0;
    if (!bell || kseq !== quietAt) {
      try {
        n = mh.read(ev, events);
      } catch (e) {
        if (!(e instanceof mh.MhError && e.errno === mh.Errno.EAGAIN)) throw e;
      }
      // Found empty, or holding only what this turn takes in full (one scheme, drained
      // below until it has no more): nothing is left that the kernel would not ring for.
      const served = evView.filter((t, i) => i % 3 === 2 && i < (n / EVENT_RECORD) * 3 && t < servers.length).length;
      quietAt = n === 0 || (n < events.length && served <= 1) ? kseq : NaN;
    }
    // Nothing to do: sleep until a frame, an event or the stack's next deadline.
    if (bell && n === 0 && !busy) bell.sleep(seq, due - Date.now());
    for (let i = 0; i < n / EVENT_RECORD; i++) {
      const token = evView[i * 3 + 2]!;
      if (token < servers.length) {
        const r = serve(servers[token]!);
        if (r === 'eof') return 0;
        if (r === 'served') {
          stats.served++;
          hot = servers[token]!;
        }
      } else if (token === TOKEN_TIMER) {
        mh.read(timer, scratch); // clears the fired state
        armed = Infinity;
      } else if (token >= TOKEN_NIC) {
        const dev = links[token - TOKEN_NIC]!.device as NicPort;
        dev.readable = true;
      }
    }
  }
}

/** Takes one batch of requests from a non-blocking scheme descriptor, if there is one. */
function serve(server: mh.SchemeServer): 'served' | 'empty' | 'eof' {
  try {
    return server.serveOnce() ? 'served' : 'eof';
  } catch (e) {
    if (e instanceof mh.MhError && e.errno === mh.Errno.EAGAIN) return 'empty';
    throw e;
  }
}

/**
 * Writes /etc/resolv.conf from the links' dns servers, and a minimal /etc/hosts when there is
 * none, when the file system allows it (before capability mode: netd opens nothing later).
 */
function writeResolvConf(links: Link[]): void {
  const dns = links.flatMap((l) => l.dns);
  try {
    if (!mh.exists('/etc')) mh.mkdir('/etc', 0o755);
    if (!mh.exists('/etc/hosts')) mh.writeFile('/etc/hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n', 0o644);
    if (dns.length) mh.writeFile('/etc/resolv.conf', dns.map((a) => `nameserver ${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}\n`).join(''), 0o644);
  } catch {
    // No writable root (yet): programs fall back to literal addresses and localhost.
  }
}
