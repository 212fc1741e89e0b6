// Random bytes for TypeScript programs, answered in the process: a pool filled from the rand
// scheme 4 KiB at a time, so one syscall serves many calls (the vDSO's way with the clock).
// The sandbox has no crypto object of its own, and Math.random is not a secure source.

import { close, open, read } from './fs.js';

const POOL = 4096;
let pool = new Uint8Array(0);
let pos = 0;
let fd = -1;

export function randomFill(dst: Uint8Array): Uint8Array {
  let done = 0;
  while (done < dst.length) {
    if (pos >= pool.length) {
      if (fd < 0) fd = open('/scheme/rand');
      pool = new Uint8Array(POOL);
      read(fd, pool);
      pos = 0;
    }
    const n = Math.min(dst.length - done, pool.length - pos);
    dst.set(pool.subarray(pos, pos + n), done);
    pool.fill(0, pos, pos + n); // bytes handed out are not kept
    pos += n;
    done += n;
  }
  return dst;
}

export function randomBytes(n: number): Uint8Array {
  return randomFill(new Uint8Array(n));
}

/** Closes the rand descriptor (a program about to enter capability mode may keep it instead). */
export function randomClose(): void {
  if (fd >= 0) close(fd);
  fd = -1;
}
