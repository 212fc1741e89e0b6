// Bulk TCP throughput: MACROHARD's stack talking to itself — two stack instances in this
// process joined by an in-memory Ethernet link (over IPv4, and over IPv6 beside it), and one
// stack over its loopback device; every
// segment built, checksummed, parsed and acknowledged — beside Node's own `net` sockets over
// 127.0.0.1, where the host kernel's TCP does the work. All move the same number of bytes one
// way and report MB/s of wall time.
import type { Benchmark } from './harness.js';
import { NodeTcpPeer } from './node-tcp.js';
import { SimPair } from '../src/net/iface/sim.js';
import { Interface } from '../src/net/iface/interface.js';
import { Loopback } from '../src/net/iface/device.js';
import { SocketSet } from '../src/net/socket/set.js';
import { TcpSocket, TcpState } from '../src/net/socket/tcp.js';
import { Ipv4Cidr, ip } from '../src/net/wire/address.js';
import { Ipv6Cidr } from '../src/net/wire/ipv6.js';

const BYTES = 64 * 1024 * 1024;
const CHUNK = new Uint8Array(256 * 1024).map((_, i) => i & 0xff);

/** Sends BYTES from `client` to `server`, driving the stack with `run`; MB/s of wall time. */
function bulk(run: (done: () => boolean) => boolean, client: TcpSocket, server: TcpSocket): number {
  const sink = new Uint8Array(256 * 1024);
  let sent = 0;
  let received = 0;
  const t0 = performance.now();
  const ok = run(() => {
    while (sent < BYTES) {
      const n = client.send(CHUNK.subarray(0, Math.min(CHUNK.length, BYTES - sent))) as number;
      if (n === 0) break;
      sent += n;
    }
    for (;;) {
      const n = server.recv(sink);
      if (typeof n !== 'number' || n === 0) break;
      received += n;
    }
    return received === BYTES;
  });
  const dt = performance.now() - t0;
  if (!ok) throw new Error(`transfer stalled at ${received} bytes`);
  return BYTES / 1e6 / (dt / 1000);
}

function macrohardBulk(bufferSize: number, checksumOffload = false, family: 4 | 6 = 4): number {
  const sim = new SimPair({ capacity: 1024, checksumOffload });
  const opts = { rxBufferSize: bufferSize, txBufferSize: bufferSize };
  const listener = sim.b.sockets.add(new TcpSocket(opts));
  listener.listen(5001);
  const client = sim.a.sockets.add(new TcpSocket(opts));
  const b6 = Ipv6Cidr.parse('2001:db8::2/64')!;
  if (family === 6) {
    sim.a.iface.ipv6.addAddress(Ipv6Cidr.parse('2001:db8::1/64')!);
    sim.b.iface.ipv6.addAddress(b6);
  }
  client.connect(family === 6 ? b6.address : sim.b.addr, 5001, 40001);
  let server: TcpSocket | null = null;
  if (!sim.runUntil(() => (server ??= listener.accept()) !== null && client.state === TcpState.Established)) throw new Error('no connection');
  return bulk((done) => sim.runUntil(done, 1e12), client, server!);
}

/** One stack talking to itself over its loopback device, client and server in one socket set. */
function loopbackBulk(bufferSize: number, checksumOffload = false): number {
  const lo = new Loopback(1024, checksumOffload);
  const iface = new Interface({ hardwareAddr: 0x0200_0000_0001, addresses: [new Ipv4Cidr(ip('127.0.0.1'), 8)], rxBudget: 256 });
  const sockets = new SocketSet();
  const opts = { rxBufferSize: bufferSize, txBufferSize: bufferSize };
  const listener = sockets.add(new TcpSocket(opts));
  listener.listen(5001);
  const client = sockets.add(new TcpSocket(opts));
  client.connect(ip('127.0.0.1'), 5001, 40001);
  let now = 0;
  const run = (done: () => boolean) => {
    while (!done()) {
      if (iface.poll(now, lo, sockets)) continue;
      const t = iface.pollAt(now, sockets);
      if (t === Infinity) return false;
      now = Math.max(now + 1, t);
    }
    return true;
  };
  let server: TcpSocket | null = null;
  if (!run(() => (server ??= listener.accept()) !== null && client.state === TcpState.Established)) throw new Error('no connection');
  return bulk(run, client, server!);
}

const peer = new NodeTcpPeer(BYTES, CHUNK);

const bench: Benchmark = {
  name: 'net',
  description: `Bulk TCP, ${BYTES / 1048576} MiB one way per run, MB/s (higher is better).`,
  rounds: 5,
  setup: () => peer.start(),
  cases: [
    { name: 'node net over 127.0.0.1 (host kernel TCP)', peer: true, unit: 'MB/s', better: 'higher', run: () => peer.run() },
    { name: 'MACROHARD TCP, two stacks, in-memory link, 256 KiB windows', unit: 'MB/s', better: 'higher', run: () => macrohardBulk(256 * 1024) },
    { name: 'MACROHARD TCP, two stacks, in-memory link, 64 KiB windows', unit: 'MB/s', better: 'higher', run: () => macrohardBulk(64 * 1024) },
    { name: 'the same over IPv6, 256 KiB windows', unit: 'MB/s', better: 'higher', run: () => macrohardBulk(256 * 1024, false, 6) },
    { name: 'MACROHARD TCP, one stack over its loopback device, 256 KiB windows', unit: 'MB/s', better: 'higher', run: () => loopbackBulk(256 * 1024) },
    { name: 'the same loopback, checksums offloaded (as Linux lo)', unit: 'MB/s', better: 'higher', run: () => loopbackBulk(256 * 1024, true) },
    { name: 'two stacks, in-memory link, 256 KiB windows, checksums offloaded', unit: 'MB/s', better: 'higher', run: () => macrohardBulk(256 * 1024, true) },
  ],
  teardown: () => peer.stop(),
};

export default bench;
