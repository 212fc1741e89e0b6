// fsd serving `file:` from a disk image, as processes use it: through the disk queue (a host
// I/O thread, the default) and through the disk scheme's read/write/fsync (`--no-queue`, the
// path for hosts without I/O threads). What a process wrote and fsynced is on the host's image
// file, and the image is clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlockDevice, OpenMode } from '../src/fs/blockdev.js';
import { makeImage, mhfsDevice, openImage } from '../src/fs/image.js';
import { readFile } from '../src/fs/paths.js';
import { assertClean } from '../src/fs/testutil.js';
import { Access } from '../src/fs/volume.js';
import { bootKernel } from './kernel-harness.js';

const SIZE = 5 * 1024 * 1024 + 12_345;

for (const [name, args] of [['the disk queue', []], ['the disk scheme (--no-queue)', ['--no-queue']]] as const) {
  test(`fsd through ${name}: files, a large file read back, and the image on the host`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'macrohard-fsd-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const img = join(dir, 'disk.img');
    const dev = FileBlockDevice.create(img, (64 * 1024 * 1024) / 4096);
    makeImage(dev).unmount();
    dev.close();
    const k = bootKernel(2);
    try {
      await k.startFsd(img, [...args]);
      const files = await k.run('probe', ['probe', 'files']);
      assert.equal(files.stderr, '');
      assert.match(files.stdout, /^mkdir: ok\nchmod: ok\nwrite: ok\nappend: ok\nread: "hello world\\nmore\\n"\nsize: 17\n/);
      assert.match(files.stdout, /\nunlink: ok\n/);
      const big = await k.run('probe', ['probe', 'bigfile', '/big', String(SIZE)]);
      assert.equal(big.stdout, `bigfile: ${SIZE} bytes ok\n`);
      assert.equal(big.code, 0);
    } finally {
      k.shutdown();
    }
    // fsync made it durable: the host finds it in the image, and the image is clean.
    const { fs, close } = openImage(img, Access.ReadOnly);
    try {
      const data = readFile(fs, '/big');
      assert.equal(data.length, SIZE);
      assert.equal(data[SIZE - 1], ((SIZE - 1) * 13 + ((SIZE - 1) >>> 12) * 7) & 0xff);
    } finally {
      close();
    }
    const disk = new FileBlockDevice(img, OpenMode.ReadOnly);
    try {
      assertClean(mhfsDevice(disk));
    } finally {
      disk.close();
    }
  });
}
