// Fuzzing every parser with random frames and with mutations of valid ones: whatever the
// bytes, parsing returns a value or an error value, never throws, and finishes. The seeds are
// fixed so a failure repeats; set MH_FUZZ_ITERS to run longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EthernetFrame, EthernetRepr } from './ethernet.js';
import { ArpPacket, ArpRepr } from './arp.js';
import { Ipv4Packet, Ipv4Repr } from './ipv4.js';
import { Icmpv4Packet, parseIcmpv4 } from './icmpv4.js';
import { UdpPacket, UdpRepr } from './udp.js';
import { TcpPacket, TcpRepr } from './tcp.js';
import { DhcpPacket, parseDhcp } from './dhcpv4.js';
import { DnsPacket, parseDns } from './dns.js';
import { hex, Prng } from './testutil.js';

const ITERS = Number(process.env.MH_FUZZ_ITERS ?? 20_000);
const S = 0x0a000001;
const D = 0x0a000002;

type Parser = (b: Uint8Array) => unknown;

function mustNotThrow(name: string, parse: Parser, seeds: Uint8Array[], seed: number): void {
  const rng = new Prng(seed);
  for (let i = 0; i < ITERS; i++) {
    let b: Uint8Array;
    if (i % 2 === 0 || seeds.length === 0) {
      b = rng.bytes(rng.below(600));
    } else {
      // Mutate a valid packet: flip bytes, truncate, or extend.
      const base = seeds[rng.below(seeds.length)]!;
      b = base.slice(0, rng.below(4) === 0 ? rng.below(base.length + 1) : base.length);
      const flips = 1 + rng.below(4);
      for (let k = 0; k < flips && b.length; k++) b[rng.below(b.length)] = rng.next() & 0xff;
      if (rng.below(8) === 0) {
        const longer = new Uint8Array(b.length + rng.below(64));
        longer.set(b);
        b = longer;
      }
    }
    try {
      parse(b);
    } catch (e) {
      assert.fail(`${name}: parser threw on ${Buffer.from(b).toString('hex')}: ${e}`);
    }
  }
}

const ok = (x: unknown) => typeof x === 'object';

test('fuzz: ethernet + arp', () => {
  const seed = hex('ffffffffffff5254001234560806 0001080006040001525400123456 0a000001 000000000000 0a000002');
  mustNotThrow('arp', (b) => {
    const f = EthernetFrame.checked(b);
    if (!ok(f)) return;
    EthernetRepr.parse(f as EthernetFrame);
    const a = ArpPacket.checked((f as EthernetFrame).payload);
    if (ok(a)) ArpRepr.parse(a as ArpPacket);
  }, [seed], 1);
});

test('fuzz: ipv4 + icmpv4', () => {
  const seed = hex('4500002000004000400100000a0000010a000002 08002104123400016162 6364');
  const p = Ipv4Packet.checked(seed) as Ipv4Packet;
  p.fillChecksum();
  mustNotThrow('ipv4/icmp', (b) => {
    const ip = Ipv4Packet.checked(b);
    if (!ok(ip)) return;
    Ipv4Repr.parse(ip as Ipv4Packet);
    const ic = Icmpv4Packet.checked((ip as Ipv4Packet).payload);
    if (ok(ic)) parseIcmpv4(ic as Icmpv4Packet);
  }, [seed], 2);
});

test('fuzz: udp', () => {
  mustNotThrow('udp', (b) => {
    const u = UdpPacket.checked(b);
    if (ok(u)) UdpRepr.parse(u as UdpPacket, S, D);
  }, [hex('14e90035000d92e168656c6c6f')], 3);
});

test('fuzz: tcp with options', () => {
  const seeds = [
    hex('9c4000501122334400000000a002faf054100000020405b40402080a010203040000000001030307'),
    hex('00509c40000003e8000007d0b01802007981 0000 0101080a0000000500000006 0101050a0000100000002000 64617461'),
  ];
  const repr = new TcpRepr();
  mustNotThrow('tcp', (b) => {
    const t = TcpPacket.checked(b);
    if (ok(t)) repr.parseInto(t as TcpPacket, S, D, false);
  }, seeds, 4);
});

test('fuzz: dhcpv4', () => {
  const seed = hex('010106003903f32600008000' + '00'.repeat(16) + '525400123456' + '00'.repeat(202) + '63825363350101370301 0306 3204 0a00020f ff');
  mustNotThrow('dhcp', (b) => {
    const d = DhcpPacket.checked(b);
    if (ok(d)) parseDhcp(d as DhcpPacket);
  }, [seed], 5);
});

test('fuzz: dns', () => {
  const seed = hex('1234 8180 0001 0002 0000 0000 076578616d706c6503636f6d00 0001 0001 c00c 0005 0001 00000e10 0002 c00c c00c 0001 0001 00000e10 0004 5db8d822');
  mustNotThrow('dns', (b) => {
    const d = DnsPacket.checked(b);
    if (ok(d)) parseDns(d as DnsPacket);
  }, [seed], 6);
});
