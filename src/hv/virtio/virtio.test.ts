// virtio-mmio transport and device tests, with this file playing the driver: it negotiates
// features through the registers, lays out split virtqueues in a GuestRam of its own, posts
// descriptor chains and reads the used ring, as Linux's virtio_mmio and virtio_ring do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestRam } from '../memory.js';
import { LatchedIrq } from '../device.js';
import { VirtioMmio, VIRTIO_F_VERSION_1, STATUS_ACKNOWLEDGE, STATUS_DRIVER, STATUS_FEATURES_OK, STATUS_DRIVER_OK, STATUS_DEVICE_NEEDS_RESET } from './mmio.js';
import { VirtioBlk, MemoryDisk, VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_S_IOERR } from './blk.js';
import { VirtioRng } from './rng.js';
import { VirtioConsole } from './console.js';
import { VirtioNet, VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM } from './net.js';
import { EthernetSwitch } from '../ethernet-switch.js';
import { VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT } from './queue.js';
import type { VirtioDevice } from './mmio.js';

const BASE = 0x80000000;
const QSIZE = 16;

/** A minimal driver: one GuestRam, queues at fixed places, a bump allocator for buffers. */
class Driver {
  readonly ram = new GuestRam(BASE, new Uint8Array(1 << 20));
  readonly irq = new LatchedIrq();
  readonly dev: VirtioMmio;
  private heap = BASE + 0x40000;
  private avail: number[] = [];
  private usedSeen: number[] = [];

  constructor(device: VirtioDevice) {
    this.dev = new VirtioMmio(this.ram, this.irq, device);
  }

  r(off: number): number {
    return this.dev.read(off, 4);
  }

  w(off: number, v: number): void {
    this.dev.write(off, 4, v);
  }

  qbase(q: number): { desc: number; avail: number; used: number } {
    const b = BASE + 0x10000 * (q + 1);
    return { desc: b, avail: b + 0x1000, used: b + 0x2000 };
  }

