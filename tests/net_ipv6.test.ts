// IPv6 through netd: programs over ::1 (nc, fetch from httpd, ping, ip), and two kernels on one
// switch reaching each other over link-local and configured global addresses (neighbour
// discovery, ping, TCP both ways, UDP, an address added with `ip`).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bootKernel, type TestKernel } from './kernel-harness.js';
import { killAll, startNetd, waitListening } from './net-harness.js';
import { NicScheme } from '../src/kernel/schemes/nic.js';
import { HostSwitch } from '../src/host/node/nic.js';

let t: TestKernel;
before(async () => {
  t = bootKernel(4);
  await startNetd(t, ['--no-nic']);
});
after(() => t.shutdown());

test('netd ipv6: nc over [::1], and the listener takes IPv4 too', async () => {
  const server = t.run('nc', ['nc', '-l', '7101']);
  await waitListening(t, 'tcp', 7101);
  const client = await t.run('nc', ['nc', '::1', '7101'], { stdin: 'hello over ipv6\n' });
  assert.equal(client.stderr, '');
  assert.equal(client.code, 0);
  assert.equal((await server).stdout, 'hello over ipv6\n');
  const again = t.run('nc', ['nc', '-l', '7102']);
  await waitListening(t, 'tcp', 7102);
  const v4 = await t.run('nc', ['nc', '127.0.0.1', '7102'], { stdin: 'and over ipv4\n' });
  assert.equal(v4.code, 0, v4.stderr);
  assert.equal((await again).stdout, 'and over ipv4\n');
  const refused = await t.run('nc', ['nc', '[::1]', '7999'], { stdin: '' });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused/i);
});

test('netd ipv6: fetch http://[::1]:PORT/ from httpd; udp over ::1', async () => {
  const { readFileSync } = await import('node:fs');
  const httpd = t.run('httpd', ['httpd', '-p', '8181', '-q', '/scheme/initfs']);
  await waitListening(t, 'tcp', 8181);
  try {
    const toml = await t.run('fetch', ['fetch', '-q', 'http://[::1]:8181/etc/init.toml']);
    assert.equal(toml.stderr, '');
    assert.equal(toml.stdout, readFileSync(new URL('../../src/userland/init/init.toml', import.meta.url), 'utf8'));
  } finally {
    killAll(t, 'httpd');
    await httpd.catch(() => undefined);
  }
  const server = t.run('nc', ['nc', '-u', '-l', '7103']);
  await waitListening(t, 'udp', 7103);
  const client = await t.run('nc', ['nc', '-u', '-w', '0.3', '::1', '7103'], { stdin: 'a v6 datagram\n' });
  assert.equal(client.code, 0, client.stderr);
  assert.equal((await server).stdout, 'a v6 datagram\n');
});

