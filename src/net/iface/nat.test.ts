// The user-mode NAT core: a guest behind the gateway reaches "outside" services through a
// host socket layer — an in-memory fake with deterministic timing, then Node's own `net` on
// 127.0.0.1 for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import dgram from 'node:dgram';
import { UdpSocket } from '../socket/udp.js';
import { SimPair } from './sim.js';
import { NatGateway, type HostNet, type HostTcp, type HostTcpEvents } from './nat.js';
import { nodeHostNet as hostNet } from '../../host/node/nat.js';
import { TcpSocket, TcpState } from '../socket/tcp.js';
import { formatIp, formatIpv4, ip, type Ipv4Address } from '../wire/address.js';
import { pattern } from '../testkit.js';

/** An "internet" in memory: services by address:port, events delivered on tick(). */
class FakeHost implements HostNet {
  readonly queue: (() => void)[] = [];
  connections = 0;
  constructor(readonly services: Map<string, (c: { send(d: Uint8Array): void; end(): void }) => { data(d: Uint8Array): void; end(): void }>) {}

  tick(): boolean {
    const q = this.queue.splice(0);
    for (const f of q) f();
    return q.length > 0;
  }

  /** UDP services: a function from request to reply, by address:port. */
  readonly udpServices = new Map<string, (d: Uint8Array) => Uint8Array>();
  udpSockets = 0;

  openUdp(onMessage: (data: Uint8Array, addr: Ipv4Address, port: number) => void) {
    this.udpSockets++;
    return {
      send: (d: Uint8Array, addr: Ipv4Address, port: number) => {
        const svc = this.udpServices.get(`${formatIpv4(addr)}:${port}`);
        if (svc) this.queue.push(() => onMessage(svc(d), addr, port));
      },
      close: () => {
        this.udpSockets--;
      },
    };
  }

  connectTcp(addr: Ipv4Address, port: number, ev: HostTcpEvents): HostTcp {
    const svc = this.services.get(`${formatIpv4(addr)}:${port}`);
    let closed = false;
    let paused = false;
    const held: (() => void)[] = [];
    const deliver = (f: () => void) => this.queue.push(() => (paused ? held.push(f) : f()));
    if (!svc) {
      this.queue.push(() => ev.onError('refused'));
      return { write: () => false, end() {}, destroy() {}, pause() {}, resume() {} };
    }
    this.connections++;
    const peer = svc({ send: (d) => deliver(() => ev.onData(d.slice())), end: () => deliver(() => ev.onEnd()) });
    this.queue.push(() => ev.onConnect());
    return {
      write: (d) => {
        if (!closed) this.queue.push(() => peer.data(d));
        return true;
      },
      end: () => this.queue.push(() => peer.end()),
      destroy: () => {
        closed = true;
      },
      pause: () => {
        paused = true;
      },
      resume: () => {
        paused = false;
        for (const f of held.splice(0)) this.queue.push(f);
      },
    };
  }
}

function setup(host: HostNet & { tick?(): boolean }) {
  const sim = new SimPair();
  sim.a.iface.routes.addDefault(sim.b.addr); // the guest's gateway is B
  const nat = new NatGateway(sim.b.iface, sim.b.sockets, host, { hostAlias: sim.b.addr });
  sim.tickers.push({
    poll: (now) => {
      host.tick?.();
      nat.poll(now);
    },
    pollAt: () => ((host as FakeHost).queue?.length ? 0 : nat.pollAt()),
  });
  return { sim, nat };
}

