// User-mode networking on a Node host: a kernel link whose far end is a NAT gateway (the
// stack's NatGateway, src/net/iface/nat.ts) living in the host process. MACROHARD's network
// daemon sees an Ethernet segment 10.0.2.0/24 with the gateway at 10.0.2.2, as under QEMU's
// slirp; every TCP connection and UDP flow it opens to the outside becomes a socket of this
// Node process, and port forwards (`hostfwd=tcp::8080-:80`) listen on the host and open
// connections into MACROHARD. Nothing needs privileges. The gateway's own address stands for
// the host's 127.0.0.1, and 10.0.2.3 is a DNS server answering from the host's resolver.
//
// The gateway has no thread of its own: it is polled when a frame comes from the daemon, when
// a host socket has news, and at the deadline its stack asks for (an unref'd timer).

import * as dgram from 'node:dgram';
import { lookup } from 'node:dns';
import * as net from 'node:net';
import type { NicLink } from '../../kernel/schemes/nic.js';
import { FrameQueue, type Device } from '../../net/iface/device.js';
import { Interface } from '../../net/iface/interface.js';
import { NatGateway, type HostListener, type HostNet, type HostTcp, type HostTcpEvents } from '../../net/iface/nat.js';
import { SocketSet } from '../../net/socket/set.js';
import { formatIpv4, formatMac, ip, Ipv4Cidr } from '../../net/wire/address.js';
import { DnsPacket, DnsRcode, DnsType, dnsBufferLen, emitDns, parseDns, type DnsRecord } from '../../net/wire/dns.js';
import { linkConfig, type NetOption } from './nic.js';

export const GUEST_ADDR = '10.0.2.15';
export const GATEWAY_ADDR = '10.0.2.2';
/** The name server MACROHARD is given: the gateway answers there from the host's resolver. */
export const DNS_ADDR = '10.0.2.3';
const GUEST_MAC = 0x52_54_00_12_34_56;
const GATEWAY_MAC = 0x52_55_0a_00_02_02;

const ipOf = (s: string): number => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);

/**
 * Answers one DNS query from the host's own resolver (getaddrinfo: its hosts file, a local
 * resolver such as 127.0.0.53, whatever it uses), as slirp's DNS proxy does: A questions get
 * the host's IPv4 addresses, anything else NOTIMP; `reply` gets the encoded answer.
 */
export function relayDns(query: Uint8Array, reply: (answer: Uint8Array) => void): void {
  const p = DnsPacket.checked(query);
  if (typeof p === 'string') return;
  const q = parseDns(p);
  if (typeof q === 'string' || q.response || q.questions.length !== 1) return;
  const question = q.questions[0]!;
  const answer = (rcode: number, answers: DnsRecord[]) => {
    const r = { ...q, response: true, recursionAvailable: true, rcode, answers, authorities: [], additionals: [] };
    const out = new Uint8Array(dnsBufferLen(r));
    emitDns(r, out);
    reply(out);
  };
  if (question.type !== DnsType.A) return answer(DnsRcode.NotImp, []);
  lookup(question.name, { family: 4, all: true }, (err, addrs) => {
    if (err) return answer(err.code === 'ENOTFOUND' ? DnsRcode.NXDomain : DnsRcode.ServFail, []);
    answer(DnsRcode.NoError, addrs.map((a) => ({ name: question.name, class: 1, ttl: 60, data: { type: DnsType.A, address: ipOf(a.address) } })));
  });
}

/**
 * HostNet over Node's net and dgram; `activity` runs after every host event. UDP to `dnsRelay`
 * port 53 is answered by relayDns instead of leaving the host.
 */
