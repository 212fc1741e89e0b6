// Literal bytes of every MHFS and GPT layout, so a format change cannot pass unnoticed, and the
// CRC32 against its check value and the portable implementation against the native one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, crc32Table } from './crc32.js';
import { defaultPartitionRange, encodeEntries, encodeHeader as encodeGptHeader, formatGuid, MHFS_PARTITION_TYPE, parseGuid, protectiveMbr } from './gpt.js';
import { decodeHeader, encodeHeader, readPtr, writePtr, type Header } from './layout.js';
import { NodeRecord } from './node.js';
import { DirBucket, nameHash, bucketOf, DT_REG } from './dirblock.js';
import { bytes } from './testutil.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('CRC32', () => {
  it('has the IEEE check value and matches across implementations', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32Table(new TextEncoder().encode('123456789')), 0xcbf43926);
    const b = bytes(10_000, 7);
    assert.equal(crc32Table(b), crc32(b));
    assert.equal(crc32(b.subarray(5000), crc32(b.subarray(0, 5000))), crc32(b));
    assert.equal(crc32Table(b, 1234), crc32(b, 1234));
    for (let n = 0; n < 40; n++) assert.equal(crc32Table(b.subarray(n, n + n * 3), n), crc32(b.subarray(n, n + n * 3), n), `length ${n * 3}`);
  });
});

describe('GPT layouts', () => {
  const sectors = 131072; // 64 MiB
  const parts = [{ type: MHFS_PARTITION_TYPE, guid: '11223344-5566-7788-99aa-bbccddeeff00', ...defaultPartitionRange(sectors), attributes: 0n, name: 'MHFS' }];
  const entries = encodeEntries(parts);

  it('stores GUIDs mixed-endian', () => {
    assert.equal(hex(parseGuid('e625b07e-3b9e-4dd2-8cc8-d5a5da8b5aa2')), '7eb025e69e3bd24d8cc8d5a5da8b5aa2');
    assert.equal(formatGuid(parseGuid(MHFS_PARTITION_TYPE)), MHFS_PARTITION_TYPE);
  });

  it('writes the protective MBR record', () => {
    assert.equal(hex(protectiveMbr(sectors).subarray(446, 462)), '00000200eeffffff01000000ffff0100');
    assert.equal(hex(protectiveMbr(sectors).subarray(510)), '55aa');
  });

  it('writes the partition entry', () => {
    assert.equal(
      hex(entries.subarray(0, 128)),
      '7eb025e69e3bd24d8cc8d5a5da8b5aa2' + '443322116655887799aabbccddeeff00' + '0008000000000000' + 'd7ff010000000000' + '0000000000000000' +
        '4d00480046005300' + '00'.repeat(64),
    );
    assert.ok(entries.subarray(128).every((x) => x === 0));
  });

  it('writes primary and backup headers', () => {
    const guid = '01234567-89ab-cdef-0123-456789abcdef';
    assert.equal(
      hex(encodeGptHeader(sectors, guid, entries, false).subarray(0, 92)),
      '4546492050415254' + '00000100' + '5c000000' + 'ac8162eb' + '00000000' + '0100000000000000' + 'ffff010000000000' +
        '2200000000000000' + 'deff010000000000' + '67452301ab89efcd0123456789abcdef' + '0200000000000000' + '80000000' + '80000000' + '5d2304d5',
    );
    assert.equal(
      hex(encodeGptHeader(sectors, guid, entries, true).subarray(0, 92)),
      '4546492050415254' + '00000100' + '5c000000' + '694d6e65' + '00000000' + 'ffff010000000000' + '0100000000000000' +
        '2200000000000000' + 'deff010000000000' + '67452301ab89efcd0123456789abcdef' + 'dfff010000000000' + '80000000' + '80000000' + '5d2304d5',
    );
  });
});