  /** Feature negotiation and queue setup; returns the device's offered features. */
  init(accept?: bigint): bigint {
    assert.equal(this.r(0x000), 0x74726976);
    assert.equal(this.r(0x004), 2);
    this.w(0x070, 0);
    this.w(0x070, STATUS_ACKNOWLEDGE);
    this.w(0x070, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    this.w(0x014, 0);
    const lo = BigInt(this.r(0x010));
    this.w(0x014, 1);
    const offered = lo | (BigInt(this.r(0x010)) << 32n);
    const want = accept ?? offered;
    this.w(0x024, 0);
    this.w(0x020, Number(want & 0xffffffffn));
    this.w(0x024, 1);
    this.w(0x020, Number(want >> 32n));
    this.w(0x070, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(this.r(0x070) & STATUS_FEATURES_OK)) return offered;
    for (let q = 0; this.w(0x030, q), this.r(0x034) > 0; q++) {
      const { desc, avail, used } = this.qbase(q);
      this.w(0x038, QSIZE);
      this.w(0x080, desc); this.w(0x084, 0);
      this.w(0x090, avail); this.w(0x094, 0);
      this.w(0x0a0, used); this.w(0x0a4, 0);
      this.w(0x044, 1);
      this.avail[q] = 0;
      this.usedSeen[q] = 0;
    }
    this.w(0x070, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    return offered;
  }

  alloc(n: number): number {
    const a = this.heap;
    this.heap += (n + 15) & ~15;
    return a;
  }

  /** Posts a chain of buffers [address, length, writable] on queue q and notifies. */
  post(q: number, bufs: Array<[number, number, boolean]>, notify = true): number {
    const { desc, avail } = this.qbase(q);
    const head = (this.avail[q]! * 4) % QSIZE;
    bufs.forEach(([addr, len, writable], i) => {
      const d = desc + 16 * ((head + i) % QSIZE);
      this.ram.setU64(d, BigInt(addr));
      this.ram.setU32(d + 8, len);
      this.ram.setU16(d + 12, (writable ? VIRTQ_DESC_F_WRITE : 0) | (i < bufs.length - 1 ? VIRTQ_DESC_F_NEXT : 0));
      this.ram.setU16(d + 14, (head + i + 1) % QSIZE);
    });
    const idx = this.ram.u16(avail + 2);
    this.ram.setU16(avail + 4 + 2 * (idx % QSIZE), head);
    this.ram.setU16(avail + 2, idx + 1);
    this.avail[q]!++;
    if (notify) this.w(0x050, q);
    return head;
  }

  /** Used elements not yet seen: [id, len]. */
  used(q: number): Array<[number, number]> {
    const { used } = this.qbase(q);
    const idx = this.ram.u16(used + 2);
    const out: Array<[number, number]> = [];
    while (this.usedSeen[q]! !== idx) {
      const e = used + 4 + 8 * (this.usedSeen[q]! % QSIZE);
      out.push([this.ram.u32(e), this.ram.u32(e + 4)]);
      this.usedSeen[q] = (this.usedSeen[q]! + 1) & 0xffff;
    }
    return out;
  }

  ack(): void {
    this.w(0x064, this.r(0x060));
  }

  blkHeader(type: number, sector: number): number {
    const a = this.alloc(16);
    this.ram.setU32(a, type);
    this.ram.setU64(a + 8, BigInt(sector));
    return a;
  }
}

test('virtio-blk: identity registers, capacity, features with FLUSH and VERSION_1', () => {
  const disk = new MemoryDisk(new Uint8Array(8 * 512));
  const d = new Driver(new VirtioBlk(disk));
  assert.equal(d.r(0x008), 2);
  const f = d.init();
  assert.ok(f & VIRTIO_F_VERSION_1);
  assert.ok(f & VIRTIO_BLK_F_FLUSH);
  assert.equal(d.dev.read(0x100, 4), 8);
  assert.equal(d.dev.read(0x104, 4), 0);
  assert.equal(d.dev.read(0x100 + 20, 4), 512);
});

test('virtio-blk: write, read back, flush, get id, unsupported type', () => {
  const disk = new MemoryDisk(new Uint8Array(64 * 512));
  const d = new Driver(new VirtioBlk(disk, 'vda-serial'));
  d.init();
  const data = d.alloc(1024);
  d.ram.slice(data, 1024).set(new Uint8Array(1024).map((_, i) => (i * 7) & 0xff));
  const st = d.alloc(1);
  const head = d.post(0, [[d.blkHeader(VIRTIO_BLK_T_OUT, 3), 16, false], [data, 1024, false], [st, 1, true]]);
  assert.deepEqual(d.used(0), [[head, 1]]);
  assert.equal(d.ram.u8(st), VIRTIO_BLK_S_OK);
  assert.equal(disk.bytes[3 * 512 + 5], 35);
  assert.ok(d.irq.level);
  d.ack();
  assert.equal(d.irq.level, false);
  // Read two sectors into two buffers, the status byte in its own descriptor.
  const a = d.alloc(512), b = d.alloc(512);
  d.post(0, [[d.blkHeader(VIRTIO_BLK_T_IN, 3), 16, false], [a, 512, true], [b, 512, true], [st, 1, true]]);
  assert.deepEqual(d.used(0).map(([, n]) => n), [1025]);
  assert.deepEqual(d.ram.read(a, 512), disk.bytes.subarray(1536, 2048));
  assert.deepEqual(d.ram.read(b, 512), disk.bytes.subarray(2048, 2560));
  d.post(0, [[d.blkHeader(VIRTIO_BLK_T_FLUSH, 0), 16, false], [st, 1, true]]);
  assert.equal(disk.flushes, 1);
  const id = d.alloc(20);
  d.post(0, [[d.blkHeader(VIRTIO_BLK_T_GET_ID, 0), 16, false], [id, 20, true], [st, 1, true]]);
  assert.equal(new TextDecoder().decode(d.ram.read(id, 10)), 'vda-serial');
  d.post(0, [[d.blkHeader(77, 0), 16, false], [st, 1, true]]);
  assert.equal(d.ram.u8(st), VIRTIO_BLK_S_UNSUPP);
  d.post(0, [[d.blkHeader(VIRTIO_BLK_T_IN, 64), 16, false], [a, 512, true], [st, 1, true]]);
  assert.equal(d.ram.u8(st), VIRTIO_BLK_S_IOERR, 'reading past the end fails');
});

test('virtio-blk: indirect descriptors', () => {
  const disk = new MemoryDisk(new Uint8Array(8 * 512).fill(0xab));
  const d = new Driver(new VirtioBlk(disk));
  d.init();
  const table = d.alloc(48), hdr = d.blkHeader(VIRTIO_BLK_T_IN, 1), buf = d.alloc(512), st = d.alloc(1);
  [[hdr, 16, 0], [buf, 512, VIRTQ_DESC_F_WRITE], [st, 1, VIRTQ_DESC_F_WRITE]].forEach(([addr, len, fl], i) => {
    d.ram.setU64(table + 16 * i, BigInt(addr!));
    d.ram.setU32(table + 16 * i + 8, len!);
    d.ram.setU16(table + 16 * i + 12, fl! | (i < 2 ? VIRTQ_DESC_F_NEXT : 0));
    d.ram.setU16(table + 16 * i + 14, i + 1);
  });
  const { desc, avail } = d.qbase(0);
  d.ram.setU64(desc, BigInt(table));
  d.ram.setU32(desc + 8, 48);
  d.ram.setU16(desc + 12, VIRTQ_DESC_F_INDIRECT);
  d.ram.setU16(avail + 4, 0);
  d.ram.setU16(avail + 2, 1);
  d.w(0x050, 0);
  assert.equal(d.ram.u8(st), VIRTIO_BLK_S_OK);
  assert.equal(d.ram.u8(buf + 100), 0xab);
});

test('a driver that refuses VERSION_1 does not get FEATURES_OK', () => {
  const d = new Driver(new VirtioRng());
  d.init(0n);
  assert.equal(d.r(0x070) & STATUS_FEATURES_OK, 0);
});

test('a looping descriptor chain marks the device as needing reset, not a crash', () => {
  const d = new Driver(new VirtioRng());
  d.init();
  const { desc, avail } = d.qbase(0);
  const buf = d.alloc(8);
  d.ram.setU64(desc, BigInt(buf));
  d.ram.setU32(desc + 8, 8);
  d.ram.setU16(desc + 12, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT);
  d.ram.setU16(desc + 14, 0);
  d.ram.setU16(avail + 2, 1);
  d.w(0x050, 0);
  assert.ok(d.r(0x070) & STATUS_DEVICE_NEEDS_RESET);
  assert.ok(d.r(0x060) & 2);
  d.w(0x070, 0);
  assert.equal(d.r(0x070), 0);
});

test('virtio-rng fills writable buffers', () => {
  const d = new Driver(new VirtioRng());
  assert.equal(d.r(0x008), 4);
  d.init();
  const buf = d.alloc(256);
  const head = d.post(0, [[buf, 256, true]]);
  assert.deepEqual(d.used(0), [[head, 256]]);
  assert.ok(d.ram.read(buf, 256).some((b) => b !== 0));
});

test('virtio-console: transmit reaches the host, input waits for receive buffers', () => {
  const out: number[] = [];
  const con = new VirtioConsole((b) => out.push(...b));
  const d = new Driver(con);
  assert.equal(d.r(0x008), 3);
  d.init();
  const tx = d.alloc(5);
  d.ram.write(tx, new TextEncoder().encode('hello'));
  d.post(1, [[tx, 5, false]]);
  assert.equal(new TextDecoder().decode(Uint8Array.from(out)), 'hello');
  con.input(new TextEncoder().encode('ls\n'));
  const rx = d.alloc(64);
  const head = d.post(0, [[rx, 64, true]]);
  assert.deepEqual(d.used(0), [[head, 3]]);
  assert.equal(new TextDecoder().decode(d.ram.read(rx, 3)), 'ls\n');
});

test('transport state survives save and restore', () => {
  const disk = new MemoryDisk(new Uint8Array(8 * 512));
  const d = new Driver(new VirtioBlk(disk));
  d.init();
  const st = d.alloc(1);
  d.post(0, [[d.blkHeader(VIRTIO_BLK_T_FLUSH, 0), 16, false], [st, 1, true]]);
  const s = JSON.parse(JSON.stringify(d.dev.save()));
  const again = new VirtioMmio(d.ram, d.irq, new VirtioBlk(disk));
  again.restore(s);
  assert.equal(again.read(0x070, 4), d.r(0x070));
  d.post(0, [[d.blkHeader(VIRTIO_BLK_T_FLUSH, 0), 16, false], [st, 1, true]], false);
  again.write(0x050, 4, 0);
  assert.equal(disk.flushes, 2);
});

test('virtio-net: transmit goes through the switch to another port; frames for the guest fill receive buffers', () => {
  const sw = new EthernetSwitch();
  const mac = Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0x56);
  const net = new VirtioNet(sw, mac);
  const d = new Driver(net);
  assert.equal(d.r(0x008), 1);
  d.init();
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => d.dev.read(0x100 + i, 1)), Array.from(mac));
  assert.equal(d.dev.read(0x106, 2), 1, 'link up');
  const heard: Uint8Array[] = [];
  const harness = sw.attach((f) => heard.push(f));
  // The guest broadcasts: header (12 zero bytes) + a 60-byte frame from its MAC.
  const frame = new Uint8Array(60);
  frame.fill(0xff, 0, 6);
  frame.set(mac, 6);
  frame[12] = 0x08;
  frame[13] = 0x06;
  const tx = d.alloc(72);
  d.ram.write(tx + 12, frame);
  d.post(1, [[tx, 72, false]]);
  assert.equal(heard.length, 1);
  assert.deepEqual(heard[0], frame);
  // The harness answers to the guest's MAC (learned by the switch); it waits for a buffer.
  const reply = new Uint8Array(60);
  reply.set(mac, 0);
  reply.set([2, 0, 0, 0, 0, 1], 6);
  harness.send(reply);
  const rx = d.alloc(1526);
  const head = d.post(0, [[rx, 1526, true]]);
  assert.deepEqual(d.used(0), [[head, 72]]);
  assert.equal(d.ram.u16(rx + 10), 1, 'num_buffers');
  assert.deepEqual(d.ram.read(rx + 12, 60), reply);
});