export function nodeHostNet(open: Set<net.Socket | net.Server | dgram.Socket>, activity: () => void, listenAddr = '127.0.0.1', dnsRelay = -1): HostNet {
  const wire = (s: net.Socket, ev: () => HostTcpEvents | null): HostTcp => {
    open.add(s);
    const after = (f: (e: HostTcpEvents) => void) => () => {
      const e = ev();
      if (e) f(e);
      activity();
    };
    s.on('connect', after((e) => e.onConnect()));
    s.on('data', (d) => {
      ev()?.onData(new Uint8Array(d.buffer, d.byteOffset, d.length));
      activity();
    });
    s.on('drain', after((e) => e.onDrain()));
    s.on('end', after((e) => e.onEnd()));
    s.on('error', (err) => {
      ev()?.onError(err.message);
      activity();
    });
    s.on('close', () => open.delete(s));
    return { write: (d) => s.write(d), end: () => s.end(), destroy: () => s.destroy(), pause: () => s.pause(), resume: () => s.resume() };
  };
  return {
    connectTcp(addr, port, events) {
      return wire(net.connect({ host: formatIpv4(addr), port, allowHalfOpen: true }), () => events);
    },
    listenTcp(port, accept) {
      const server = net.createServer({ allowHalfOpen: true }, (s) => {
        let events: HostTcpEvents | null = null;
        const conn = wire(s, () => events);
        events = accept(conn);
        activity();
      });
      server.on('error', () => undefined);
      server.listen(port, listenAddr);
      open.add(server);
      const l: HostListener = {
        get port() {
          return (server.address() as net.AddressInfo | null)?.port ?? 0;
        },
        close: () => {
          open.delete(server);
          server.close();
        },
      };
      return l;
    },
    openUdp(onMessage) {
      const s = dgram.createSocket('udp4');
      open.add(s);
      s.on('message', (m, r) => {
        onMessage(new Uint8Array(m.buffer, m.byteOffset, m.length), ipOf(r.address), r.port);
        activity();
      });
      s.on('error', () => undefined);
      s.bind(0);
      return {
        send: (d, addr, port) => {
          if (addr === dnsRelay && port === 53) {
            return relayDns(d, (a) => {
              onMessage(a, dnsRelay, 53);
              activity();
            });
          }
          s.send(d, port, formatIpv4(addr));
        },
        close: () => {
          open.delete(s);
          s.close();
        },
      };
    },
  };
}

/** The gateway's side of the cable: frames from the daemon wait in `inbox`. */
class GatewayEnd implements Device {
  readonly caps = { mtu: 1500 };
  readonly inbox = new FrameQueue(1024);
  rx: ((f: Uint8Array) => void) | null = null;
  receive(): Uint8Array | null {
    return this.inbox.shift();
  }
  transmit(_now: number, frame: Uint8Array): boolean {
    this.rx?.(frame);
    return this.rx !== null;
  }
}

export class NatLink implements NicLink {
  readonly name = 'user';
  readonly config: string;
  readonly iface: Interface;
  readonly sockets = new SocketSet();
  readonly nat: NatGateway;
  /** Host port of each forward, in the order given (0 asks the host for a free one). */
  readonly forwards: HostListener[] = [];
  private readonly end = new GatewayEnd();
  private readonly open = new Set<net.Socket | net.Server | dgram.Socket>();
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private closed = false;
  private readonly t0 = performance.now();

  constructor(opt: NetOption) {
    this.config = linkConfig({ name: this.name, mac: formatMac(GUEST_MAC), mtu: 1500, addr: `${GUEST_ADDR}/24`, gateway: GATEWAY_ADDR, dns: DNS_ADDR });
    // The gateway also owns the DNS address, so it answers ARP for it.
    this.iface = new Interface({ hardwareAddr: GATEWAY_MAC, addresses: [new Ipv4Cidr(ip(GATEWAY_ADDR), 24), new Ipv4Cidr(ip(DNS_ADDR), 24)] });
    const host = nodeHostNet(this.open, () => this.kick(), '127.0.0.1', ip(DNS_ADDR));
    this.nat = new NatGateway(this.iface, this.sockets, host, { hostAlias: ip(GATEWAY_ADDR), hostAliasTarget: ip('127.0.0.1') });
    for (const f of opt.forwards) {
      const l = this.nat.forward(f.hostPort, ip(GUEST_ADDR), f.guestPort);
      if (l !== 'unsupported') this.forwards.push(l);
    }
  }

  attach(rx: (f: Uint8Array) => void): void {
    this.end.rx = rx;
  }

  send(frame: Uint8Array): boolean {
    const ok = this.end.inbox.push(frame);
    this.kick();
    return ok;
  }

  /** Polls the gateway soon (once per turn, however many events asked). */
  private kick(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (this.closed) return;
    const now = performance.now() - this.t0;
    for (let i = 0; i < 64; i++) {
      const a = this.iface.poll(now, this.end, this.sockets);
      const b = this.nat.poll(now);
      if (!a && !b) break;
    }
    if (this.end.inbox.length > 0) return this.kick();
    const at = Math.min(this.iface.pollAt(now, this.sockets), this.nat.pollAt());
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (at !== Infinity) {
      this.timer = setTimeout(() => this.run(), Math.max(0, Math.min(at - now, 2 ** 30)));
      this.timer.unref();
    }
  }

  close(): void {
    this.closed = true;
    this.end.rx = null;
    if (this.timer) clearTimeout(this.timer);
    for (const l of this.forwards) l.close();
    for (const s of this.open) {
      if (s instanceof net.Socket) s.destroy();
      else if (s instanceof net.Server) s.close();
      else s.close();
    }
    this.open.clear();
  }
}
