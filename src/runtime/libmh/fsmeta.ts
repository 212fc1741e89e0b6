// File-time and filesystem-space calls for TypeScript programs (touch, df): utimens by path
// or descriptor, and statvfs. Added beside fs.ts so that module stays as it is; every
// function throws MhError on failure, as the rest of libmh does.

import { O } from '../../abi/flags.js';
import { readStatVfs, type StatVfs } from '../../abi/statvfs.js';
import { encodeUtf8 } from '../../abi/utf8.js';
import { check } from './error.js';
import { toKernelPath } from './path.js';
import { proc } from './process.js';
import { close, open } from './fs.js';

/** A filesystem's size and free space, as statvfs(3) reports it (counts of bsize blocks). */
export type FsSpace = StatVfs;

/** Sets access and modification times in ms since the epoch; NaN leaves that time as it is. */
export function utimens(path: string, atimeMs: number, mtimeMs: number): void {
  check(proc().sys.utimens(atimeMs, mtimeMs, 0, 0, encodeUtf8(toKernelPath(path))), 'utimens', path);
}

export function futimens(fd: number, atimeMs: number, mtimeMs: number): void {
  check(proc().sys.futimens(fd, atimeMs, mtimeMs), 'futimens');
}

export function fstatvfs(fd: number): FsSpace {
  const p = proc();
  check(p.sys.statvfs(fd), 'statvfs');
  return readStatVfs(p.client.data)!;
}

/** statvfs by path: opens the object itself (O_PATH), asks its scheme, closes it. */
export function statvfs(path: string): FsSpace {
  const fd = open(path, O.RDONLY | O.PATH);
  try {
    return fstatvfs(fd);
  } finally {
    close(fd);
  }
}
