// A disk image file on the host as a kernel block store, through asynchronous file I/O (the
// kernel's thread must not wait on the disk). flush is fdatasync.
//
// The store also offers disk queues (src/abi/diskqueue.ts): a shared buffer served by a host
// I/O thread of its own (diskio.ts), so that the file daemon's block I/O bypasses the kernel's
// thread altogether. Closing the store closes its queues first and waits for their threads.

import { open, type FileHandle } from 'node:fs/promises';
import type { BlockStore, DiskQueue } from '../../kernel/schemes/disk.js';
import { startDiskQueue, type HostDiskQueue } from './diskqueue.js';

export class FileBlockStore implements BlockStore {
  private queues = new Set<HostDiskQueue>();
  private constructor(readonly name: string, readonly size: number, readonly readOnly: boolean, private readonly fh: FileHandle) {}

  static async open(path: string, readOnly = false): Promise<FileBlockStore> {
    const fh = await open(path, readOnly ? 'r' : 'r+');
    const st = await fh.stat();
    return new FileBlockStore(path, st.size, readOnly, fh);
  }

  async read(offset: number, dst: Uint8Array): Promise<number> {
    let done = 0;
    while (done < dst.length) {
      const { bytesRead } = await this.fh.read(dst, done, dst.length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  async write(offset: number, src: Uint8Array): Promise<number> {
    let done = 0;
    while (done < src.length) {
      const { bytesWritten } = await this.fh.write(src, done, src.length - done, offset + done);
      done += bytesWritten;
    }
    return done;
  }

  flush(): Promise<void> {
    return this.fh.datasync();
  }

  openQueue(writable: boolean): DiskQueue {
    const q = startDiskQueue(this.name, writable && !this.readOnly);
    this.queues.add(q);
    void q.exited.then(() => this.queues.delete(q));
    return q;
  }

  async close(): Promise<void> {
    const pending = [...this.queues];
    for (const q of pending) q.close();
    await Promise.all(pending.map((q) => q.exited));
    return this.fh.close();
  }
}
