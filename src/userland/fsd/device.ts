// The disk as MHFS sees it from inside MACROHARD: a block device whose reads and writes are
// pread/pwrite on a descriptor of the disk scheme, and whose flush is fsync.

import * as mh from 'libmh';
import { BLOCK_SIZE, checkRange, type BlockDevice } from '../../fs/blockdev.js';

export class DescriptorBlockDevice implements BlockDevice {
  readonly blockCount: number;
  constructor(private readonly fd: number) {
    this.blockCount = Math.floor(mh.fstat(fd).size / BLOCK_SIZE);
  }
  read(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'read');
    let done = 0;
    while (done < buf.length) {
      const n = mh.read(this.fd, buf.subarray(done), block * BLOCK_SIZE + done);
      if (n === 0) throw new Error(`disk: end of device at block ${block}`);
      done += n;
    }
  }
  write(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'write');
    mh.write(this.fd, buf, block * BLOCK_SIZE);
  }
  flush(): void {
    mh.fsync(this.fd);
  }
  close(): void {
    mh.close(this.fd);
  }
}
