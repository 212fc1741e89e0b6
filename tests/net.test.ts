// The network daemon inside a booted kernel: netd serving tcp:, udp: and icmp: over its
// loopback, with programs (nc, fetch, httpd, ping, host) talking to each other through it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bootKernel, type TestKernel } from './kernel-harness.js';
import { killAll, startNetd, waitListening } from './net-harness.js';
import { NicScheme } from '../src/kernel/schemes/nic.js';
import { HostSwitch, LoopbackLink } from '../src/host/node/nic.js';

export { killAll, startNetd };

let t: TestKernel;
before(async () => {
  t = bootKernel(4);
  await startNetd(t, ['--no-nic']);
});
after(() => t.shutdown());

test('netd: nc sends a line from one process to another over tcp loopback', async () => {
  const server = t.run('nc', ['nc', '-l', '7001']);
  await waitListening(t, 'tcp', 7001);
  const client = await t.run('nc', ['nc', '127.0.0.1', '7001'], { stdin: 'hello over macrohard tcp\n' });
  const s = await server;
  assert.equal(client.stderr, '');
  assert.equal(client.code, 0);
  assert.equal(s.stdout, 'hello over macrohard tcp\n');
  assert.equal(s.code, 0);
});

test('netd: a refused connection is ECONNREFUSED', async () => {
  const r = await t.run('nc', ['nc', '127.0.0.1', '7999'], { stdin: '' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refused/i);
});

test('netd: fetch downloads from httpd in another process (files, listing, redirect, range)', async () => {
  const { readFileSync } = await import('node:fs');
  const httpd = t.run('httpd', ['httpd', '-p', '8081', '-q', '/scheme/initfs']);
  await waitListening(t, 'tcp', 8081);
  try {
    const toml = await t.run('fetch', ['fetch', '-q', 'http://127.0.0.1:8081/etc/init.toml']);
    assert.equal(toml.stderr, '');
    assert.equal(toml.stdout, readFileSync(new URL('../../src/userland/init/init.toml', import.meta.url), 'utf8'));
    const big = await t.run('fetch', ['fetch', '-q', 'http://127.0.0.1:8081/bin/netd']);
    assert.equal(big.code, 0);
    assert.equal(big.stdout, readFileSync(new URL('../initfs/bin/netd', import.meta.url), 'utf8'));
    const dir = await t.run('fetch', ['fetch', 'http://127.0.0.1:8081/etc']);
    assert.match(dir.stderr, /301 -> \/etc\//);
    assert.match(dir.stdout, /<a href="init.toml">init.toml<\/a>/);
    const part = await t.run('fetch', ['fetch', '-q', '-r', '2-9', 'http://127.0.0.1:8081/etc/init.toml']);
    assert.equal(part.stdout, toml.stdout.slice(2, 10));
    const missing = await t.run('fetch', ['fetch', '-q', 'http://127.0.0.1:8081/nope']);
    assert.equal(missing.code, 1);
  } finally {
    killAll(t, 'httpd');
    await httpd.catch(() => undefined);
  }
});

test('netd: ping over the loopback', async () => {
  const r = await t.run('ping', ['ping', '-c', '3', '-i', '0.05', '127.0.0.1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /64 bytes from 127\.0\.0\.1: icmp_seq=1 time=/);
  assert.match(r.stdout, /3 packets transmitted, 3 received, 0% packet loss/);
});

test('netd: nc over udp, both ends', async () => {
  const server = t.run('nc', ['nc', '-u', '-l', '7002']);
  await waitListening(t, 'udp', 7002);
  const client = await t.run('nc', ['nc', '-u', '-w', '0.3', '127.0.0.1', '7002'], { stdin: 'datagram one\n' });
  assert.equal(client.code, 0, client.stderr);
  const s = await server;
  assert.equal(s.stdout, 'datagram one\n');
});

test('netd: ip shows interfaces, routes, sockets and counters from netcfg:', async () => {
  const a = await t.run('ip', ['ip', 'addr']);
  assert.match(a.stdout, /^lo: mtu 65535 loopback\n.*inet 127\.0\.0\.1\/8/s);
  const r = await t.run('ip', ['ip', 'route']);
  assert.match(r.stdout, /127\.0\.0\.0\/8 dev lo src 127\.0\.0\.1/);
  const s = await t.run('ip', ['ip', 'stats']);
  assert.match(s.stdout, /tcp +rx \d+ tx \d+/);
  const ss = await t.run('ip', ['ip', 'sockets']);
  assert.match(ss.stdout, /^proto local remote state/);
  assert.equal((await t.run('ip', ['ip', 'bogus'])).code, 2);
});

test('netd: two kernels on one in-process switch reach each other over Ethernet (ARP, ping, TCP)', async () => {
  const sw = new HostSwitch();
  const a = bootKernel(3);
  const b = bootKernel(3);
  try {
    a.k.register(new NicScheme([sw.link(0x02_00_00_00_0a_01, '10.9.0.1/24')]));
    b.k.register(new NicScheme([sw.link(0x02_00_00_00_0a_02, '10.9.0.2/24')]));
    await startNetd(a);
    await startNetd(b);
    const ping = await a.run('ping', ['ping', '-c', '2', '-i', '0.05', '10.9.0.2']);
    assert.match(ping.stdout, /2 packets transmitted, 2 received/, ping.stdout + ping.stderr);
    const server = b.run('nc', ['nc', '-l', '7400']);
    await waitListening(b, 'tcp', 7400);
    const text = 'across the switch\n'.repeat(5000);
    const c = await a.run('nc', ['nc', '10.9.0.2', '7400'], { stdin: text });
    assert.equal(c.code, 0, c.stderr);
    assert.equal((await server).stdout, text);
    const ifaces = await b.run('ip', ['ip', 'addr']);
    assert.match(ifaces.stdout, /eth0: mtu 1500 link nic\n +ether 02:00:00:00:0a:02\n +inet 10\.9\.0\.2\/24/);
  } finally {
    a.shutdown();
    b.shutdown();
  }
});

test('netd: a nic on a loopback cable takes the address its config names', async () => {
  const c = bootKernel(3);
  try {
    c.k.register(new NicScheme([new LoopbackLink(0x02_00_00_00_0b_01, '10.8.0.1/24')]));
    await startNetd(c);
    const r = await c.run('ping', ['ping', '-c', '1', '10.8.0.1']);
    assert.match(r.stdout, /1 received/);
    const nic = await c.run('ip', ['ip', 'addr']);
    assert.match(nic.stdout, /inet 10\.8\.0\.1\/24/);
  } finally {
    c.shutdown();
  }
});

test('netd: a SYN flood on its link is held to the backlog, and the daemon keeps serving', async () => {
  const { TcpRepr, TcpFlag } = await import('../src/net/wire/tcp.js');
  const { emitIpv4Header, IpProtocol } = await import('../src/net/wire/ipv4.js');
  const { EthernetFrame, EtherType } = await import('../src/net/wire/ethernet.js');
  const sw = new HostSwitch();
  const victim = bootKernel(3);
  try {
    victim.k.register(new NicScheme([sw.link(0x02_00_00_00_0c_01, '10.9.1.1/24')]));
    await startNetd(victim);
    const httpd = victim.run('httpd', ['httpd', '-q', '-p', '80', '/scheme/initfs/etc']);
    await waitListening(victim, 'tcp', 80);
    // 3,000 SYNs from spoofed addresses that never answer, straight onto the segment.
    const port = sw.port();
    const frame = new Uint8Array(14 + 20 + 24);
    const syn = Object.assign(new TcpRepr(), { dstPort: 80, flags: TcpFlag.Syn, window: 65535, mss: 1460 });
    for (let i = 0; i < 3000; i++) {
      const src = 0x0a_09_01_00 + 10 + (i % 200);
      const eth = EthernetFrame.unchecked(frame);
      eth.dst = 0x02_00_00_00_0c_01;
      eth.src = 0x02_00_00_00_0d_00 + (i % 200);
      eth.etherType = EtherType.Ipv4;
      syn.srcPort = 1024 + i;
      syn.seq = (i * 7919) >>> 0;
      syn.emit(frame.subarray(34), 0, src, 0x0a_09_01_01);
      emitIpv4Header(frame.subarray(14), src, 0x0a_09_01_01, IpProtocol.Tcp, syn.headerLen, 64, i & 0xffff);
      port.transmit(0, frame.subarray(0, 34 + syn.headerLen));
      if (i % 100 === 99) {
        sw.deliver();
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    sw.deliver();
    // netd takes the flood in at its own pace: count until two looks agree (or time is up).
    const count = async () => (await victim.run('ip', ['ip', 'sockets'])).stdout.split('\n').filter((l) => /^tcp 10\.9\.1\.1:80 10\.9\.1\./.test(l)).length;
    let halfOpen = await count();
    for (const end = Date.now() + 20_000; Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 200));
      const again = await count();
      if (again === halfOpen && again > 0) break;
      halfOpen = again;
    }
    assert.ok(halfOpen > 0 && halfOpen <= 512, `half-open connections held: ${halfOpen}`);
    if (process.env.MH_NET_DEBUG) process.stderr.write(`half-open: ${halfOpen}\n`);
    // Others are still served: a fetch over the loopback gets its file.
    const f = await victim.run('fetch', ['fetch', '-q', 'http://127.0.0.1/init.toml']);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /\[console\]/);
    killAll(victim, 'httpd');
    await httpd.catch(() => undefined);
  } finally {
    victim.shutdown();
  }
});
