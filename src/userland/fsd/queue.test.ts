// The disk queue end to end on the host: fsd's queue device against the I/O thread over a real
// file. (MHFS's whole behaviour suite also runs on this device: src/fs/testutil.ts.)
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { D, DiskQueueView, Q, QueueOp } from '../../abi/diskqueue.js';
import { Errno } from '../../abi/errno.js';
import { FileBlockDevice } from '../../fs/blockdev.js';
import { blockChecksum } from '../../fs/layout.js';
import { startDiskQueue, type HostDiskQueue } from '../../host/node/diskqueue.js';
import { tempDir } from '../../fs/testutil.js';
import { QueueBlockDevice } from './queue.js';

const B = 4096;

function pattern(blocks: number, salt: number): Uint8Array {
  const b = new Uint8Array(blocks * B);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + salt * 7 + (i >> 12)) & 0xff;
  return b;
}

describe('disk queue', () => {
  const tmp = tempDir('mhfs-queue-');
  const queues: HostDiskQueue[] = [];
  after(() => {
    for (const q of queues) q.close();
    tmp.remove();
  });
  let n = 0;
  function image(blocks: number, writable = true): { path: string; q: HostDiskQueue; dev: QueueBlockDevice } {
    const path = join(tmp.path, `d${n++}.img`);
    FileBlockDevice.create(path, blocks).close();
    const q = startDiskQueue(path, writable);
    queues.push(q);
    return { path, q, dev: new QueueBlockDevice(q.buffer) };
  }

  it('moves data to the host file and back, with the checksums MHFS computes', () => {
    const { path, dev } = image(2048);
    const data = pattern(300, 1); // more than one slot: split into two requests
    const sums = dev.writeSummed(100, data, 100)();
    for (let k = 0; k < 300; k++) assert.equal(sums[k], blockChecksum(data.subarray(k * B, (k + 1) * B), 100 + k), `block ${k}`);
    dev.flush();
    assert.deepEqual(readFileSync(path).subarray(100 * B, 400 * B), Buffer.from(data));
    const back = new Uint8Array(300 * B);
    const sums2 = new Uint32Array(300);
    dev.readSummed(100, back, 100, sums2);
    assert.deepEqual(back, data);
    assert.deepEqual(sums2, sums);
  });

  it('reads what was written before, in order, through gathering, windows and read-ahead', () => {
    const { dev } = image(1024);
    // One-block writes gathered into one request, then a one-block read through a window.
    for (let b = 10; b < 20; b++) dev.write(b, pattern(1, b));
    const one = new Uint8Array(B);
    dev.read(15, one);
    assert.deepEqual(one, pattern(1, 15));
    // A write over the window is seen by the next read from it.
    dev.write(16, pattern(1, 99));
    dev.read(16, one);
    assert.deepEqual(one, pattern(1, 99));
    // Runs read in order start a read-ahead; a write in between must not be hidden by it.
    const sums = new Uint32Array(64);
    dev.writeSummed(200, pattern(192, 5), 200);
    const run = new Uint8Array(64 * B);
    dev.readSummed(200, run, 200, sums);
    dev.readSummed(264, run, 264, sums); // sequential: the run at 328 is now read ahead
    const sums6 = dev.writeSummed(328, pattern(64, 6), 328);
    dev.readSummed(328, run, 328, sums);
    assert.deepEqual(run, pattern(64, 6));
    assert.equal(sums[3], blockChecksum(pattern(64, 6).subarray(3 * B, 4 * B), 331));
    assert.deepEqual(sums6(), sums);
  });

  it('refuses bad requests and keeps serving', () => {
    const { q } = image(64);
    const v = new DiskQueueView(q.buffer);
    const raw = (op: QueueOp, offset: number, length: number): number => {
      const s = v.count(Q.SUBMITTED) % v.slots;
      v.setField(s, D.OP, op);
      v.setField(s, D.OFFSET, offset);
      v.setField(s, D.LENGTH, length);
      v.setField(s, D.SEED, -1);
      const target = (v.count(Q.SUBMITTED) + 1) | 0;
      Atomics.store(v.ctl, Q.SUBMITTED, target);
      Atomics.notify(v.ctl, Q.SUBMITTED);
      while (Atomics.load(v.ctl, Q.DONE) !== target) Atomics.wait(v.ctl, Q.DONE, Atomics.load(v.ctl, Q.DONE), 100);
      return v.field(s, D.RESULT);
    };
    assert.equal(raw(QueueOp.Read, 64 * B, B), -Errno.EINVAL); // past the end
    assert.equal(raw(QueueOp.Read, 100, B), -Errno.EINVAL); // not on a block
    assert.equal(raw(QueueOp.Read, 0, v.slotBytes + B), -Errno.EINVAL); // larger than a slot
    assert.equal(raw(7 as QueueOp, 0, B), -Errno.EINVAL);
    assert.equal(raw(QueueOp.Read, -B, B), -Errno.EINVAL);
    assert.equal(raw(QueueOp.Read, 0, 2 * B), 2 * B);
    // A device opened now goes on from where the counters are.
    const d2 = new QueueBlockDevice(q.buffer);
    d2.write(3, pattern(1, 3));
    d2.flush();
    const one = new Uint8Array(B);
    d2.read(3, one);
    assert.deepEqual(one, pattern(1, 3));
  });

  it('a read-only queue refuses writes, and the failure reaches flush', () => {
    const { dev } = image(64, false);
    const one = new Uint8Array(B);
    dev.read(0, one);
    const sums = dev.writeSummed(1, pattern(1, 1), 1);
    assert.throws(() => sums(), /EIO: disk write of block 1 \(\+1\) failed: EROFS/);
    assert.throws(() => dev.flush(), /EIO: disk flush failed: EROFS/);
  });

  it('a closed queue fails calls with EIO instead of waiting', () => {
    const { q, dev } = image(64);
    q.close();
    assert.throws(() => dev.read(0, new Uint8Array(B)), /EIO: disk queue closed/);
  });

  it('refuses a buffer that is not a queue', () => {
    assert.throws(() => new QueueBlockDevice(new SharedArrayBuffer(4096)), /not a disk queue buffer/);
  });
});
