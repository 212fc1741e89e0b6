// netd's endpoint grammar against good names and bad ones: brackets that do not pair, zones
// on IPv4 or with odd characters, IPv4 in brackets, bare IPv6 before a port, bad ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEndpoint, parseHost } from './endpoint.js';
import { parseIp } from '../../net/wire/address.js';

const v6 = (t: string) => parseIp(t) as bigint;

test('netd endpoint: HOST:PORT of either family, with a zone for IPv6', () => {
  assert.deepEqual(parseEndpoint('10.0.2.2:80'), { addr: 0x0a00_0202, port: 80 });
  assert.deepEqual(parseEndpoint('localhost:8080'), { addr: 0x7f00_0001, port: 8080 });
  assert.deepEqual(parseEndpoint(':53'), { addr: 0, port: 53 });
  assert.deepEqual(parseEndpoint('[::]:80'), { addr: 0n, port: 80 });
  assert.deepEqual(parseEndpoint('[2001:db8::1]:443'), { addr: v6('2001:db8::1'), port: 443 });
  assert.deepEqual(parseEndpoint('[fe80::1%eth0]:22'), { addr: v6('fe80::1'), zone: 'eth0', port: 22 });
  assert.deepEqual(parseEndpoint('[FE80::A]:65535'), { addr: v6('fe80::a'), port: 65535 });
  // A v4-mapped address is the IPv4 one.
  assert.deepEqual(parseEndpoint('[::ffff:10.0.2.2]:80'), { addr: 0x0a00_0202, port: 80 });
  assert.deepEqual(parseEndpoint('[::ffff:a00:202]:80'), { addr: 0x0a00_0202, port: 80 });
});

test('netd endpoint: bad names are refused', () => {
  for (const bad of [
    '', ':', '80', '10.0.2.2', '10.0.2.2:', '10.0.2.2:65536', '10.0.2.2:123456', '10.0.2.2:-1', '10.0.2.2:8x',
    '::1:80', '[::1]', '[::1:80', '::1]:80', '[[::1]]:80', '[10.0.2.2]:80', '10.0.2.2%eth0:80',
    '[fe80::1%]:80', '[fe80::1%eth0%x]:80', '[fe80::1%eth-0]:80', '[fe80::1%eth0/x]:80', '[fe80::1::2]:80',
    '[1:2:3:4:5:6:7:8:9]:80', 'example.com:80', '[::ffff:1.2.3.4%eth0]:80', '[::ffff:1.2.3]:80', 'ä:80', '[fe80::1%é]:80',
  ]) assert.equal(parseEndpoint(bad), null, bad);
});

test('netd endpoint: icmp: HOST takes an IPv6 address bare or in brackets; a zone only for IPv6', () => {
  assert.deepEqual(parseHost('fe80::1%eth0'), { addr: v6('fe80::1'), zone: 'eth0' });
  assert.deepEqual(parseHost('[2001:db8::2]'), { addr: v6('2001:db8::2') });
  assert.deepEqual(parseHost('192.168.1.1'), { addr: 0xc0a8_0101 });
  for (const bad of ['[::1', '::1]', '[192.168.1.1]', '192.168.1.1%eth0', 'fe80::1%', '[fe80::1]%eth0', 'nohost', '']) {
    assert.equal(parseHost(bad), null, bad);
  }
  assert.equal(parseHost('::1', false), null, 'bare IPv6 only where no port follows');
});
