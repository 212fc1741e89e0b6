// A disk image file on the host as a kernel block store, through asynchronous file I/O (the
// kernel's thread must not wait on the disk). flush is fdatasync.

import { open, type FileHandle } from 'node:fs/promises';
import type { BlockStore } from '../../kernel/schemes/disk.js';

export class FileBlockStore implements BlockStore {
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

  close(): Promise<void> {
    return this.fh.close();
  }
}
