// A disk image in MACROHARD's file system as a virtio-blk backend for `vm`: positioned reads
// and writes on one descriptor (any scheme that serves files: MHFS through fsd, ramfs,
// initfs read-only), fsync for the guest's flush. As on the host (FileDisk), the image must be
// a whole number of 512-byte sectors, checked before the guest boots.

import * as mh from 'libmh';
import type { BlockBackend } from '../../hv/virtio/blk.js';

export class SchemeDisk implements BlockBackend {
  readonly size: number;

  private constructor(private fd: number, readonly path: string, readonly readOnly: boolean) {
    this.size = mh.fstat(fd).size;
  }

  /** Opens the image; a message says why it cannot be used. */
  static open(path: string, readOnly: boolean): SchemeDisk | string {
    let fd: number;
    try {
      fd = mh.open(path, readOnly ? mh.O.RDONLY : mh.O.RDWR);
    } catch (e) {
      return `cannot open disk image ${path}: ${e instanceof Error ? e.message : String(e)}`;
    }
    const d = new SchemeDisk(fd, path, readOnly);
    if (d.size === 0 || d.size % 512 !== 0) {
      d.close();
      return `disk image ${path} is ${d.size} bytes: not a whole number of 512-byte sectors`;
    }
    return d;
  }

  read(offset: number, into: Uint8Array): void {
    for (let done = 0; done < into.byteLength;) {
      const n = mh.read(this.fd, into.subarray(done), offset + done);
      if (n === 0) throw new Error(`${this.path}: short read at ${offset + done}`);
      done += n;
    }
  }

  write(offset: number, data: Uint8Array): void {
    for (let done = 0; done < data.byteLength;) done += mh.write(this.fd, data.subarray(done), offset + done);
  }

  flush(): void {
    mh.fsync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) mh.close(this.fd);
    this.fd = -1;
  }
}
