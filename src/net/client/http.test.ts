// HTTP helpers: URL parsing, Location resolution and Range parsing (the parts that need no
// connection; bodies and heads are exercised through fetch and httpd in tests/net.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange, parseUrl, resolveLocation, type Url } from './http.js';

test('http: URLs', () => {
  assert.deepEqual(parseUrl('http://10.0.2.2:8000/a/b?x=1'), { scheme: 'http', host: '10.0.2.2', port: 8000, target: '/a/b?x=1' });
  assert.deepEqual(parseUrl('example.org'), { scheme: 'http', host: 'example.org', port: 80, target: '/' });
  assert.match(parseUrl('https://x/') as string, /not supported/);
  const base = parseUrl('http://h:81/dir/page.html') as Url;
  assert.equal((resolveLocation(base, '/top') as Url).target, '/top');
  assert.equal((resolveLocation(base, 'other') as Url).target, '/dir/other');
  assert.equal((resolveLocation(base, 'http://k/z') as Url).host, 'k');
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
