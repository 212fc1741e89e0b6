// Crash consistency. Two ways to crash a writer running a random workload:
//  - power loss, in process: a device that keeps writes since the last flush pending and, at a
//    random write, "loses power": the image is what was flushed plus a random subset of the
//    pending blocks (one of them possibly torn). This checks that no commit depends on the
//    order of writes between flushes.
//  - SIGKILL: a child process running the library on an image file (directly, or through a
//    disk queue and its I/O thread as fsd does) is killed at a random moment (MHFS_CRASH_RUNS
//    of them; `npm run test:crash` runs thousands).
// Either way the image must mount, fsck must find it clean, and it must hold exactly the state
// of the last sync that returned, or of the one in progress if its header got out.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { BLOCK_SIZE, FileBlockDevice, MemoryBlockDevice, type BlockDevice } from './blockdev.js';
import { fsck, FsckStatus } from './fsck.js';
import { FsError } from './errors.js';
import { Mhfs } from './mhfs.js';
import { imageSnapshot, Workload } from './workload.js';
import { rng, tempDir } from './testutil.js';
import { tuning } from './volume.js';

class PowerCut extends Error {}

/** A device that loses unflushed writes, in part, when the power goes. */
class PowerLossDevice implements BlockDevice {
  private pending = new Map<number, Uint8Array>();
  constructor(readonly base: MemoryBlockDevice, private writesLeft: number) {}
  get blockCount(): number {
    return this.base.blockCount;
  }
  read(block: number, buf: Uint8Array): void {
    this.base.read(block, buf);
    for (let i = 0; i < buf.length / BLOCK_SIZE; i++) {
      const p = this.pending.get(block + i);
      if (p) buf.set(p, i * BLOCK_SIZE);
    }
  }
  write(block: number, buf: Uint8Array): void {
    for (let i = 0; i < buf.length / BLOCK_SIZE; i++) {
      if (--this.writesLeft < 0) throw new PowerCut();
      this.pending.set(block + i, buf.slice(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE));
    }
  }
  flush(): void {
    for (const [b, data] of this.pending) this.base.write(b, data);
    this.pending.clear();
  }
  close(): void {}
  /** The disk after the power cut: some pending writes made it, one maybe half. */
  survivor(r: () => number): MemoryBlockDevice {
    const img = new MemoryBlockDevice(this.base.blockCount, this.base.bytes.slice());
    for (const [b, data] of this.pending) {
      const x = r();
      if (x < 0.45) img.write(b, data);
      else if (x < 0.5) img.bytes.set(data.subarray(0, 2048), b * BLOCK_SIZE); // torn
    }
    return img;
  }
}

function checkAgainstModel(dev: BlockDevice, seed: number, synced: number, label: string): void {
  const r = fsck(dev);
  assert.deepEqual(r.errors, [], `${label}: fsck`);
  assert.equal(r.status, FsckStatus.Clean, label);
  const got = imageSnapshot(Mhfs.mount(dev));
  const before = Workload.stateAfterSyncs(seed, synced);
  if (sameMap(got, before)) return;
  const after = Workload.stateAfterSyncs(seed, synced + 1);
  if (sameMap(got, after)) return;
  assert.deepEqual([...got], [...before], `${label}: the image holds neither sync ${synced} nor ${synced + 1}`);
}