test('virtio-net: checksum offload completes a partial UDP checksum; received frames are DATA_VALID', () => {
  const sw = new EthernetSwitch();
  const mac = Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0x57);
  const heard: Uint8Array[] = [];
  const harness = sw.attach((f) => heard.push(f));
  // Ethernet + IPv4 (10.0.3.15 -> 10.0.3.1, UDP) + UDP 1000 -> 9 with 4 payload bytes.
  const frame = Uint8Array.of(
    0x02, 0, 0, 0, 3, 1, ...mac, 0x08, 0x00,
    0x45, 0, 0, 32, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 3, 15, 10, 0, 3, 1,
    0x03, 0xe8, 0x00, 0x09, 0x00, 0x0c, 0, 0, 0xde, 0xad, 0xbe, 0xef,
  );
  // What the driver leaves in the checksum field: the pseudo-header's sum, folded, not complemented.
  const pseudo = 0x0a00 + 0x030f + 0x0a00 + 0x0301 + 17 + 12;
  frame[40] = pseudo >> 8;
  frame[41] = pseudo & 0xff;
  for (const accept of [true, false]) {
    heard.length = 0;
    const net = new VirtioNet(sw, mac);
    const d = new Driver(net);
    const offered = d.init();
    assert.ok(offered & VIRTIO_NET_F_CSUM && offered & VIRTIO_NET_F_GUEST_CSUM);
    if (!accept) {
      d.w(0x070, 0); // renegotiate without the checksum features
      d.init(offered & ~(VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM));
    }
    const tx = d.alloc(12 + frame.length);
    d.ram.write(tx, Uint8Array.of(1, 0, 0, 0, 0, 0, 34, 0, 6, 0, 0, 0)); // NEEDS_CSUM, start 34, offset 6
    d.ram.write(tx + 12, frame);
    d.post(1, [[tx, 12 + frame.length, false]]);
    assert.equal(heard.length, 1);
    const sent = heard[0]!;
    // The whole UDP checksum over pseudo-header and datagram, as the receiver computes it.
    let sum = 0x0a00 + 0x030f + 0x0a00 + 0x0301 + 17 + 12;
    for (let i = 34; i < sent.length; i += 2) sum += (sent[i]! << 8) | sent[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    if (accept) assert.equal(sum, 0xffff, 'the checksum verifies');
    else assert.deepEqual(sent, frame, 'without CSUM the frame is sent as given');
    assert.deepEqual(d.ram.read(tx + 12, frame.length), frame, "the driver's buffer is untouched");
    harness.send(Uint8Array.of(...mac, 2, 0, 0, 0, 3, 1, 0x08, 0x00));
    const rx = d.alloc(1526);
    d.post(0, [[rx, 1526, true]]);
    assert.equal(d.ram.read(rx, 1)[0], accept ? 2 : 0, 'DATA_VALID only with GUEST_CSUM');
    net.reset();
  }
});