test('nat: a guest talks to an outside echo service and a bulk source through host sockets', () => {
  const services = new Map<string, (c: { send(d: Uint8Array): void; end(): void }) => { data(d: Uint8Array): void; end(): void }>();
  services.set('93.184.216.34:7', (c) => ({ data: (d) => c.send(d), end: () => c.end() }));
  services.set('93.184.216.34:19', (c) => {
    const all = pattern(1_000_000, 77);
    for (let o = 0; o < all.length; o += 60_000) c.send(all.subarray(o, o + 60_000));
    c.end();
    return { data() {}, end() {} };
  });
  const host = new FakeHost(services);
  const { sim, nat } = setup(host);
  const echo = sim.a.sockets.add(new TcpSocket());
  echo.connect(ip('93.184.216.34'), 7, 40000);
  const bulk = sim.a.sockets.add(new TcpSocket());
  bulk.connect(ip('93.184.216.34'), 19, 40001);
  const up = pattern(300_000, 5);
  const gotEcho = new Uint8Array(up.length);
  const gotBulk = new Uint8Array(1_000_000);
  let sent = 0, ne = 0, nb = 0;
  const buf = new Uint8Array(65536);
  assert.ok(sim.runUntil(() => {
    if (echo.state === TcpState.Established && sent < up.length) sent += echo.send(up.subarray(sent)) as number;
    if (sent === up.length && !echo.finQueued && echo.state === TcpState.Established) echo.close();
    for (let n = echo.recv(buf); typeof n === 'number' && n > 0; n = echo.recv(buf)) gotEcho.set(buf.subarray(0, n), (ne += n) - n);
    for (let n = bulk.recv(buf); typeof n === 'number' && n > 0; n = bulk.recv(buf)) gotBulk.set(buf.subarray(0, n), (nb += n) - n);
    return ne === up.length && nb === gotBulk.length && echo.recv(buf) === 'finished' && bulk.recv(buf) === 'finished';
  }, 600_000));
  assert.deepEqual(gotEcho, up);
  assert.deepEqual(gotBulk, pattern(1_000_000, 77));
  // The guest sees the outside address as its peer; the gateway made two host connections.
  assert.equal(formatIp(echo.remoteAddr), '93.184.216.34');
  assert.equal(host.connections, 2);
  bulk.close();
  assert.ok(sim.runUntil(() => nat.flows.length === 0, sim.now + 600_000));
  assert.equal(nat.counts.closed, 2);
});

test('nat: UDP from a guest goes out through a host socket and the reply comes back from the service', () => {
  const host = new FakeHost(new Map());
  host.udpServices.set('8.8.8.8:53', (d) => Uint8Array.from(d, (x) => x ^ 0xff));
  const { sim, nat } = setup(host);
  const u = sim.a.sockets.add(new UdpSocket());
  u.bind(5353);
  for (let i = 0; i < 3; i++) u.sendTo(new Uint8Array([i, 1, 2]), ip('8.8.8.8'), 53);
  assert.ok(sim.runUntil(() => u.rx.length === 3));
  const buf = new Uint8Array(16);
  const d = u.recvFrom(buf);
  assert.ok(typeof d === 'object');
  assert.equal(formatIp(d.addr), '8.8.8.8');
  assert.equal(d.port, 53);
  assert.deepEqual([...buf.subarray(0, d.len)], [0xff, 0xfe, 0xfd]);
  assert.equal(host.udpSockets, 1); // one host socket for the guest's one port
  assert.equal(nat.udpFlows.size, 1);
  sim.runFor(70_000);
  assert.equal(nat.udpFlows.size, 0); // idle flows are closed
  assert.equal(host.udpSockets, 0);
});

test('nat: a connection the host refuses is reset for the guest', () => {
  const host = new FakeHost(new Map());
  const { sim, nat } = setup(host);
  const c = sim.a.sockets.add(new TcpSocket());
  c.connect(ip('198.51.100.1'), 80, 40000);
  assert.ok(sim.runUntil(() => c.state === TcpState.Closed));
  assert.equal(c.error, 'reset');
  assert.equal(nat.counts.refused, 1);
});

/** The host adapter MACROHARD boots with (src/host/node/nat.ts); the tests poll by themselves. */
function nodeHostNet(open: Set<net.Socket | net.Server | dgram.Socket>): HostNet {
  return hostNet(open, () => undefined);
}

/** Runs the simulation in real time until done() or the deadline, letting Node's I/O in. */
async function realTime(sim: SimPair, done: () => boolean, ms = 20_000): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    sim.now = Date.now() - t0;
    while (sim.step()) {}
    if (done()) return true;
    await new Promise((r) => setImmediate(r));
  }
  return false;
}

