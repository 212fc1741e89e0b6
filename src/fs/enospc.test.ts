// A full disk: writes come back short or fail with ENOSPC, namespace changes fail with ENOSPC
// before changing anything, deletes still work, and the filesystem is consistent throughout
// (fsck clean after each step, everything acknowledged readable after a remount).
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { isFsError } from './errors.js';
import { Mhfs } from './mhfs.js';
import { assertClean, backends, bytes } from './testutil.js';
import { queueBackend } from '../userland/fsd/testbackend.js';
import { tuning } from './volume.js';

// On a full disk the library commits in the middle of operations to release quarantined
// blocks; running once more with the caches dropped at every commit checks nothing holds on to
// a dropped tree across that.
const configs = [...[...backends(), queueBackend()].map((b) => ({ backend: b, dropCaches: false })), { backend: backends()[0]!, dropCaches: true }];
for (const { backend, dropCaches } of configs) {
  describe(`ENOSPC on the ${backend.name} device${dropCaches ? ', caches dropped at every commit' : ''}`, () => {
    const saved = tuning.cacheBlocks;
    before(() => {
      if (dropCaches) tuning.cacheBlocks = 0;
    });
    after(() => {
      tuning.cacheBlocks = saved;
      backend.cleanup();
    });

    it('fills with file data, stays consistent, and recovers after deletes', () => {
      const dev = backend.make(600);
      const fs = Mhfs.format(dev);
      const kept = fs.create(fs.root, 'kept', 0o644);
      fs.write(kept, 0, bytes(50_000, 9));
      fs.sync();
      const f = fs.create(fs.root, 'filler', 0o644);
      const chunk = bytes(256 * 1024, 1);
      let size = 0;
      let sawEnospc = false;
      for (let i = 0; i < 100 && !sawEnospc; i++) {
        try {
          const n = fs.write(f, size, chunk);
          size += n;
          if (n < chunk.length) sawEnospc = true;
        } catch (e) {
          assert.ok(isFsError(e, 'ENOSPC'), String(e));
          sawEnospc = true;
        }
      }
      assert.ok(sawEnospc, 'the disk filled');
      assert.equal(fs.stat(f).size, size);
      assert.throws(() => fs.write(f, size, chunk), (e: unknown) => isFsError(e, 'ENOSPC'));
      fs.sync();
      assertClean(dev);
      const fs2 = Mhfs.mount(dev);
      const got = fs2.readAll(f);
      assert.equal(got.length, size);
      for (let off = 0; off < size; off += chunk.length) assert.deepEqual(got.subarray(off, Math.min(size, off + chunk.length)), chunk.subarray(0, Math.min(chunk.length, size - off)));
      assert.deepEqual(fs2.readAll(kept), bytes(50_000, 9));
      // Small files until even a name does not fit; each failure changes nothing.
      let created = 0;
      for (let i = 0; i < 5000; i++) {
        try {
          const id = fs2.create(fs2.root, `small${i}`, 0o644);
          created++;
          fs2.write(id, 0, bytes(3000, i));
        } catch (e) {
          assert.ok(isFsError(e, 'ENOSPC'), String(e));
          break;
        }
      }
      fs2.sync();
      assertClean(dev);
      // Deleting works on the full disk, and the space comes back.
      fs2.unlink(fs2.root, 'filler');
      for (let i = 0; i < created; i++) fs2.unlink(fs2.root, `small${i}`);
      fs2.sync();
      assertClean(dev);
      const again = fs2.create(fs2.root, 'again', 0o644);
      assert.equal(fs2.write(again, 0, bytes(1024 * 1024, 2)), 1024 * 1024);
      fs2.sync();
      assertClean(dev);
      assert.deepEqual(Mhfs.mount(dev).readAll(again), bytes(1024 * 1024, 2));
    });

    it('stays consistent under random operations on a disk that keeps filling up', () => {
      const dev = backend.make(400);
      const fs = Mhfs.format(dev, { hashSalt: 5 });
      let seed = 99;
      const rand = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return Math.floor((seed / 2 ** 32) * n);
      };
      const dirs = [fs.root, fs.mkdir(fs.root, 'a', 0o755), fs.mkdir(fs.root, 'b', 0o755)];
      const name = () => `n${rand(60)}-${'x'.repeat(rand(120))}`;
      let enospc = 0;
      for (let step = 0; step < 900; step++) {
        const d = dirs[rand(dirs.length)]!;
        try {
          switch (rand(8)) {
            case 0:
            case 1: {
              const id = fs.create(d, name(), 0o644);
              fs.write(id, rand(100_000), bytes(rand(60_000), step));
              break;
            }
            case 2: {
              const e = fs.readdir(d, 2, 50);
              if (e.length) {
                const x = e[rand(e.length)]!;
                if (x.type === 8) fs.write(x.ino, rand(200_000), bytes(rand(30_000), step));
              }
              break;
            }
            case 3: {
              const e = fs.readdir(d, 2, 50).filter((x) => x.type === 8);
              if (e.length) fs.truncate(e[rand(e.length)]!.ino, rand(50_000));
              break;
            }
            case 4: {
              const e = fs.readdir(d, 2, 50).filter((x) => x.type !== 4);
              if (e.length) fs.rename(d, e[rand(e.length)]!.name, dirs[rand(dirs.length)]!, name());
              break;
            }
            case 5: {
              const e = fs.readdir(d, 2, 50).filter((x) => x.type !== 4);
              if (e.length) fs.unlink(d, e[rand(e.length)]!.name);
              break;
            }
            case 6: {
              const e = fs.readdir(d, 2, 50).filter((x) => x.type === 8);
              if (e.length) fs.link(e[rand(e.length)]!.ino, dirs[rand(dirs.length)]!, name());
              else fs.symlink(d, name(), 'target/' + 'y'.repeat(rand(3000)));
              break;
            }
            default:
              fs.sync();
              assertClean(dev);
          }
        } catch (e) {
          if (isFsError(e, 'ENOSPC')) enospc++;
          else if (!isFsError(e, 'EEXIST')) throw e;
        }
      }
      assert.ok(enospc > 10, `the disk filled (${enospc} ENOSPC)`);
      fs.sync();
      assertClean(dev);
    });

    it('fails directory growth cleanly on a full disk', () => {
      const dev = backend.make(300);
      const fs = Mhfs.format(dev);
      const d = fs.mkdir(fs.root, 'dir', 0o755);
      let made = 0;
      for (let i = 0; i < 20000; i++) {
        try {
          fs.mkdir(d, `subdirectory-with-a-long-name-${i}`, 0o755);
          made++;
        } catch (e) {
          assert.ok(isFsError(e, 'ENOSPC'), String(e));
          break;
        }
      }
      assert.ok(made > 100);
      assert.equal(fs.stat(d).nlink, 2 + made);
      fs.sync();
      assertClean(dev);
      const fs2 = Mhfs.mount(dev);
      assert.equal(fs2.vol.record(d).entries, made);
      fs2.rmdir(d, 'subdirectory-with-a-long-name-0');
      fs2.sync();
      assertClean(dev);
    });
  });
}