test('the Ethernet switch learns source ports and floods unknown destinations', () => {
  const sw = new EthernetSwitch();
  const got: number[][] = [[], [], []];
  const ports = got.map((g, i) => sw.attach(() => g.push(i)));
  const f = (dst: number, src: number) => Uint8Array.of(0, 0, 0, 0, 0, dst, 0, 0, 0, 0, 0, src, 8, 0);
  ports[0]!.send(f(2, 1)); // unknown: flooded to 1 and 2
  assert.deepEqual(got.map((g) => g.length), [0, 1, 1]);
  ports[1]!.send(f(1, 2)); // MAC 1 learned on port 0
  assert.deepEqual(got.map((g) => g.length), [1, 1, 1]);
  ports[0]!.send(f(2, 1)); // MAC 2 learned on port 1
  assert.deepEqual(got.map((g) => g.length), [1, 2, 1]);
  ports[1]!.close(); // forgets MAC 2: flooded to the ports left
  ports[0]!.send(f(2, 1));
  assert.deepEqual(got.map((g) => g.length), [1, 2, 2]);
  ports[0]!.send(Uint8Array.of(1, 2, 3));
  assert.equal(sw.dropped, 1);
});

test('fuzz: random rings and descriptors never take the VMM down', () => {
  // Whatever the driver writes into its rings, the device either serves requests or marks
  // itself DEVICE_NEEDS_RESET; nothing else may escape.
  let seed = 0x1234567;
  const rnd = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  for (let round = 0; round < 300; round++) {
    const disk = new MemoryDisk(new Uint8Array(16 * 512));
    const dev = round % 2 ? new VirtioBlk(disk) : new VirtioRng();
    const d = new Driver(dev);
    d.init();
    const { desc, avail } = d.qbase(0);
    for (let i = 0; i < QSIZE; i++) {
      const e = desc + 16 * i;
      // Addresses mostly inside RAM, sometimes wild; lengths small or huge; any flags; any next.
      const addr = rnd() % 4 === 0 ? rnd() * 4096 : BASE + (rnd() % (1 << 20));
      d.ram.setU64(e, BigInt(addr));
      d.ram.setU32(e + 8, rnd() % 8 === 0 ? rnd() : rnd() % 2048);
      d.ram.setU16(e + 12, rnd() & 7);
      d.ram.setU16(e + 14, rnd() % (QSIZE + 4));
    }
    for (let i = 0; i < QSIZE; i++) d.ram.setU16(avail + 4 + 2 * i, rnd() % (QSIZE + 2));
    d.ram.setU16(avail + 2, rnd() % 40);
    d.w(0x050, 0);
    d.r(0x070);
  }
});
