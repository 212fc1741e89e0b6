// Starting a disk queue (src/abi/diskqueue.ts) on a host file: the shared buffer and the I/O
// thread (diskio.ts) that serves it. The kernel's disk store hands such queues to the file
// daemon; tests drive them directly.

import { fstatSync, openSync, closeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { DiskQueueView, Q } from '../../abi/diskqueue.js';
import type { DiskIoData } from './diskio.js';

const diskioUrl = new URL('./diskio.js', import.meta.url);

export interface HostDiskQueue {
  readonly buffer: SharedArrayBuffer;
  /** Closes the queue: the thread finishes the request in hand and ends. */
  close(): void;
  /** Settles when the thread has ended (it has closed its descriptor). */
  readonly exited: Promise<void>;
}

/** Serves the file at `path` (its current size) through a new queue and I/O thread. */
export function startDiskQueue(path: string, writable: boolean): HostDiskQueue {
  const fd = openSync(path, 'r');
  let st;
  try {
    st = fstatSync(fd);
  } finally {
    closeSync(fd);
  }
  const view = DiskQueueView.create(st.size, writable);
  const diskio: DiskIoData = { path, dev: st.dev, ino: st.ino, buffer: view.buffer };
  const worker = new Worker(diskioUrl, { workerData: { diskio }, stdout: false, stderr: false });
  // The thread must not keep the host alive on its own: its owner closes it.
  worker.unref();
  const close = (): void => {
    Atomics.store(view.ctl, Q.CLOSED, 1);
    for (const w of [Q.SUBMITTED, Q.SUMMED, Q.DONE]) Atomics.notify(view.ctl, w);
  };
  // A thread that fails leaves the queue closed, so its user gets EIO instead of waiting.
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      close();
      resolve();
    }),
  );
  worker.on('error', () => undefined);
  return { buffer: view.buffer, close, exited };
}
