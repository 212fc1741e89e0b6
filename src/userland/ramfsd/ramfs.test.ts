import { test } from 'node:test';
import assert from 'node:assert/strict';
import { O, S } from '../../abi/flags.js';
import { parseDirents } from '../../abi/dirent.js';
import { RamFs } from './ramfs.js';

const root = { uid: 0, gid: 0 };
const alice = { uid: 1000, gid: 1000 };
const bob = { uid: 1001, gid: 1001 };
const errno = (f: () => unknown): number => {
  try {
    f();
    return 0;
  } catch (e) {
    return (e as { errno: number }).errno;
  }
};
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test('files: create, write at offsets (sparse), read back, truncate', () => {
  const fs = new RamFs(1 << 20, () => 0);
  const f = fs.open('a.txt', O.CREAT | O.WRONLY, 0o644, root);
  fs.write(f, 0, new TextEncoder().encode('hello'));
  fs.write(f, 10, new TextEncoder().encode('x'));
  assert.equal(fs.stat(f).size, 11);
  assert.deepEqual([...fs.read(f, 4, 4)], [0x6f, 0, 0, 0]);
  fs.truncate(f, 2);
  assert.equal(text(fs.read(f, 0, 100)), 'he');
  assert.equal(fs.write(f, -1, new TextEncoder().encode('!'))[1], 3, 'append lands at the end');
});

test('directories: mkdir, listing with stable cookies while entries change, rmdir rules', () => {
  const fs = new RamFs(1 << 20, () => 0);
  fs.mkdir('d', 0o755, root);
  for (const n of ['a', 'b', 'c']) fs.open(`d/${n}`, O.CREAT, 0o644, root);
  const d = fs.lookup('d', root);
  const [first, cookie] = fs.getdents(d, 0, 19 + 8 + 24); // room for two records
  assert.deepEqual(parseDirents(first).map((e) => e.name), ['.', '..']);
  fs.unlink('d/a', root);
  fs.open('d/z', O.CREAT, 0o644, root);
  const [rest] = fs.getdents(d, cookie, 4096);
  assert.deepEqual(parseDirents(rest).map((e) => e.name), ['b', 'c', 'z']);
  assert.equal(errno(() => fs.rmdir('d', root)), 39 /* ENOTEMPTY */);
  assert.equal(errno(() => fs.rmdir('d/b', root)), 20 /* ENOTDIR */);
  assert.equal(errno(() => fs.mkdir('d', 0o755, root)), 17 /* EEXIST */);
});

test('rename is atomic and replaces; a directory cannot move into itself', () => {
  const fs = new RamFs(1 << 20, () => 0);
  const a = fs.open('a', O.CREAT | O.WRONLY, 0o644, root);
  fs.write(a, 0, new TextEncoder().encode('new'));
  const b = fs.open('b', O.CREAT | O.WRONLY, 0o644, root);
  fs.write(b, 0, new TextEncoder().encode('old'));
  fs.rename('a', 'b', root);
  assert.equal(text(fs.read(fs.lookup('b', root), 0, 10)), 'new');
  assert.equal(errno(() => fs.lookup('a', root)), 2);
  fs.mkdir('x', 0o755, root);
  fs.mkdir('x/y', 0o755, root);
  assert.equal(errno(() => fs.rename('x', 'x/y/z', root)), 22);
});

test('links: hard links share a node, symlinks resolve relative to their directory', () => {
  const fs = new RamFs(1 << 20, () => 0);
  fs.mkdir('etc', 0o755, root);
  const f = fs.open('etc/passwd', O.CREAT | O.WRONLY, 0o644, root);
  fs.write(f, 0, new TextEncoder().encode('root:x:0:0'));
  fs.link('etc/passwd', 'etc/pw2', root);
  assert.equal(fs.stat(f).nlink, 2);
  fs.symlink('passwd', 'etc/link', root);
  fs.symlink('/etc', 'etclink', root);
  assert.equal(text(fs.read(fs.lookup('etc/link', root), 0, 100)), 'root:x:0:0');
  assert.equal(text(fs.read(fs.lookup('etclink/pw2', root), 0, 4)), 'root');
  assert.equal(fs.readlink('etc/link', root), 'passwd');
  assert.equal(fs.stat(fs.lookup('etc/link', root, false)).mode & S.IFMT, S.IFLNK);
  fs.symlink('loop', 'loop', root);
  assert.equal(errno(() => fs.lookup('loop', root)), 40 /* ELOOP */);
});

test('permissions are checked against the caller: modes, owners, sticky /tmp', () => {
  const fs = new RamFs(1 << 20, () => 0);
  fs.mkdir('home', 0o755, root);
  fs.mkdir('home/alice', 0o700, root);
  fs.chown(fs.lookup('home/alice', root), 1000, 1000, root);
  fs.open('home/alice/secret', O.CREAT | O.WRONLY, 0o600, alice);
  assert.equal(errno(() => fs.open('home/alice/secret', O.RDONLY, 0, bob)), 13);
  assert.equal(errno(() => fs.open('home/x', O.CREAT, 0o644, alice)), 13);
  assert.equal(errno(() => fs.chmod(fs.lookup('home/alice/secret', alice), 0o777, bob)), 1 /* EPERM: not the owner */);
  fs.mkdir('tmp', 0o1777, root);
  fs.open('tmp/a', O.CREAT, 0o666, alice);
  assert.equal(errno(() => fs.unlink('tmp/a', bob)), 1 /* EPERM: sticky */);
  fs.unlink('tmp/a', alice);
  assert.equal(errno(() => fs.chown(fs.lookup('tmp', root), 1000, 1000, alice)), 1);
});

test('a full filesystem answers ENOSPC and keeps what it had', () => {
  const fs = new RamFs(64 * 1024, () => 0);
  const f = fs.open('big', O.CREAT | O.WRONLY, 0o644, root);
  fs.write(f, 0, new Uint8Array(60 * 1024).fill(1));
  assert.equal(errno(() => fs.write(f, 60 * 1024, new Uint8Array(8 * 1024))), 28);
  assert.equal(fs.stat(f).size, 60 * 1024);
  fs.unlink('big', root);
  const g = fs.open('g', O.CREAT | O.WRONLY, 0o644, root);
  fs.write(g, 0, new Uint8Array(60 * 1024));
});
