// POSIX behaviour of the MHFS library, run against every block device back end: names,
// data at any offset, holes, truncate, links, symlinks, rename with replacement, attributes,
// permissions, readdir cookies, and everything surviving a remount with fsck clean.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Mhfs, Follow } from './mhfs.js';
import { isFsError, type Errno } from './errors.js';
import { S_IFDIR, S_IFLNK, S_IFREG } from './node.js';
import { assertClean, backends, bytes } from './testutil.js';
import { queueBackend } from '../userland/fsd/testbackend.js';
import { readFile, writeFile } from './paths.js';
import { openPath } from './open.js';
import { NodeType } from './node.js';
import type { BlockDevice } from './blockdev.js';
import { Access } from './volume.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function throwsErrno(f: () => unknown, code: Errno): void {
  assert.throws(f, (e: unknown) => isFsError(e, code), `expected ${code}`);
}

for (const backend of [...backends(), queueBackend()]) {
  describe(`MHFS POSIX behaviour on the ${backend.name} device`, () => {
    after(() => backend.cleanup());
    const fresh = (blocks = 8192): { dev: BlockDevice; fs: Mhfs } => {
      const dev = backend.make(blocks);
      return { dev, fs: Mhfs.format(dev, { hashSalt: 1234 }) };
    };
    const remount = (dev: BlockDevice, fs: Mhfs): Mhfs => {
      fs.sync();
      return Mhfs.mount(dev);
    };

    it('creates, looks up and reads back files and directories after a remount', () => {
      const { dev, fs } = fresh();
      const etc = fs.mkdir(fs.root, 'etc', 0o755);
      const f = fs.create(etc, 'motd', 0o644);
      assert.equal(fs.write(f, 0, enc('welcome\n')), 8);
      const fs2 = remount(dev, fs);
      const id = fs2.resolve('/etc/motd');
      assert.equal(id, f);
      assert.equal(dec(fs2.readAll(id)), 'welcome\n');
      assert.equal(fs2.stat(id).mode, S_IFREG | 0o644);
      assert.equal(fs2.stat(etc).mode, S_IFDIR | 0o755);
      assert.equal(fs2.stat(fs2.root).nlink, 3);
      throwsErrno(() => fs2.create(etc, 'motd', 0o644), 'EEXIST');
      throwsErrno(() => fs2.resolve('/etc/nothing'), 'ENOENT');
      throwsErrno(() => fs2.resolve('/etc/motd/x'), 'ENOTDIR');
      throwsErrno(() => fs2.create(fs2.root, 'x'.repeat(256), 0o644), 'ENAMETOOLONG');
      fs2.create(fs2.root, 'x'.repeat(255), 0o644);
      assertClean(dev);
    });

    it('refuses every change on a read-only mount, names and attributes included', () => {
      const { dev, fs } = fresh();
      const f = fs.create(fs.root, 'f', 0o644);
      fs.write(f, 0, enc('kept\n'));
      fs.sync();
      const ro = Mhfs.mount(dev, Access.ReadOnly);
      assert.equal(dec(ro.readAll(f)), 'kept\n');
      throwsErrno(() => ro.create(ro.root, 'new', 0o644), 'EROFS');
      throwsErrno(() => ro.mkdir(ro.root, 'd', 0o755), 'EROFS');
      throwsErrno(() => ro.write(f, 0, enc('x')), 'EROFS');
      throwsErrno(() => ro.truncate(f, 0), 'EROFS');
      throwsErrno(() => ro.chmod(f, 0o600), 'EROFS');
      throwsErrno(() => ro.rename(ro.root, 'f', ro.root, 'g'), 'EROFS');
      throwsErrno(() => ro.unlink(ro.root, 'f'), 'EROFS');
      assert.deepEqual(ro.readdir(ro.root, 0, 10).map((e) => e.name), ['.', '..', 'f']);
      assertClean(dev);
    });

    it('reads and writes at any offset, with holes reading as zeros', () => {
      const { dev, fs } = fresh();
      const f = fs.create(fs.root, 'sparse', 0o600);
      fs.write(f, 10_000_000, enc('end'));
      fs.write(f, 4090, enc('straddles a block edge'));
      const fs2 = remount(dev, fs);
      assert.equal(fs2.stat(f).size, 10_000_003);
      assert.ok(fs2.stat(f).blocks <= 3 * 8, 'a sparse file holds only the blocks written');
      const b = new Uint8Array(30);
      fs2.read(f, 4085, b);
      assert.deepEqual(b, Uint8Array.from([0, 0, 0, 0, 0, ...enc('straddles a block edge'), 0, 0, 0]));
      const tail = new Uint8Array(10);
      assert.equal(fs2.read(f, 9_999_998, tail), 5);
      assert.deepEqual(tail.subarray(0, 5), Uint8Array.from([0, 0, ...enc('end')]));
      assert.equal(fs2.read(f, 20_000_000, tail), 0);
      assertClean(dev);
    });

    it('keeps large unaligned writes exact, overwrites in place and copies on write', () => {
      const { dev, fs } = fresh();
      const f = fs.create(fs.root, 'big', 0o644);
      const data = bytes(3 * 1024 * 1024 + 777, 1);
      assert.equal(fs.write(f, 123, data), data.length);
      fs.sync();
      const patch = bytes(70_000, 2);
      fs.write(f, 500_000, patch);
      fs.write(f, 500_100, patch.subarray(0, 10)); // same transaction: overwrite in place
      const want = new Uint8Array(123 + data.length);
      want.set(data, 123);
      want.set(patch, 500_000);
      want.set(patch.subarray(0, 10), 500_100);
      const fs2 = remount(dev, fs);
      assert.deepEqual(fs2.readAll(f), want);
      assertClean(dev);
    });

    it('agrees with a model under random writes and truncates over tall sparse trees', () => {
      const { dev, fs } = fresh(16384);
      const CH = 65536;
      /** A sparse model of one file: 64 KiB chunks, absent ones zero. */
      class Model {
        size = 0;
        chunks = new Map<number, Uint8Array>();
        write(off: number, data: Uint8Array): void {
          for (let p = 0; p < data.length; ) {
            const c = Math.floor((off + p) / CH);
            const at = (off + p) % CH;
            const n = Math.min(CH - at, data.length - p);
            let ch = this.chunks.get(c);
            if (!ch) this.chunks.set(c, (ch = new Uint8Array(CH)));
            ch.set(data.subarray(p, p + n), at);
            p += n;
          }
          this.size = Math.max(this.size, off + data.length);
        }
        truncate(size: number): void {
          for (const c of [...this.chunks.keys()]) {
            if (c * CH >= size) this.chunks.delete(c);
            else if ((c + 1) * CH > size) this.chunks.get(c)!.fill(0, size - c * CH);
          }
          this.size = size;
        }
      }
      const ids = [0, 1, 2].map((i) => fs.create(fs.root, `m${i}`, 0o644));
      const models = ids.map(() => new Model());
      let seed = 1;
      const rand = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return Math.floor((seed / 2 ** 32) * n);
      };
      for (let step = 0; step < 150; step++) {
        const k = rand(3);
        const m = models[k]!;
        // Offsets reach past 256 MiB, so trees grow to three levels with holes between.
        const far = rand(4) === 0 ? rand(300) * 1024 * 1024 + rand(4096) : rand(2 * 1024 * 1024);
        if (rand(4) === 0) {
          const size = rand(2) ? rand(m.size + 1) : far;
          fs.truncate(ids[k]!, size);
          m.truncate(size);
        } else {
          const data = bytes(1 + rand(40_000), step);
          fs.write(ids[k]!, far, data);
          m.write(far, data);
        }
        if (step % 30 === 29) fs.sync();
      }
      const fs2 = remount(dev, fs);
      assert.ok(ids.some((id) => fs2.vol.dataTree(id).height >= 3), 'some tree has three levels');
      const got = new Uint8Array(CH);
      ids.forEach((id, k) => {
        const m = models[k]!;
        assert.equal(fs2.stat(id).size, m.size);
        for (const [c, want] of m.chunks) {
          const n = fs2.read(id, c * CH, got);
          assert.equal(n, Math.min(CH, m.size - c * CH));
          assert.ok(Buffer.compare(Buffer.from(got.subarray(0, n)), Buffer.from(want.subarray(0, n))) === 0, `file ${k} chunk ${c}`);
        }
        for (let probe = 0; probe < 20; probe++) {
          const c = rand(Math.ceil(m.size / CH) || 1);
          if (m.chunks.has(c) || c * CH >= m.size) continue;
          const n = fs2.read(id, c * CH, got);
          assert.ok(got.subarray(0, n).every((x) => x === 0), `file ${k} hole at chunk ${c}`);
        }
      });
      assertClean(dev);
    });

    it('truncates down and up, zeroing what is uncovered', () => {
      const { dev, fs } = fresh();
      const f = fs.create(fs.root, 't', 0o644);
      fs.write(f, 0, bytes(20_000, 3));
      fs.truncate(f, 5000);
      fs.truncate(f, 12_000);
      const fs2 = remount(dev, fs);
      const got = fs2.readAll(f);
      assert.equal(got.length, 12_000);
      assert.deepEqual(got.subarray(0, 5000), bytes(20_000, 3).subarray(0, 5000));
      assert.ok(got.subarray(5000).every((x) => x === 0));
      fs2.truncate(f, 0);
      assert.equal(fs2.stat(f).blocks, 0);
      throwsErrno(() => fs2.truncate(fs2.root, 0), 'EISDIR');
      assertClean(dev);
    });

    it('unlinks, rmdirs and refuses what POSIX refuses', () => {
      const { dev, fs } = fresh();
      const d = fs.mkdir(fs.root, 'd', 0o755);
      fs.create(d, 'f', 0o644);
      throwsErrno(() => fs.rmdir(fs.root, 'd'), 'ENOTEMPTY');
      throwsErrno(() => fs.unlink(fs.root, 'd'), 'EISDIR');
      throwsErrno(() => fs.rmdir(d, 'f'), 'ENOTDIR');
      throwsErrno(() => fs.unlink(d, 'nope'), 'ENOENT');
      throwsErrno(() => fs.rmdir(d, '.'), 'EINVAL');
      fs.unlink(d, 'f');
      fs.rmdir(fs.root, 'd');
      throwsErrno(() => fs.lookup(fs.root, 'd'), 'ENOENT');
      assert.equal(fs.stat(fs.root).nlink, 2);
      remount(dev, fs);
      assertClean(dev);
    });

    it('renames atomically, replacing files and empty directories', () => {
      const { dev, fs } = fresh();
      const a = fs.mkdir(fs.root, 'a', 0o755);
      const b = fs.mkdir(fs.root, 'b', 0o755);
      const x = fs.create(a, 'x', 0o644);
      fs.write(x, 0, enc('new'));
      const y = fs.create(b, 'y', 0o644);
      fs.write(y, 0, enc('old'));
      fs.rename(a, 'x', b, 'y');
      assert.equal(fs.lookup(b, 'y'), x);
      throwsErrno(() => fs.lookup(a, 'x'), 'ENOENT');
      throwsErrno(() => fs.stat(y), 'ENOENT');
      // Directories: move with .. updated, replace an empty one, refuse a non-empty one.
      const sub = fs.mkdir(a, 'sub', 0o755);
      fs.mkdir(b, 'empty', 0o755);
      fs.rename(a, 'sub', b, 'empty');
      assert.equal(fs.lookup(b, 'empty'), sub);
      assert.equal(fs.lookup(sub, '..'), b);
      assert.equal(fs.stat(a).nlink, 2);
      assert.equal(fs.stat(b).nlink, 3);
      throwsErrno(() => fs.rename(fs.root, 'b', b, 'inside'), 'EINVAL');
      throwsErrno(() => fs.rename(fs.root, 'b', sub, 'deeper'), 'EINVAL');
      fs.create(sub, 'f', 0o644);
      fs.mkdir(fs.root, 'c', 0o755);
      throwsErrno(() => fs.rename(fs.root, 'c', b, 'empty'), 'ENOTEMPTY');
      throwsErrno(() => fs.rename(fs.root, 'c', b, 'y'), 'ENOTDIR');
      throwsErrno(() => fs.rename(b, 'y', fs.root, 'c'), 'EISDIR');
      // Same node under two names: nothing happens.
      fs.link(x, fs.root, 'x2');
      fs.rename(fs.root, 'x2', b, 'y');
      assert.equal(fs.lookup(fs.root, 'x2'), x);
      const fs2 = remount(dev, fs);
      assert.equal(dec(readFile(fs2, '/b/y')), 'new');
      assertClean(dev);
    });

    it('keeps hard links counted and data alive until the last name goes', () => {
      const { dev, fs } = fresh();
      const f = fs.create(fs.root, 'one', 0o644);
      fs.write(f, 0, enc('shared'));
      fs.link(f, fs.root, 'two');
      assert.equal(fs.stat(f).nlink, 2);
      throwsErrno(() => fs.link(fs.root, fs.root, 'rootlink'), 'EPERM');
      fs.unlink(fs.root, 'one');
      assert.equal(dec(readFile(fs, '/two')), 'shared');
      // An open node outlives its last name.
      fs.retain(f);
      fs.unlink(fs.root, 'two');
      assert.equal(dec(fs.readAll(f)), 'shared');
      fs.release(f);
      throwsErrno(() => fs.stat(f), 'ENOENT');
      remount(dev, fs);
      assertClean(dev);
    });

    it('makes and follows symlinks, relative and absolute, and detects loops', () => {
      const { dev, fs } = fresh();
      writeFile(fs, '/usr/lib/libc.so', enc('libc'));
      const usr = fs.resolve('/usr');
      fs.symlink(usr, 'lib64', 'lib');
      fs.symlink(fs.root, 'abs', '/usr/lib64/libc.so');
      fs.symlink(fs.root, 'loop1', 'loop2');
      fs.symlink(fs.root, 'loop2', 'loop1');
      assert.equal(dec(readFile(fs, '/usr/lib64/libc.so')), 'libc');
      assert.equal(dec(readFile(fs, '/abs')), 'libc');
      const l = fs.resolve('/abs', Follow.No);
      assert.equal(fs.stat(l).mode, S_IFLNK | 0o777);
      assert.equal(fs.readlink(l), '/usr/lib64/libc.so');
      throwsErrno(() => fs.resolve('/loop1'), 'ELOOP');
      throwsErrno(() => fs.readlink(usr), 'EINVAL');
      remount(dev, fs);
      assertClean(dev);
    });

    it('sets modes, owners and times, and checks permissions for a caller', () => {
      const { dev, fs } = fresh();
      const alice = { uid: 1000, gid: 1000 };
      const bob = { uid: 1001, gid: 1001 };
      const home = fs.mkdir(fs.root, 'home', 0o755);
      throwsErrno(() => fs.mkdir(home, 'alice', 0o700, alice), 'EACCES');
      const ah = fs.mkdir(home, 'alice', 0o700);
      fs.chown(ah, 1000, 1000);
      const f = fs.create(ah, 'secret', 0o600, alice);
      assert.equal(fs.stat(f).uid, 1000);
      throwsErrno(() => fs.lookup(ah, 'secret', bob), 'EACCES');
      throwsErrno(() => fs.chmod(f, 0o644, bob), 'EPERM');
      throwsErrno(() => fs.chown(f, 1001, -1, alice), 'EPERM');
      fs.chmod(f, 0o640, alice);
      assert.equal(fs.stat(f).mode & 0o7777, 0o640);
      fs.utimens(f, { sec: 1, nsec: 2 }, { sec: 3, nsec: 4 }, alice);
      const tmp = fs.mkdir(fs.root, 'tmp', 0o1777);
      fs.create(tmp, 'alices', 0o644, alice);
      throwsErrno(() => fs.unlink(tmp, 'alices', bob), 'EPERM');
      fs.unlink(tmp, 'alices', alice);
      const fs2 = remount(dev, fs);
      const s = fs2.stat(f);
      assert.deepEqual([s.atime, s.mtime], [{ sec: 1, nsec: 2 }, { sec: 3, nsec: 4 }]);
      assert.ok(s.ctime.sec > 1_700_000_000);
      assertClean(dev);
    });

    it('updates atime on read in the manner of relatime', () => {
      const { dev, fs } = fresh();
      const f = fs.create(fs.root, 'f', 0o644);
      fs.write(f, 0, enc('data'));
      fs.utimens(f, { sec: 10, nsec: 0 }, { sec: 20, nsec: 0 });
      fs.read(f, 0, new Uint8Array(4));
      const first = fs.stat(f).atime;
      assert.ok(first.sec > 1_700_000_000, 'an atime older than mtime is brought up to date');
      fs.utimens(f, { sec: first.sec, nsec: first.nsec }, { sec: 20, nsec: 0 });
      const ctime = fs.stat(f).ctime;
      // Let the clock pass ctime, so the new atime is strictly newer (timestamps are in ms).
      const until = ctime.sec * 1000 + ctime.nsec / 1e6 + 2;
      while (Date.now() <= until);
      fs.read(f, 0, new Uint8Array(4));
      assert.ok(fs.stat(f).atime.sec >= ctime.sec, 'an atime not newer than ctime moves');
      const settled = fs.stat(f).atime;
      fs.read(f, 0, new Uint8Array(4));
      assert.deepEqual(fs.stat(f).atime, settled, 'a recent atime stays');
      remount(dev, fs);
      assertClean(dev);
    });

    it('opens with the flags of open(2)', () => {
      const { dev, fs } = fresh();
      const alice = { uid: 1000, gid: 1000 };
      const tmp = fs.mkdir(fs.root, 'tmp', 0o1777);
      const a = openPath(fs, '/tmp/a', { write: true, create: true, mode: 0o600 }, alice);
      assert.deepEqual([a.created, a.type], [true, NodeType.File]);
      fs.write(a.id, 0, enc('hello'));
      assert.equal(openPath(fs, '/tmp/a', { write: true, create: true }, alice).created, false);
      throwsErrno(() => openPath(fs, '/tmp/a', { write: true, create: true, exclusive: true }, alice), 'EEXIST');
      throwsErrno(() => openPath(fs, '/tmp/a', { read: true }, { uid: 1001, gid: 1001 }), 'EACCES');
      throwsErrno(() => openPath(fs, '/tmp/a', { read: true, directory: true }, alice), 'ENOTDIR');
      throwsErrno(() => openPath(fs, '/tmp', { write: true }), 'EISDIR');
      throwsErrno(() => openPath(fs, '/tmp/missing', { read: true }), 'ENOENT');
      fs.symlink(tmp, 'ln', 'a', alice);
      throwsErrno(() => openPath(fs, '/tmp/ln', { read: true, noFollow: true }), 'ELOOP');
      throwsErrno(() => openPath(fs, '/tmp/ln', { write: true, create: true, noFollow: true }), 'ELOOP');
      assert.equal(openPath(fs, '/tmp/ln', { read: true }).id, a.id);
      const t = openPath(fs, 'ln', { write: true, truncate: true, create: true }, alice, tmp);
      assert.deepEqual([t.id, t.created, fs.stat(a.id).size], [a.id, false, 0]);
      assert.equal(openPath(fs, '/', { read: true, directory: true }).type, NodeType.Directory);
      remount(dev, fs);
      assertClean(dev);
    });

    it('lists large directories with cookies that survive changes between calls', () => {
      const { dev, fs } = fresh();
      const d = fs.mkdir(fs.root, 'many', 0o755);
      assert.equal(fs.stat(d).size, 4096, 'an empty directory is one bucket block');
      const names = new Set<string>();
      for (let i = 0; i < 3000; i++) {
        const n = `file-${i}-${'x'.repeat(i % 40)}`;
        fs.create(d, n, 0o644);
        names.add(n);
      }
      assert.ok(fs.vol.record(d).dirBits >= 4, 'the table has grown');
      assert.equal(fs.stat(d).size, 2 ** fs.vol.record(d).dirBits * 4096, "a directory's size is its bucket table's");
      const seen = new Set<string>();
      let cookie = 0;
      let calls = 0;
      for (;;) {
        const batch = fs.readdir(d, cookie, 50);
        if (!batch.length) break;
        for (const e of batch) if (e.name !== '.' && e.name !== '..') seen.add(e.name);
        cookie = batch[batch.length - 1]!.cookie;
        // Inserts in between (growing the table) must not repeat or skip the old names.
        if (++calls === 5) for (let i = 0; i < 500; i++) fs.create(d, `late-${i}`, 0o644);
      }
      for (const n of names) assert.ok(seen.has(n), `listed ${n}`);
      // One entry at a time, as a tiny getdents buffer would ask.
      const one: string[] = [];
      for (let c = 0, b = fs.readdir(d, 0, 1); b.length; c = b[0]!.cookie, b = fs.readdir(d, c, 1)) {
        assert.equal(b.length, 1);
        one.push(b[0]!.name);
      }
      assert.equal(one.length, 2 + 3500);
      assert.deepEqual(one.slice(0, 2), ['.', '..']);
      const fs2 = remount(dev, fs);
      assert.equal(fs2.stat(d).nlink, 2);
      assert.equal(fs2.vol.record(d).entries, 3500);
      for (let i = 0; i < 3000; i += 7) fs2.unlink(d, `file-${i}-${'x'.repeat(i % 40)}`);
      remount(dev, fs2);
      assertClean(dev);
    });

    it('reads, overwrites and truncates data whose checksums are still to come, before any commit', () => {
      const { dev, fs } = fresh();
      const f = fs.create(fs.root, 'f', 0o644);
      const MiB = 1024 * 1024;
      const want = bytes(4 * MiB, 3);
      for (let i = 0; i < 4; i++) assert.equal(fs.write(f, i * MiB, want.subarray(i * MiB, (i + 1) * MiB)), MiB);
      // A read in the middle of what was just written, across two runs.
      const mid = new Uint8Array(MiB);
      assert.equal(fs.read(f, MiB / 2, mid), MiB);
      assert.deepEqual(mid, want.subarray(MiB / 2, MiB / 2 + MiB));
      // Whole blocks over a written run (in place: the blocks are fresh), then part of a block.
      const over = bytes(64 * 4096, 4);
      fs.write(f, 2 * MiB + 8192, over);
      want.set(over, 2 * MiB + 8192);
      const bit = bytes(100, 5);
      fs.write(f, 3 * MiB + 10, bit);
      want.set(bit, 3 * MiB + 10);
      // Written after a truncate into a run whose checksums were never asked for.
      fs.write(f, 4 * MiB, bytes(MiB, 6));
      fs.truncate(f, 4 * MiB + 5000);
      const tail = new Uint8Array(4 * MiB + 5000);
      tail.set(want);
      tail.set(bytes(MiB, 6).subarray(0, 5000), 4 * MiB);
      assert.deepEqual(fs.readAll(f), tail);
      const fs2 = remount(dev, fs);
      assert.deepEqual(fs2.readAll(f), tail);
      assertClean(dev);
    });

    it('reuses freed space after a commit before space never written', () => {
      const { dev, fs } = fresh();
      const a = fs.create(fs.root, 'a', 0o644);
      fs.write(a, 0, bytes(1024 * 1024, 7));
      fs.sync();
      const first = fs.vol.dataTree(a).leafPtr(0).addr;
      fs.unlink(fs.root, 'a');
      fs.sync();
      const b = fs.create(fs.root, 'b', 0o644);
      fs.write(b, 0, bytes(1024 * 1024, 8));
      assert.equal(fs.vol.dataTree(b).leafPtr(0).addr, first, 'the new file starts where the freed one did');
      fs.sync();
      assertClean(dev);
    });

    it('reports space in statvfs and frees it after deletes', () => {
      const { dev, fs } = fresh();
      const before = fs.statvfs();
      const f = fs.create(fs.root, 'f', 0o644);
      fs.write(f, 0, new Uint8Array(4 << 20).fill(1));
      fs.sync();
      const mid = fs.statvfs();
      assert.ok(before.bavail - mid.bavail >= 1024);
      fs.unlink(fs.root, 'f');
      fs.sync();
      assert.ok(fs.statvfs().bavail >= before.bavail - 2);
      assert.equal(before.namemax, 255);
      assertClean(dev);
    });
  });
}