test('nat: through Node sockets to a server on the host\'s 127.0.0.1', async () => {
  const server = net.createServer((s) => s.pipe(s)); // echo
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const open = new Set<net.Socket | net.Server | dgram.Socket>();
  const nodeHost = nodeHostNet(open);
  const { sim } = setup(nodeHost);
  try {
    const c = sim.a.sockets.add(new TcpSocket());
    // The gateway's own address stands for the host's loopback.
    c.connect(sim.b.addr, port, 40000);
    const data = pattern(2_000_000, 9);
    const got = new Uint8Array(data.length);
    let sent = 0, n = 0;
    const buf = new Uint8Array(65536);
    const t0 = Date.now();
    while (Date.now() - t0 < 20_000) {
      sim.now = Date.now() - t0;
      while (sim.step()) {}
      if (c.state === TcpState.Established && sent < data.length) sent += c.send(data.subarray(sent)) as number;
      for (let k = c.recv(buf); typeof k === 'number' && k > 0; k = c.recv(buf)) got.set(buf.subarray(0, k), (n += k) - k);
      if (n === data.length) break;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(n, data.length);
    assert.deepEqual(got, data);
    c.close();
  } finally {
    for (const s of open) if (s instanceof net.Socket) s.destroy();
    for (const s of open) if (s instanceof dgram.Socket) s.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('nat: a port forward lets a host client reach a guest\'s server', async () => {
  const open = new Set<net.Socket | net.Server | dgram.Socket>();
  const { sim, nat } = setup(nodeHostNet(open));
  const l = sim.a.sockets.add(new TcpSocket());
  l.listen(80);
  const fwd = nat.forward(0, sim.a.addr, 80);
  assert.ok(typeof fwd === 'object');
  for (let i = 0; i < 1000 && fwd.port === 0; i++) await new Promise((r) => setImmediate(r));
  const client = net.connect({ host: '127.0.0.1', port: fwd.port });
  open.add(client);
  const chunks: Buffer[] = [];
  client.on('data', (d) => chunks.push(d));
  let ended = false;
  client.on('end', () => (ended = true));
  client.end('GET / HTTP/1.0\r\n\r\n');
  try {
    // The guest's server answers with a greeting and closes.
    let s: TcpSocket | null = null;
    let request = '';
    const buf = new Uint8Array(1024);
    assert.ok(await realTime(sim, () => {
      s ??= l.accept();
      if (s) {
        const n = s.recv(buf);
        if (typeof n === 'number' && n > 0) request += Buffer.from(buf.subarray(0, n)).toString();
        if (n === 'finished' && s.maySend) {
          s.send(new TextEncoder().encode(`hello from the guest, you sent ${request.length} bytes\n`));
          s.close();
        }
      }
      return ended;
    }));
    assert.equal(request, 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(Buffer.concat(chunks).toString(), 'hello from the guest, you sent 18 bytes\n');
    assert.equal(nat.counts.opened, 1);
  } finally {
    fwd.close();
    for (const x of open) if (x instanceof net.Socket) x.destroy();
    for (const x of open) if (x instanceof dgram.Socket) x.close();
  }
});

test('nat: UDP through a Node dgram socket to an echo service on 127.0.0.1', async () => {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', () => r()));
  const open = new Set<net.Socket | net.Server | dgram.Socket>();
  const { sim } = setup(nodeHostNet(open));
  try {
    const u = sim.a.sockets.add(new UdpSocket());
    u.bind(4000);
    u.sendTo(new TextEncoder().encode('ping'), sim.b.addr, echo.address().port);
    assert.ok(await realTime(sim, () => u.rx.length === 1, 10_000));
    const buf = new Uint8Array(16);
    const d = u.recvFrom(buf);
    assert.ok(typeof d === 'object');
    assert.equal(Buffer.from(buf.subarray(0, d.len)).toString(), 'ping');
    assert.equal(d.addr, sim.b.addr); // the host's loopback shows as the gateway
  } finally {
    for (const x of open) if (x instanceof dgram.Socket) x.close();
    echo.close();
  }
});
