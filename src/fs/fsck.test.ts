// fsck: clean images pass; each kind of damage is reported with its place; what can be
// repaired is, after which the image is clean; what cannot is reported with status 4.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBlockDevice } from './blockdev.js';
import { fsck, FsckStatus } from './fsck.js';
import { Mhfs } from './mhfs.js';
import { writeFile } from './paths.js';
import { isFsError } from './errors.js';
import { bytes } from './testutil.js';

function sample(): { dev: MemoryBlockDevice; fs: Mhfs } {
  const dev = new MemoryBlockDevice(2048);
  const fs = Mhfs.format(dev, { hashSalt: 99 });
  writeFile(fs, '/etc/passwd', new TextEncoder().encode('root:x:0:0::/root:/bin/sh\n'));
  writeFile(fs, '/bin/big', bytes(300_000, 5));
  for (let i = 0; i < 200; i++) writeFile(fs, `/var/spool/f${i}`, bytes(i * 10, i));
  fs.sync();
  return { dev, fs };
}

describe('fsck', () => {
  it('passes a clean image', () => {
    const { dev } = sample();
    const r = fsck(dev);
    assert.deepEqual(r.errors, []);
    assert.equal(r.status, FsckStatus.Clean);
    assert.equal(r.nodes, 207);
  });

  it('finds a flipped data byte: fsck names the node and block, read fails with EIO', () => {
    const { dev, fs } = sample();
    const id = fs.resolve('/bin/big');
    const addr = fs.vol.dataTree(id).leafPtr(10).addr;
    dev.bytes[addr * 4096 + 100] ^= 0x40;
    const r = fsck(dev);
    assert.equal(r.status, FsckStatus.Errors);
    assert.deepEqual(r.errors, [`node ${id} data block 10 (block ${addr}): checksum mismatch`]);
    const fs2 = Mhfs.mount(dev);
    assert.throws(() => fs2.readAll(id), (e: unknown) => isFsError(e, 'EIO') && /node \d+ data block 10/.test((e as Error).message));
  });

  it('finds a damaged node-table block; mount refuses naming the block', () => {
    const { dev, fs } = sample();
    const addr = fs.vol.header.nodeRoot.addr;
    dev.bytes[addr * 4096 + 7] ^= 1;
    assert.throws(() => Mhfs.mount(dev), /EIO: corrupt filesystem: node table: pointer block at level \d+: block \d+ checksum [0-9a-f]+ does not match/);
    const r = fsck(dev);
    assert.equal(r.status, FsckStatus.Errors);
    assert.match(r.errors[0]!, new RegExp(`block ${addr} checksum`));
  });

  it('repairs a leaked block', () => {
    const { dev, fs } = sample();
    fs.vol.alloc.alloc(); // marked used, referenced by nothing
    fs.vol.commit();
    const n = fsck(dev, { repair: false });
    assert.equal(n.status, FsckStatus.Errors);
    assert.match(n.errors.join('\n'), /bitmap: 1 blocks marked used are unreachable/);
    const r = fsck(dev, { repair: true });
    assert.equal(r.status, FsckStatus.Repaired);
    assert.equal(fsck(dev).status, FsckStatus.Clean);
  });

  it('repairs wrong link and entry counts and orphans', () => {
    const { dev, fs } = sample();
    const passwd = fs.resolve('/etc/passwd');
    fs.vol.recordForWrite(passwd).nlink = 5;
    fs.vol.recordForWrite(fs.resolve('/var/spool')).entries = 3;
    // A node no directory names (as a bug or a damaged directory would leave).
    const orphan = fs.vol.allocNodeId();
    fs.vol.initNode(orphan, 0o100644, 0, 0, { sec: 0, nsec: 0 });
    fs.vol.usedNodes++;
    fs.write(orphan, 0, bytes(10_000, 1));
    fs.sync();
    const r = fsck(dev, { repair: true });
    assert.equal(r.status, FsckStatus.Repaired, r.errors.join('\n'));
    assert.deepEqual(
      r.repaired.filter((m) => !m.startsWith('bitmap') && !m.startsWith('header')).sort(),
      [`directory node ${fs.resolve('/var/spool')}: entry count 3, holds 200`, `node ${orphan}: orphan (not reachable from the root)`, `node ${passwd}: link count 5, named 1 times`].sort(),
    );
    assert.deepEqual(fsck(dev).errors, []);
    const fs2 = Mhfs.mount(dev);
    assert.equal(fs2.stat(passwd).nlink, 1);
  });

  it('accepts a file unlinked while open, which the next mount frees', () => {
    const { dev, fs } = sample();
    const id = fs.create(fs.root, 'tmpfile', 0o600);
    fs.write(id, 0, bytes(100_000, 2));
    fs.retain(id);
    fs.unlink(fs.root, 'tmpfile');
    fs.write(id, 100_000, bytes(10, 3)); // still usable
    fs.sync(); // and then the crash: release never comes
    const r = fsck(dev);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.notes, [`node ${id}: unlinked while open, to be freed at the next mount`]);
    const before = fs.statvfs().bfree;
    const fs2 = Mhfs.mount(dev);
    assert.throws(() => fs2.stat(id), /ENOENT/);
    assert.ok(fs2.statvfs().bfree >= before + 25);
    const again = fsck(dev);
    assert.deepEqual([again.errors, again.notes], [[], []]);
  });

  it('reports an entry naming a free node', () => {
    const { dev, fs } = sample();
    const id = fs.resolve('/etc/passwd');
    fs.vol.freeNode(id); // the name stays
    fs.sync();
    const r = fsck(dev);
    assert.equal(r.status, FsckStatus.Errors);
    assert.match(r.errors.join('\n'), new RegExp(`entry "passwd" names node ${id}, which is free`));
  });
});