describe('MHFS layouts', () => {
  const header: Header = {
    generation: 17, uuid: Uint8Array.from({ length: 16 }, (_, i) => i), blockCount: 16123, hashSalt: 0xdeadbeef,
    nodeRoot: { addr: 100, checksum: 0x11223344, generation: 17 }, nodeHeight: 1,
    bitmapRoot: { addr: 101, checksum: 0x55667788, generation: 16 }, bitmapHeight: 0,
    nodeHighWater: 42, usedBlocks: 99, usedNodes: 40, commitSec: 1764000000, commitNsec: 5, label: 'root',
  };
  const headerHex =
    '4d48465300484452' + '01000000' + '00100000' + '000102030405060708090a0b0c0d0e0f' + '1100000000000000' + 'fb3e000000000000' +
    '10000000' + 'efbeadde' + '6400000000000000' + '44332211' + '11000000' + '01000000' + '00000000' + '6500000000000000' + '88776655' + '10000000' +
    '2a00000000000000' + '6300000000000000' + '2800000000000000' + '0081246900000000' + '05000000' + '00000000' + '726f6f74' + '00'.repeat(28);

  it('writes the header block', () => {
    const b = encodeHeader(header);
    assert.equal(hex(b.subarray(0, 168)), headerHex);
    assert.ok(b.subarray(168, 4092).every((x) => x === 0));
    assert.equal(hex(b.subarray(4092)), 'f85c17aa');
    assert.deepEqual(decodeHeader(b, 1, 20000), header);
  });

  it('refuses a header in the wrong slot, with a bad checksum, or too big for the device', () => {
    const b = encodeHeader(header);
    assert.throws(() => decodeHeader(b, 2, 20000), /header slot 2.*generation 17 does not belong/);
    assert.throws(() => decodeHeader(b, 1, 16000), /block count 16123 does not fit the device/);
    b[200] = 1;
    assert.throws(() => decodeHeader(b, 1, 20000), /header slot 1.*checksum/);
  });

  it('writes block pointers', () => {
    const b = new Uint8Array(16);
    writePtr(new DataView(b.buffer), 0, { addr: 0x123456789a, checksum: 0xcafebabe, generation: 7 });
    assert.equal(hex(b), '9a78563412000000' + 'bebafeca' + '07000000');
    assert.deepEqual(readPtr(new DataView(b.buffer), 0, 'test'), { addr: 0x123456789a, checksum: 0xcafebabe, generation: 7 });
    b[7] = 0x80;
    assert.throws(() => readPtr(new DataView(b.buffer), 0, 'test'), /beyond 2\^53/);
  });

  it('writes node records at id % 16', () => {
    const blk = new Uint8Array(4096);
    const r = new NodeRecord(blk, 17);
    r.mode = 0o100644;
    r.uid = 1000;
    r.gid = 100;
    r.nlink = 1;
    r.size = 5000;
    r.atime = { sec: 1, nsec: 2 };
    r.mtime = { sec: 3, nsec: 4 };
    r.ctime = { sec: 5, nsec: 6 };
    r.btime = { sec: 7, nsec: 8 };
    r.generation = 3;
    r.dataRoot = { addr: 200, checksum: 0xaabbccdd, generation: 9 };
    r.dataHeight = 1;
    r.blocks = 2;
    assert.equal(
      hex(blk.subarray(256, 400)),
      'a4810000' + 'e8030000' + '64000000' + '01000000' + '8813000000000000' +
        '0100000000000000' + '02000000' + '00000000' + '0300000000000000' + '04000000' + '00000000' +
        '0500000000000000' + '06000000' + '00000000' + '0700000000000000' + '08000000' + '00000000' +
        '0000000000000000' + '03000000' + '00000000' + 'c800000000000000' + 'ddccbbaa' + '09000000' + '01000000' + '00000000' +
        '0000000000000000' + '0200000000000000',
    );
    assert.ok(blk.subarray(0, 256).every((x) => x === 0) && blk.subarray(400).every((x) => x === 0));
  });

  it('writes directory buckets and hashes names into them', () => {
    const name = new TextEncoder().encode('hosts');
    const hash = nameHash(name, 1234);
    assert.equal(hash, 492253014679486);
    const blk = new Uint8Array(4096);
    const b = DirBucket.parse(blk, 'test', 0, 0);
    b.add({ hash, node: 9, type: DT_REG, name });
    assert.equal(hex(blk.subarray(0, 31)), '0100' + '1f00' + '00000000' + 'be5f1496b3bf0100' + '0900000000000000' + '08' + '05' + hex(name));
    assert.equal(bucketOf(hash, 4), 1);
    assert.throws(() => DirBucket.parse(blk, 'test bucket', 4, 5), /does not belong in bucket 5/);
    b.remove(8);
    assert.ok(blk.every((x) => x === 0), 'an emptied bucket is all zero (a hole)');
  });
});
