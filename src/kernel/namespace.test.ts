import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isErr } from '../abi/errno.js';
import { beneath, canonicalize, Namespace, splitScheme } from './namespace.js';

test('paths are canonicalised lexically against the cwd', () => {
  assert.equal(canonicalize('/home/a', '../b/./c//d/..'), '/home/b/c');
  assert.equal(canonicalize('/', '../../x'), '/x');
  assert.equal(canonicalize('/scheme/initfs', 'bin/init'), '/scheme/initfs/bin/init');
  assert.ok(isErr(canonicalize('/', '')));
  assert.ok(isErr(canonicalize('/', 'a\0b')));
});

test('a path that is already canonical comes back as it is; any other is rebuilt', () => {
  for (const p of ['/', '/files/f00001', '/a/.hidden', '/a/..b', '/...', '/scheme/initfs/bin/init']) assert.equal(canonicalize('/x', p), p);
  const rebuilt: [string, string][] = [['//', '/'], ['/a//b', '/a/b'], ['/a/./b', '/a/b'], ['/a/../b', '/b'], ['/a/b/', '/a/b'], ['/a/.', '/a'], ['/a/..', '/'], ['/..', '/'], ['/.', '/']];
  for (const [p, want] of rebuilt) assert.equal(canonicalize('/x', p), want, p);
});

test('scheme paths split into scheme and reference; anything else is file', () => {
  assert.deepEqual(splitScheme('/scheme/tcp/10.0.2.2:80'), { scheme: 'tcp', ref: '10.0.2.2:80', canonical: '/scheme/tcp/10.0.2.2:80' });
  assert.deepEqual(splitScheme('/scheme/event'), { scheme: 'event', ref: '', canonical: '/scheme/event' });
  assert.deepEqual(splitScheme('/etc/passwd'), { scheme: 'file', ref: 'etc/passwd', canonical: '/etc/passwd' });
});

test('beneath: a held directory grants what is under it and nothing above', () => {
  assert.equal(beneath('/tmp', 'a/../b'), '/tmp/b');
  assert.ok(isErr(beneath('/tmp', '../etc')));
  assert.ok(isErr(beneath('/tmp', 'a/../../etc')));
  assert.ok(isErr(beneath('/tmp', '/etc')));
});

test('namespaces only narrow', () => {
  const all = Namespace.all();
  const n = all.narrow(['file', 'pipe']);
  assert.deepEqual(n.list(), ['file', 'pipe']);
  assert.deepEqual(n.narrow(['pipe', 'tcp']).list(), ['pipe']);
  assert.equal(n.narrow([]).has('pipe'), false);
  assert.equal(all.list(), null);
});