test('netd ipv6: ping ::1 and ping -6 localhost; ip lists inet6 addresses', async () => {
  const r = await t.run('ping', ['ping', '-c', '2', '-i', '0.05', '::1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PING ::1 \(::1\) 56\(104\) bytes/);
  assert.match(r.stdout, /64 bytes from ::1: icmp_seq=1 time=/);
  assert.match(r.stdout, /2 packets transmitted, 2 received, 0% packet loss/);
  const six = await t.run('ping', ['ping', '-6', '-c', '1', 'localhost']);
  assert.match(six.stdout, /PING localhost \(::1\)/);
  assert.match(six.stdout, /1 received/);
  const bad = await t.run('ping', ['ping', '-4', '-c', '1', '::1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not an IPv4 address/);
  const a = await t.run('ip', ['ip', 'addr']);
  assert.match(a.stdout, /inet6 ::1\/128 scope host/);
  const s = await t.run('ip', ['ip', 'stats']);
  assert.match(s.stdout, /icmpv6 +rx [1-9]\d* tx [1-9]/);
});

test('netd ipv6: two kernels on a switch, link-local and global, with an address added by ip', async () => {
  const sw = new HostSwitch();
  const a = bootKernel(3);
  const b = bootKernel(3);
  try {
    a.k.register(new NicScheme([sw.link(0x02_00_00_00_0c_01, '10.7.0.1/24')]));
    b.k.register(new NicScheme([sw.link(0x02_00_00_00_0c_02, '10.7.0.2/24', undefined, { addr6: '2001:db8:7::2/64' })]));
    await startNetd(a);
    await startNetd(b);
    // B's link-local address comes from its MAC; A finds B's MAC by neighbour solicitation.
    const ll = await a.run('ping', ['ping', '-c', '2', '-i', '0.05', 'fe80::ff:fe00:c02']);
    assert.match(ll.stdout, /2 packets transmitted, 2 received/, ll.stdout + ll.stderr);
    const zoned = await a.run('ping', ['ping', '-c', '1', 'fe80::ff:fe00:c02%eth0']);
    assert.match(zoned.stdout, /1 received/, zoned.stdout + zoned.stderr);
    // A has no global address yet: 2001:db8:7::/64 is not on its link, and it has no router.
    const none = await a.run('nc', ['nc', '2001:db8:7::2', '7400'], { stdin: '' });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /error 101|unreachable/i); // ENETUNREACH
    const add = await a.run('ip', ['ip', 'addr', 'add', '2001:db8:7::1/64', 'dev', 'eth0'], { uid: 0 });
    assert.equal(add.code, 0, add.stderr);
    assert.match((await a.run('ip', ['ip', 'addr'])).stdout, /eth0:.*inet6 2001:db8:7::1\/64\n/s);
    assert.match((await a.run('ip', ['ip', 'route'])).stdout, /2001:db8:7::\/64 dev eth0 src 2001:db8:7::1/);
    const server = b.run('nc', ['nc', '-l', '7400']);
    await waitListening(b, 'tcp', 7400);
    const text = 'across the switch over ipv6\n'.repeat(5000);
    const c = await a.run('nc', ['nc', '2001:db8:7::2', '7400'], { stdin: text });
    assert.equal(c.code, 0, c.stderr);
    assert.equal((await server).stdout, text);
    // The other way, to the address ip added.
    const back = a.run('nc', ['nc', '-l', '7401']);
    await waitListening(a, 'tcp', 7401);
    const d = await b.run('nc', ['nc', '[2001:db8:7::1]', '7401'], { stdin: 'back again\n' });
    assert.equal(d.code, 0, d.stderr);
    assert.equal((await back).stdout, 'back again\n');
    const ss = await b.run('ip', ['ip', 'stats']);
    assert.match(ss.stdout, /icmpv6 .*neighbor-advert-sent=\d/);
    // Deleted, the address is gone from the loopback too: A no longer reaches itself there.
    const self = a.run('nc', ['nc', '-l', '7402']);
    await waitListening(a, 'tcp', 7402);
    const del = await a.run('ip', ['ip', 'addr', 'del', '2001:db8:7::1/64', 'dev', 'eth0'], { uid: 0 });
    assert.equal(del.code, 0, del.stderr);
    assert.doesNotMatch((await a.run('ip', ['ip', 'addr'])).stdout, /2001:db8:7::1/);
    const gone = await a.run('nc', ['nc', '2001:db8:7::1', '7402'], { stdin: 'to myself\n' });
    assert.equal(gone.code, 1, 'a deleted address must not be served by the loopback');
    const again = await a.run('ip', ['ip', 'addr', 'del', '2001:db8:7::1/64', 'dev', 'eth0'], { uid: 0 });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /Cannot assign requested address/);
    const v4gone = await a.run('ip', ['ip', 'addr', 'del', '10.7.0.9/24', 'dev', 'eth0'], { uid: 0 });
    assert.match(v4gone.stderr, /Cannot assign requested address/);
    const closer = await a.run('nc', ['nc', '::1', '7402'], { stdin: '' });
    assert.equal(closer.code, 0, closer.stderr);
    await self;
  } finally {
    a.shutdown();
    b.shutdown();
  }
});
