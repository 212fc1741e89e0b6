// The host I/O thread behind a disk queue (src/abi/diskqueue.ts): a worker that serves the
// queue's requests in order with positioned synchronous reads and writes straight from the
// shared buffer, checksums whole blocks with the host's native CRC as it moves them, and makes
// a flush durable with fdatasync. It opens the image itself (checked to be the same file as the
// kernel's store) so that its descriptor can never be closed or reused under it.
//
// Every field of a request is checked: a request outside the device, not whole blocks, or
// larger than its slot fails with EINVAL, a write on a read-only queue with EROFS, and nothing
// the daemon writes into the buffer can make this thread touch anything but its own disk.

import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { BLOCK, D, DiskQueueView, Q, QueueOp } from '../../abi/diskqueue.js';
import { Errno } from '../../abi/errno.js';
import { crc32 } from '../../fs/crc32.js';

export interface DiskIoData {
  path: string;
  dev: number;
  ino: number;
  buffer: SharedArrayBuffer;
}

function checksum(q: DiskQueueView, s: number, data: Uint8Array, seed: number): void {
  if (seed < 0) return;
  const sums = q.sums(s, data.length / BLOCK);
  for (let k = 0; k < sums.length; k++) sums[k] = crc32(data.subarray(k * BLOCK, (k + 1) * BLOCK), (seed + k) >>> 0);
}

function errno(e: unknown): number {
  const code = (e as { code?: string }).code;
  return -(code && code in Errno ? Errno[code as keyof typeof Errno] : Errno.EIO);
}

/** Serves one request in slot `s`; answers bytes moved or -errno. */
function serve(q: DiskQueueView, fd: number, s: number, n: number): number {
  const op = q.field(s, D.OP);
  if (op === QueueOp.Flush) {
    try {
      fdatasyncSync(fd);
    } catch (e) {
      return errno(e);
    }
    const failed = Atomics.load(q.ctl, Q.ERROR);
    return failed < 0 ? failed : 0;
  }
  const offset = q.field(s, D.OFFSET);
  const length = q.field(s, D.LENGTH);
  const seed = q.field(s, D.SEED);
  if ((op !== QueueOp.Read && op !== QueueOp.Write) || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 ||
      offset % BLOCK !== 0 || length % BLOCK !== 0 || length > q.slotBytes || offset + length > q.size || !(seed === -1 || (Number.isSafeInteger(seed) && seed >= 0))) {
    return -Errno.EINVAL;
  }
  const data = q.data(s, length);
  if (op === QueueOp.Write) {
    if (!q.writable) return -Errno.EROFS;
    checksum(q, s, data, seed);
    publish(q, Q.SUMMED, n);
    try {
      let done = 0;
      while (done < length) done += writeSync(fd, data, done, length - done, offset + done);
      return done;
    } catch (e) {
      return errno(e);
    }
  }
  try {
    let done = 0;
    while (done < length) {
      const got = readSync(fd, data, done, length - done, offset + done);
      if (got === 0) return -Errno.EIO;
      done += got;
    }
  } catch (e) {
    return errno(e);
  }
  checksum(q, s, data, seed);
  return length;
}

function publish(q: DiskQueueView, counter: number, n: number): void {
  Atomics.store(q.ctl, counter, (n + 1) | 0);
  Atomics.notify(q.ctl, counter);
}

/** The worker's loop: until the queue is closed. */
export function run(d: DiskIoData): void {
  const q = new DiskQueueView(d.buffer);
  let fd = -1;
  try {
    fd = openSync(d.path, q.writable ? 'r+' : 'r');
    const st = fstatSync(fd);
    if (st.dev !== d.dev || st.ino !== d.ino) throw new Error(`${d.path} is no longer the disk the kernel opened`);
  } catch {
    Atomics.store(q.ctl, Q.CLOSED, 1);
    Atomics.notify(q.ctl, Q.SUMMED);
    Atomics.notify(q.ctl, Q.DONE);
    if (fd >= 0) closeSync(fd);
    return;
  }
  let n = q.count(Q.DONE);
  while (Atomics.load(q.ctl, Q.CLOSED) === 0) {
    if (Atomics.load(q.ctl, Q.SUBMITTED) >>> 0 === n) {
      Atomics.store(q.ctl, Q.SLEEPING, 1);
      const submitted = Atomics.load(q.ctl, Q.SUBMITTED);
      if (submitted >>> 0 === n && Atomics.load(q.ctl, Q.CLOSED) === 0) Atomics.wait(q.ctl, Q.SUBMITTED, submitted);
      Atomics.store(q.ctl, Q.SLEEPING, 0);
      continue;
    }
    const s = n % q.slots;
    const result = serve(q, fd, s, n);
    if (result < 0 && q.field(s, D.OP) === QueueOp.Write) Atomics.compareExchange(q.ctl, Q.ERROR, 0, result);
    q.setField(s, D.RESULT, result);
    publish(q, Q.SUMMED, n);
    publish(q, Q.DONE, n);
    n = (n + 1) >>> 0;
  }
  closeSync(fd);
}

if (workerData && (workerData as { diskio?: DiskIoData }).diskio) run((workerData as { diskio: DiskIoData }).diskio);