function sameMap(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

describe('MHFS crash consistency', () => {
  it('survives power loss at random writes, with unflushed writes partly lost', () => {
    const runs = Number(process.env.MHFS_POWERLOSS_RUNS ?? 80);
    const r = rng(4242);
    for (let i = 0; i < runs; i++) {
      const seed = 1000 + i;
      const base = new MemoryBlockDevice(2048);
      Mhfs.format(base, { hashSalt: seed });
      const dev = new PowerLossDevice(base, 1 + Math.floor(r() * 2500));
      // Every other run drops the metadata caches at each commit.
      const saved = tuning.cacheBlocks;
      if (i % 2) tuning.cacheBlocks = 0;
      const w = new Workload(seed);
      try {
        const fs = Mhfs.mount(dev);
        for (let s = 0; s < 100_000; s++) w.step(fs);
        assert.fail('the power never went');
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
      } finally {
        tuning.cacheBlocks = saved;
      }
      checkAgainstModel(dev.survivor(r), seed, w.syncs, `power-loss run ${i} (seed ${seed}, ${w.syncs} syncs)`);
    }
  });

  it('refuses changes after a device error in a commit; the disk keeps the last commit', () => {
    const base = new MemoryBlockDevice(2048);
    const fs0 = Mhfs.format(base, { hashSalt: 3 });
    const keep = fs0.create(fs0.root, 'kept', 0o644);
    fs0.write(keep, 0, new Uint8Array(10_000).fill(7));
    fs0.sync();
    let failAfter = Infinity;
    const flaky: BlockDevice = {
      blockCount: base.blockCount,
      read: (b, buf) => base.read(b, buf),
      write: (b, buf) => {
        if (--failAfter < 0) throw new FsError('EIO', `write of block ${b} failed`);
        base.write(b, buf);
      },
      flush: () => base.flush(),
      close: () => {},
    };
    const fs = Mhfs.mount(flaky);
    const f = fs.create(fs.root, 'lost', 0o644);
    fs.write(f, 0, new Uint8Array(5000).fill(1));
    failAfter = 2; // fails inside the commit's metadata writes
    assert.throws(() => fs.sync(), /EIO: write of block \d+ failed/);
    assert.throws(() => fs.create(fs.root, 'more', 0o644), /EIO: an earlier commit failed .* remounted/);
    assert.throws(() => fs.sync(), /remounted/);
    const again = Mhfs.mount(base);
    assert.deepEqual(again.readAll(again.lookup(again.root, 'kept')), new Uint8Array(10_000).fill(7));
    assert.throws(() => again.lookup(again.root, 'lost'), /ENOENT/);
    assert.equal(fsck(base).status, FsckStatus.Clean);
  });

  it('agrees with the model when every space check commits and drops the caches', () => {
    // On a full disk `ensure` commits in the middle of an operation to release quarantined
    // blocks. Forcing that on every call, with the caches dropped each time, checks that no
    // operation holds a tree across it.
    const saved = tuning.cacheBlocks;
    tuning.cacheBlocks = 0;
    try {
      for (const seed of [7, 8, 9]) {
        const dev = new MemoryBlockDevice(2048);
        const fs = Mhfs.format(dev, { hashSalt: seed });
        const ensure = fs.vol.ensure.bind(fs.vol);
        fs.vol.ensure = (blocks, purpose) => {
          fs.vol.commit();
          ensure(blocks, purpose);
        };
        const w = new Workload(seed);
        while (w.syncs < 40) w.step(fs);
        checkAgainstModel(dev, seed, 40, `forced commits, seed ${seed}`);
      }
    } finally {
      tuning.cacheBlocks = saved;
    }
  });

  describe('SIGKILL', () => {
    const tmp = tempDir('mhfs-crash-');
    after(() => tmp.remove());
    // The writer runs from a private copy of the built modules: a long run must not pick up a
    // half-written dist/ when someone rebuilds meanwhile.
    // It takes the library, the ABI, and the disk queue's two ends.
    const mods = join(tmp.path, 'modules');
    const built = dirname(dirname(fileURLToPath(import.meta.url)));
    const copy = (rel: string): void => {
      mkdirSync(dirname(join(mods, rel)), { recursive: true });
      copyFileSync(join(built, rel), join(mods, rel));
    };
    for (const dir of ['fs', 'abi']) for (const f of readdirSync(join(built, dir))) if (f.endsWith('.js')) copy(`${dir}/${f}`);
    for (const f of ['host/node/diskio.js', 'host/node/diskqueue.js', 'userland/fsd/queue.js']) copy(f);
    writeFileSync(join(mods, 'package.json'), '{"type":"module"}\n');
    const writer = join(mods, 'fs/crashwriter.js');
    const runs = Number(process.env.MHFS_CRASH_RUNS ?? 16);

    async function killRun(i: number): Promise<void> {
      const seed = 50_000 + i;
      const image = join(tmp.path, `crash${i}.img`);
      const dev = FileBlockDevice.create(image, 16384);
      Mhfs.format(dev, { hashSalt: seed });
      dev.close();
      // Every other run goes through the disk queue, as fsd does.
      const child = spawn(process.execPath, [writer, image, String(seed), ...(i % 2 ? ['queue'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`writer ${i} not ready: ${err}`)), 20_000);
        child.stdout.on('data', () => {
          if (out.includes('ready\n')) {
            clearTimeout(t);
            res();
          }
        });
        child.on('exit', () => rej(new Error(`writer ${i} exited early: ${err}`)));
      });
      await new Promise((res) => setTimeout(res, 5 + ((seed * 7919) % 300)));
      child.kill('SIGKILL');
      const code = await exited;
      assert.equal(code, null, `writer ${i} died by itself: ${err}`);
      const synced = Math.max(0, ...[...out.matchAll(/synced (\d+)/g)].map((m) => Number(m[1])));
      const img = new FileBlockDevice(image);
      try {
        checkAgainstModel(img, seed, synced, `kill run ${i}${i % 2 ? ' through a disk queue' : ''} (seed ${seed}, ${synced} syncs)`);
      } finally {
        img.close();
        rmSync(image, { force: true });
      }
    }

    it(`survives ${runs} SIGKILLs at random moments`, { timeout: 60_000 + runs * 2000 }, async () => {
      let next = 0;
      const worker = async () => {
        while (next < runs) await killRun(next++);
      };
      await Promise.all([worker(), worker()]);
    });
  });
});
