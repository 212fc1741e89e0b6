// GPT: round trip, falling back to the backup copy, refusing damaged tables with the place
// named, and the host's own sfdisk reading our table as we meant it.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FileBlockDevice, MemoryBlockDevice } from './blockdev.js';
import { hasGpt, MHFS_PARTITION_TYPE, openMhfsPartition, readGpt, writeGpt, defaultPartitionRange } from './gpt.js';
import { makeImage } from './image.js';
import { tempDir } from './testutil.js';

const GUID = '3f1e0c6a-2b7d-4c1e-9a55-0123456789ab';

function disk(blocks = 16384): MemoryBlockDevice {
  const d = new MemoryBlockDevice(blocks);
  writeGpt(d, GUID, [{ type: MHFS_PARTITION_TYPE, guid: GUID, ...defaultPartitionRange(blocks * 8), attributes: 0n, name: 'MHFS root' }]);
  return d;
}

describe('GPT', () => {
  it('reads back what it wrote and finds the MHFS partition', () => {
    const d = disk();
    const t = readGpt(d);
    assert.equal(t.diskGuid, GUID);
    assert.equal(t.usedBackup, false);
    assert.deepEqual(t.partitions, [{ type: MHFS_PARTITION_TYPE, guid: GUID, firstLba: 2048, lastLba: 16384 * 8 - 41, attributes: 0n, name: 'MHFS root' }]);
    const p = openMhfsPartition(d);
    assert.equal(p.start, 256);
    assert.equal(p.blockCount, (16384 * 8 - 40 - 2048) / 8);
    assert.ok(hasGpt(d));
    assert.ok(!hasGpt(new MemoryBlockDevice(64)));
  });

  it('falls back to the backup when the primary is damaged', () => {
    const d = disk();
    d.bytes[512 + 30] ^= 1; // primary header
    const t = readGpt(d);
    assert.equal(t.usedBackup, true);
    assert.equal(t.partitions[0]!.type, MHFS_PARTITION_TYPE);
    d.bytes[1024 + 5] ^= 1; // primary array too: still the backup
    assert.equal(readGpt(d).usedBackup, true);
    d.bytes.fill(0, 512, 1024); // the primary header gone altogether
    assert.ok(hasGpt(d));
    assert.equal(openMhfsPartition(d).start, 256);
  });

  it('refuses a table with both copies damaged, saying where', () => {
    const d = disk();
    d.bytes[512 + 30] ^= 1;
    d.bytes[d.bytes.length - 512 + 30] ^= 1;
    assert.throws(() => readGpt(d), /primary: EIO: GPT header at LBA 1: header CRC32 mismatch; backup: EIO: GPT header at LBA 131071: header CRC32 mismatch/);
    const e = disk();
    e.bytes[1024 + 200] ^= 1;
    e.bytes[e.bytes.length - 33 * 512 + 200] ^= 1;
    assert.throws(() => readGpt(e), /partition array CRC32 mismatch/);
    const none = new MemoryBlockDevice(1024);
    writeGpt(none, GUID, []);
    assert.throws(() => openMhfsPartition(none), /ENOENT: no MHFS partition/);
  });

  describe('read by the host tools', () => {
    const tmp = tempDir();
    after(() => tmp.remove());
    const sfdisk = spawnSync('sfdisk', ['--version']);
    it('sfdisk lists the MHFS partition and verifies the table', { skip: sfdisk.error ? 'sfdisk not installed (apt-get install fdisk)' : false }, () => {
      const path = join(tmp.path, 'disk.img');
      const dev = FileBlockDevice.create(path, 16384);
      makeImage(dev, { diskGuid: GUID, partitionGuid: GUID }).unmount();
      dev.close();
      const j = spawnSync('sfdisk', ['--json', path], { encoding: 'utf8' });
      assert.equal(j.status, 0, j.stderr);
      const table = JSON.parse(j.stdout).partitiontable;
      assert.equal(table.label, 'gpt');
      assert.equal(table.id.toLowerCase(), GUID);
      assert.equal(table.firstlba, 34);
      assert.equal(table.lastlba, 16384 * 8 - 34);
      assert.equal(table.partitions.length, 1);
      const p = table.partitions[0];
      assert.deepEqual([p.start, p.size, p.type.toLowerCase(), p.name], [2048, 16384 * 8 - 40 - 2048, MHFS_PARTITION_TYPE, 'MHFS']);
      const v = spawnSync('sfdisk', ['--verify', path], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /No errors detected/);
      const l = spawnSync('sfdisk', ['-l', path], { encoding: 'utf8' });
      assert.match(l.stdout, /Disklabel type: gpt/);
      assert.doesNotMatch(l.stdout + l.stderr, /corrupt|invalid|mismatch/i);
    });
  });
});
