// HTTP helpers: URL parsing, Location resolution and Range parsing (the parts that need no
// connection; bodies and heads are exercised through fetch and httpd in tests/net.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostField, parseRange, parseUrl, resolveLocation, type Url } from './http.js';
import { aaaaAnswers, aQuery, endpointText, familyOf, hostsLookup } from './names.js';
import { DnsType, dnsBufferLen, dnsQuery, emitDns, type DnsRepr } from '../wire/dns.js';
import { ip6 } from '../wire/ipv6.js';

test('http: URLs', () => {
  assert.deepEqual(parseUrl('http://10.0.2.2:8000/a/b?x=1'), { scheme: 'http', host: '10.0.2.2', port: 8000, target: '/a/b?x=1' });
  assert.deepEqual(parseUrl('example.org'), { scheme: 'http', host: 'example.org', port: 80, target: '/' });
  assert.match(parseUrl('https://x/') as string, /not supported/);
  const base = parseUrl('http://h:81/dir/page.html') as Url;
  assert.equal((resolveLocation(base, '/top') as Url).target, '/top');
  assert.equal((resolveLocation(base, 'other') as Url).target, '/dir/other');
  assert.equal((resolveLocation(base, 'http://k/z') as Url).host, 'k');
});

test('http: IPv6 literals in URLs and the Host field', () => {
  const u = parseUrl('http://[fd00:6::1]:8086/x') as Url;
  assert.deepEqual(u, { scheme: 'http', host: 'fd00:6::1', port: 8086, target: '/x' });
  assert.equal(hostField(u), '[fd00:6::1]:8086');
  const z = parseUrl('http://[fe80::1%25eth0]/') as Url;
  assert.equal(z.host, 'fe80::1%eth0');
  assert.equal(hostField(z), '[fe80::1]');
  assert.equal(hostField(parseUrl('http://example.org:81/') as Url), 'example.org:81');
});

test('names: /etc/hosts by family, endpoints, AAAA answers', () => {
  const hosts = '# comment\n::1 localhost ip6-localhost\n127.0.0.1 localhost\n2001:db8::7 six.example  # v6 only\n10.0.0.7 both.example\nfd00::7 both.example\n';
  assert.equal(hostsLookup('localhost', hosts), '127.0.0.1');
  assert.equal(hostsLookup('localhost', hosts, 6), '::1');
  assert.equal(hostsLookup('localhost', hosts, 0), '::1');
  assert.equal(hostsLookup('six.example', hosts), null);
  assert.equal(hostsLookup('six.example', hosts, 0), '2001:db8::7');
  assert.equal(hostsLookup('both.example', hosts, 6), 'fd00::7');
  assert.equal(familyOf('fe80::1'), 6);
  assert.equal(familyOf('10.1.2.3'), 4);
  assert.equal(familyOf('example.org'), null);
  assert.equal(endpointText('::1', 80), '[::1]:80');
  assert.equal(endpointText('fe80::1%eth0', 80), '[fe80::1%eth0]:80');
  assert.equal(endpointText('10.0.0.1', 80), '10.0.0.1:80');
  // An AAAA query asks for type 28; its answer's addresses come back as text.
  const q = aQuery(0x1234, 'six.example', 6);
  assert.equal((q[q.length - 4]! << 8) | q[q.length - 3]!, DnsType.AAAA);
  const r: DnsRepr = { ...dnsQuery(0x1234, 'six.example', DnsType.AAAA), response: true, answers: [{ name: 'six.example', class: 1, ttl: 60, data: { type: DnsType.AAAA, address: ip6('2001:db8::7') } }] };
  const out = new Uint8Array(dnsBufferLen(r));
  emitDns(r, out);
  assert.deepEqual(aaaaAnswers(out, 0x1234), ['2001:db8::7']);
  assert.equal(aaaaAnswers(out, 0x9999), null);
});

test('http: ranges', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=50-500', 100), { start: 50, end: 99 });
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,5-6', 100), 'none');
  assert.equal(parseRange(undefined, 100), 'none');
});
