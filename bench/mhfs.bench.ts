// MHFS library on a host image file, side by side with Node's fs on the host filesystem:
// sequential 1 MiB writes (then fsync / sync) and reads of one large file, and creating,
// stat-ing and deleting many small files. This is the library alone; bench/fsd.bench.ts measures
// the whole path (a process, the kernel, fsd, the disk scheme).
//
// Each MHFS case is compared with the host case before it (`vs`).
// Size with MHFS_BENCH_MIB (default 256) and MHFS_BENCH_FILES (default 10000).
import { closeSync, fsyncSync, mkdtempSync, openSync, readSync, rmSync, statSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from './harness.js';
import { FileBlockDevice } from '../src/fs/blockdev.js';
import { Mhfs } from '../src/fs/mhfs.js';
import { isFsError } from '../src/fs/errors.js';

const MIB = 1 << 20;
const SIZE_MIB = Number(process.env.MHFS_BENCH_MIB ?? 256);
const FILES = Number(process.env.MHFS_BENCH_FILES ?? 10_000);
const chunk = new Uint8Array(MIB).map((_, i) => (i * 2654435761) >>> 24);
const small = new Uint8Array(100).fill(7);

let dir = '';
let dev: FileBlockDevice | null = null;
let fs: Mhfs | null = null;
function mibPerSec(ms: number): number {
  return SIZE_MIB / (ms / 1000);
}

const bench: Benchmark = {
  name: 'mhfs',
  description: `MHFS library on an image file vs Node fs on the host: ${SIZE_MIB} MiB written and read in 1 MiB calls, ${FILES} small files created, stat-ed and deleted.`,
  rounds: 3,
  setup() {
    dir = mkdtempSync(join(tmpdir(), 'mhfs-bench-'));
    mkdirSync(join(dir, 'host'));
    dev = FileBlockDevice.create(join(dir, 'bench.img'), Math.ceil(((SIZE_MIB * 2 + 256) * MIB) / 4096));
    fs = Mhfs.format(dev);
  },
  cases: [
    {
      name: 'host fs: sequential write + fsync',
      peer: true,
      unit: 'MiB/s',
      better: 'higher',
      run() {
        const path = join(dir, 'host', 'big');
        const t = performance.now();
        const fd = openSync(path, 'w');
        for (let i = 0; i < SIZE_MIB; i++) writeSync(fd, chunk);
        fsyncSync(fd);
        closeSync(fd);
        return mibPerSec(performance.now() - t);
      },
    },
    {
      name: 'MHFS: sequential write + sync',
      vs: 'host fs: sequential write + fsync',
      unit: 'MiB/s',
      better: 'higher',
      run() {
        const f = fs!;
        try {
          f.unlink(f.root, 'big');
          f.sync();
        } catch (e) {
          if (!isFsError(e, 'ENOENT')) throw e;
        }
        const t = performance.now();
        const id = f.create(f.root, 'big', 0o644);
        for (let i = 0; i < SIZE_MIB; i++) f.write(id, i * MIB, chunk);
        f.sync();
        return mibPerSec(performance.now() - t);
      },
    },
    {
      name: 'host fs: sequential read',
      peer: true,
      unit: 'MiB/s',
      better: 'higher',
      run() {
        const buf = new Uint8Array(MIB);
        const t = performance.now();
        const fd = openSync(join(dir, 'host', 'big'), 'r');
        for (let i = 0; i < SIZE_MIB; i++) readSync(fd, buf, 0, MIB, i * MIB);
        closeSync(fd);
        return mibPerSec(performance.now() - t);
      },
    },
    {
      name: 'MHFS: sequential read',
      vs: 'host fs: sequential read',
      unit: 'MiB/s',
      better: 'higher',
      run() {
        const f = fs!;
        const buf = new Uint8Array(MIB);
        const t = performance.now();
        const id = f.lookup(f.root, 'big');
        for (let i = 0; i < SIZE_MIB; i++) f.read(id, i * MIB, buf);
        return mibPerSec(performance.now() - t);
      },
    },
    {
      name: `host fs: create+stat+delete ${FILES} files`,
      peer: true,
      unit: 'ms',
      better: 'lower',
      run() {
        const d = join(dir, 'host', 'small');
        mkdirSync(d, { recursive: true });
        const t = performance.now();
        for (let i = 0; i < FILES; i++) {
          const fd = openSync(join(d, `f${i}`), 'w');
          writeSync(fd, small);
          closeSync(fd);
        }
        for (let i = 0; i < FILES; i++) statSync(join(d, `f${i}`));
        for (let i = 0; i < FILES; i++) unlinkSync(join(d, `f${i}`));
        return performance.now() - t;
      },
    },
    {
      name: `MHFS: create+stat+delete ${FILES} files, then sync`,
      vs: `host fs: create+stat+delete ${FILES} files`,
      unit: 'ms',
      better: 'lower',
      run() {
        const f = fs!;
        const t = performance.now();
        const d = f.mkdir(f.root, 'small', 0o755);
        for (let i = 0; i < FILES; i++) f.write(f.create(d, `f${i}`, 0o644), 0, small);
        for (let i = 0; i < FILES; i++) f.stat(f.lookup(d, `f${i}`));
        for (let i = 0; i < FILES; i++) f.unlink(d, `f${i}`);
        f.rmdir(f.root, 'small');
        f.sync();
        return performance.now() - t;
      },
    },
  ],
  teardown() {
    fs?.unmount();
    dev?.close();
    rmSync(dir, { recursive: true, force: true });
  },
};

export default bench;
