// The whole file path — a MACROHARD process, the kernel, fsd (MHFS), the disk scheme, the
// image file — beside Node's fs on the host's own filesystem, in the same run.
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, unlinkSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, type Benchmark } from './harness.js';
import { Session } from './kernel-session.js';
import { FileBlockDevice } from '../src/fs/blockdev.js';
import { makeImage } from '../src/fs/image.js';

const MB = 256;
const FILES = 10_000;
const session = new Session();
let dir = '';

function hostWrite(): number {
  const chunk = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
  const t0 = performance.now();
  const fd = openSync(join(dir, 'big'), 'w');
  for (let i = 0; i < MB; i++) writeSync(fd, chunk);
  fsyncSync(fd);
  closeSync(fd);
  return (MB * 1.048576) / ((performance.now() - t0) / 1000);
}

function hostRead(): number {
  const buf = new Uint8Array(1 << 20);
  const t0 = performance.now();
  const fd = openSync(join(dir, 'big'), 'r');
  let total = 0;
  for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) total += n;
  closeSync(fd);
  return total / 1e6 / ((performance.now() - t0) / 1000);
}

/**
 * The host's time for the small files is the median of three runs in a row: on a shared
 * machine one run varies threefold (the host filesystem's journal and write-back), which made
 * the ratio swing more than anything MACROHARD did.
 */
function hostSmallFiles(): number {
  return median([hostSmallFilesOnce(), hostSmallFilesOnce(), hostSmallFilesOnce()]);
}

function hostSmallFilesOnce(): number {
  const d = join(dir, 'small');
  const t0 = performance.now();
  mkdirSync(d);
  for (let i = 0; i < FILES; i++) {
    const fd = openSync(join(d, `f${i}`), 'w');
    writeSync(fd, 'small file\n');
    closeSync(fd);
  }
  for (let i = 0; i < FILES; i++) statSync(join(d, `f${i}`));
  for (let i = 0; i < FILES; i++) unlinkSync(join(d, `f${i}`));
  rmdirSync(d);
  return performance.now() - t0;
}

const bench: Benchmark = {
  name: 'fsd',
  description: `Sequential ${MB} MiB in 1 MiB calls (MB/s, fsync included in writes) and ${FILES.toLocaleString()} small files created, stat-ed and deleted (ms; the host's figure is the median of three runs each round).`,
  rounds: 3,
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'macrohard-bench-'));
    const img = join(dir, 'disk.img');
    const dev = FileBlockDevice.create(img, (1024 * 1024 * 1024) / 4096);
    makeImage(dev).unmount();
    dev.close();
    session.start(2);
    await session.k!.startFsd(img);
  },
  cases: [
    { name: 'MACROHARD write (process -> kernel -> fsd -> image)', unit: 'MB/s', better: 'higher', run: () => session.measure(['fswrite', '/big', String(MB)]) },
    { name: 'host write (Node fs)', peer: true, unit: 'MB/s', better: 'higher', run: hostWrite },
    { name: 'MACROHARD read', unit: 'MB/s', better: 'higher', vs: 'host read (Node fs, page cache)', run: () => session.measure(['fsread', '/big']) },
    { name: 'host read (Node fs, page cache)', peer: true, unit: 'MB/s', better: 'higher', run: hostRead },
    { name: `MACROHARD ${FILES} small files`, unit: 'ms', better: 'lower', vs: `host ${FILES} small files`, run: () => session.measure(['smallfiles', '/small', String(FILES)]) },
    { name: `host ${FILES} small files`, peer: true, unit: 'ms', better: 'lower', run: hostSmallFiles },
  ],
  teardown() {
    session.stop();
    rmSync(dir, { recursive: true, force: true });
  },
};

export default bench;
