// The device wrappers: the fault injector does what it is told (and the same thing for the
// same seed), the pcap writer produces a file tcpdump can read, and the interface survives
// any garbage a device hands it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultInjector } from './fault.js';
import { PcapWriter } from './pcap.js';
import { linkPair, Loopback } from './device.js';
import { Interface } from './interface.js';
import { SimPair } from './sim.js';
import { SocketSet } from '../socket/set.js';
import { TcpSocket } from '../socket/tcp.js';
import { UdpSocket } from '../socket/udp.js';
import { Ipv4Cidr, mac } from '../wire/address.js';
import { Prng } from '../wire/testutil.js';
import { connectPair, pattern, transfer } from '../testkit.js';

function drain(d: { receive(now: number): Uint8Array | null }, now: number): number[] {
  const out: number[] = [];
  for (let f = d.receive(now); f; f = d.receive(now)) out.push(f[0]!);
  return out;
}

test('fault injector: loss, duplication, delay and reordering, repeatable by seed', () => {
  const run = (seed: number) => {
    const [a, b] = linkPair(2048);
    const f = new FaultInjector(b, { loss: 0.1, duplicate: 0.1, reorder: 0.1, reorderDelay: 5, delay: 2, seed, capacity: 4096 });
    for (let i = 0; i < 1000; i++) a.transmit(0, new Uint8Array([i & 0xff, i >> 8]));
    const early = drain(f, 1);
    const all = [...early, ...drain(f, 100)];
    return { f, early, all };
  };
  const { f, early, all } = run(42);
  assert.equal(early.length, 0); // everything is delayed by 2 ms
  assert.equal(all.length, f.stats.passed);
  assert.equal(1000 - f.stats.lost + f.stats.duplicated, f.stats.passed);
  assert.ok(f.stats.lost > 50 && f.stats.lost < 150);
  assert.ok(f.stats.duplicated > 50 && f.stats.reordered > 50);
  assert.deepEqual(run(42).all, all);
  assert.notDeepEqual(run(43).all, all);
  assert.equal(f.pollAt(), Infinity);
});

test('pcap: global header and one record per frame each way', () => {
  const chunks: Uint8Array[] = [];
  const sim = new SimPair({ pcap: (c) => chunks.push(c) });
  const { client, server } = connectPair(sim);
  transfer(sim, client, server, pattern(10_000));
  const file = Buffer.concat(chunks);
  assert.equal(file.readUInt32LE(0), 0xa1b2c3d4);
  assert.equal(file.readUInt16LE(4), 2);
  assert.equal(file.readUInt16LE(6), 4);
  assert.equal(file.readUInt32LE(20), 1); // Ethernet
  let off = 24;
  let records = 0;
  while (off < file.length) {
    const incl = file.readUInt32LE(off + 8);
    assert.equal(file.readUInt32LE(off + 12), incl);
    off += 16 + incl;
    records++;
  }
  assert.equal(off, file.length);
  const w = (sim.a.device as PcapWriter);
  assert.equal(records, w.frames);
  assert.ok(records > 10);
});

test('checksum offload: a trusted link skips TCP checksums on both ends and still delivers', () => {
  const chunks: Uint8Array[] = [];
  const sim = new SimPair({ checksumOffload: true, pcap: (c) => chunks.push(c) });
  const { client, server } = connectPair(sim);
  const data = pattern(100_000, 4);
  assert.deepEqual(transfer(sim, client, server, data), data);
  // Every captured TCP segment has a zero checksum field.
  const file = Buffer.concat(chunks);
  let tcp = 0;
  for (let off = 24; off < file.length; ) {
    const n = file.readUInt32LE(off + 8);
    const f = file.subarray(off + 16, off + 16 + n);
    if (f.readUInt16BE(12) === 0x0800 && f[23] === 6) {
      tcp++;
      assert.equal(f.readUInt16BE(34 + 16), 0);
    }
    off += 16 + n;
  }
  assert.ok(tcp > 50);
});

test('fuzz: the interface takes random and mutated frames without throwing', () => {
  const lo = new Loopback(4096);
  const iface = new Interface({ hardwareAddr: mac('02:00:00:00:00:02'), addresses: [Ipv4Cidr.parse('10.0.0.2/24')!], random: () => 7 });
  const sockets = new SocketSet();
  sockets.add(new TcpSocket()).listen(80);
  sockets.add(new UdpSocket()).bind(53);
  // Seeds: real frames captured from a short TCP exchange.
  const chunks: Uint8Array[] = [];
  const sim = new SimPair({ pcap: (c) => chunks.push(c) });
  const { client, server } = connectPair(sim);
  transfer(sim, client, server, pattern(3000));
  const file = Buffer.concat(chunks);
  const seeds: Uint8Array[] = [];
  for (let off = 24; off < file.length; ) {
    const n = file.readUInt32LE(off + 8);
    const f = new Uint8Array(file.subarray(off + 16, off + 16 + n));
    f.set([0x02, 0, 0, 0, 0, 0x02]); // aim every frame at the fuzzed interface
    seeds.push(f);
    off += 16 + n;
  }
  const rng = new Prng(99);
  const iters = Number(process.env.MH_FUZZ_ITERS ?? 20_000);
  for (let i = 0; i < iters; i++) {
    let f: Uint8Array;
    if (i % 4 === 0) f = rng.bytes(rng.below(1514));
    else {
      f = seeds[rng.below(seeds.length)]!.slice();
      for (let k = 1 + rng.below(3); k > 0; k--) f[14 + rng.below(f.length - 14)] = rng.next() & 0xff;
      if (rng.below(6) === 0) f = f.subarray(0, rng.below(f.length));
    }
    lo.transmit(i, f);
    iface.poll(i, lo, sockets);
    // Whatever the stack sent back loops to itself; keep the loop from growing.
    while (lo.receive()) {}
  }
  const s = iface.stats;
  const dropped = s.ethernet.dropped() + s.ipv4.dropped() + s.tcp.dropped() + s.udp.dropped() + s.icmp.dropped() + s.arp.dropped();
  assert.ok(dropped > iters / 2, JSON.stringify(s));
  assert.ok(s.ipv4.dropped('checksum') > 0 && s.tcp.dropped('checksum') > 0);
  assert.ok(sockets.size < 40); // listener children stay bounded by the backlog
});
