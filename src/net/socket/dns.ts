// A stub DNS resolver (RFC 1035 section 7, the client side): it sends recursive A queries to
// the configured servers over a UDP socket, retransmits with backoff and moves to the next
// server on silence or failure, checks that an answer matches the question (id, name and the
// server it was asked of), and follows CNAME chains within the answer. Like every socket it
// is polled with the caller's clock; `getaddrinfo` in netd will sit on top of it.
import type { Ipv4Address } from '../wire/address.js';
import { DNS_PORT, DnsPacket, DnsRcode, DnsType, dnsBufferLen, dnsQuery, emitDns, parseDns, validDnsName, type DnsRepr } from '../wire/dns.js';
import { UdpSocket } from './udp.js';
import type { SocketSet } from './set.js';

export type DnsQueryError = 'invalid-name' | 'no-servers' | 'too-many-queries';
export type DnsResult = Ipv4Address[] | 'pending' | 'nxdomain' | 'failed' | 'timeout';

interface Query {
  name: string;
  id: number;
  server: number;
  attempts: number;
  nextSend: number;
  result: DnsResult;
}

export interface DnsResolverOptions {
  /** First retransmission timeout in ms; doubled per attempt. */
  timeout?: number;
  /** Attempts in all, spread over the servers in turn. */
  attempts?: number;
  maxQueries?: number;
}

export class DnsResolver {
  readonly socket: UdpSocket;
  private readonly queries = new Map<number, Query>();
  private nextHandle = 1;
  private readonly rxBuf = new Uint8Array(1500);
  private readonly timeout: number;
  private readonly attempts: number;
  private readonly maxQueries: number;

  constructor(sockets: SocketSet, public servers: Ipv4Address[], private readonly random: () => number, options: DnsResolverOptions = {}) {
    this.socket = sockets.add(new UdpSocket({ rxSlots: 16, rxBytes: 16_384, txSlots: 16, txBytes: 8192 }));
    this.socket.bind(sockets.ephemeralPort());
    this.timeout = options.timeout ?? 1000;
    this.attempts = options.attempts ?? 6;
    this.maxQueries = options.maxQueries ?? 32;
  }

  /** Starts resolving `name`; returns a handle for result(). */
  query(name: string, now: number): number | DnsQueryError {
    name = name.replace(/\.$/, '').toLowerCase();
    if (name === '' || !validDnsName(name)) return 'invalid-name';
    if (this.servers.length === 0) return 'no-servers';
    if (this.queries.size >= this.maxQueries) return 'too-many-queries';
    const h = this.nextHandle++;
    this.queries.set(h, { name, id: this.random() & 0xffff, server: 0, attempts: 0, nextSend: now, result: 'pending' });
    return h;
  }

  /** The outcome so far. A finished query is forgotten once its result has been read. */
  result(handle: number): DnsResult {
    const q = this.queries.get(handle);
    if (!q) return 'failed';
    if (q.result !== 'pending') this.queries.delete(handle);
    return q.result;
  }

  poll(now: number): void {
    for (let d = this.socket.recvFrom(this.rxBuf); typeof d === 'object'; d = this.socket.recvFrom(this.rxBuf)) {
      if (d.port !== DNS_PORT) continue;
      const p = DnsPacket.checked(this.rxBuf.subarray(0, d.len));
      if (typeof p === 'string') continue;
      const r = parseDns(p);
      if (typeof r === 'string' || !r.response) continue;
      for (const q of this.queries.values()) {
        if (q.result === 'pending' && q.id === r.id && this.servers[q.server] === d.addr && r.questions[0]?.name.toLowerCase() === q.name) {
          this.answer(now, q, r);
          break;
        }
      }
    }
    for (const q of this.queries.values()) {
      if (q.result !== 'pending' || now < q.nextSend) continue;
      if (q.attempts >= this.attempts) {
        q.result = 'timeout';
        continue;
      }
      if (q.attempts > 0) q.server = (q.server + 1) % this.servers.length;
      const msg = dnsQuery(q.id, q.name, DnsType.A);
      const b = new Uint8Array(dnsBufferLen(msg));
      emitDns(msg, b);
      if (this.socket.sendTo(b, this.servers[q.server]!, DNS_PORT) !== null) continue;
      q.attempts++;
      q.nextSend = now + this.timeout * 2 ** Math.floor((q.attempts - 1) / this.servers.length);
    }
  }

  pollAt(): number {
    let t = Infinity;
    for (const q of this.queries.values()) if (q.result === 'pending') t = Math.min(t, q.nextSend);
    return t;
  }

  private answer(now: number, q: Query, r: DnsRepr): void {
    if (r.rcode === DnsRcode.NXDomain) {
      q.result = 'nxdomain';
      return;
    }
    if (r.rcode !== DnsRcode.NoError || r.truncated) {
      // This server cannot help; the next attempt goes to the next one.
      q.nextSend = now;
      if (q.attempts >= this.attempts) q.result = 'failed';
      return;
    }
    // Follow the CNAME chain from the question's name (bounded, in case of a loop).
    let name = q.name;
    for (let hops = 0; hops < 8; hops++) {
      const c = r.answers.find((a) => a.name.toLowerCase() === name && a.data.type === DnsType.CNAME);
      if (!c || !('name' in c.data)) break;
      name = c.data.name.toLowerCase();
    }
    const addrs: Ipv4Address[] = [];
    for (const a of r.answers) if (a.name.toLowerCase() === name && a.data.type === DnsType.A && 'address' in a.data) addrs.push(a.data.address as number);
    q.result = addrs.length ? addrs : 'nxdomain';
  }
}
