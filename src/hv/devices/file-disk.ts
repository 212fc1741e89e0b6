// A raw disk image file on the host as a virtio-blk backend: positioned synchronous reads and
// writes on one file descriptor, fsync for the guest's flush. Opening checks that the image
// exists and its size is a whole number of 512-byte sectors, so a bad --disk fails before boot.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { BlockBackend } from '../virtio/blk.js';

export class DiskError extends Error {}

export class FileDisk implements BlockBackend {
  readonly size: number;
  private fd: number;

  constructor(readonly path: string, readonly readOnly = false) {
    try {
      this.fd = openSync(path, readOnly ? 'r' : 'r+');
    } catch (e) {
      throw new DiskError(`cannot open disk image ${path}: ${(e as Error).message}`);
    }
    this.size = fstatSync(this.fd).size;
    if (this.size === 0 || this.size % 512 !== 0) {
      closeSync(this.fd);
      throw new DiskError(`disk image ${path} is ${this.size} bytes: not a whole number of 512-byte sectors`);
    }
  }

  read(offset: number, into: Uint8Array): void {
    let done = 0;
    while (done < into.byteLength) {
      const n = readSync(this.fd, into, done, into.byteLength - done, offset + done);
      if (n === 0) throw new DiskError('short read');
      done += n;
    }
  }

  write(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.byteLength) done += writeSync(this.fd, data, done, data.byteLength - done, offset + done);
  }

  flush(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
