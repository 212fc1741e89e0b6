// Helpers shared by the MHFS tests: the block device back ends every behaviour suite runs
// against, temporary directories that are always removed, and an fsck assertion.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlockDevice, MemoryBlockDevice, type BlockDevice } from './blockdev.js';
import { fsck, FsckStatus } from './fsck.js';

export interface Backend {
  name: string;
  /** A fresh device of `blocks` blocks. */
  make(blocks: number): BlockDevice;
  /** Closes and removes everything made. */
  cleanup(): void;
}

export function backends(): Backend[] {
  let dir: string | null = null;
  const open: BlockDevice[] = [];
  let n = 0;
  return [
    { name: 'memory', make: (blocks) => new MemoryBlockDevice(blocks), cleanup() {} },
    {
      name: 'file',
      make(blocks) {
        dir ??= mkdtempSync(join(tmpdir(), 'mhfs-test-'));
        const d = FileBlockDevice.create(join(dir, `dev${n++}.img`), blocks);
        open.push(d);
        return d;
      },
      cleanup() {
        for (const d of open.splice(0)) d.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
        dir = null;
      },
    },
  ];
}

export function tempDir(prefix = 'mhfs-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** fsck must find nothing at all. */
export function assertClean(dev: BlockDevice): void {
  const r = fsck(dev, { repair: false });
  assert.deepEqual(r.errors, [], 'fsck errors');
  assert.equal(r.status, FsckStatus.Clean);
}

/** A small deterministic PRNG (xorshift32) so failures can be replayed from a seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** `n` pseudo-random bytes from `seed`, four at a time (fast enough for megabytes). */
export function bytes(n: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4));
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    words[i] = s;
  }
  return new Uint8Array(words.buffer, 0, n);
}
