// The error libmh throws: carries the errno, and reads like the C library's message.

import { errnoName, strerror } from '../../abi/errno.js';

export class MhError extends Error {
  readonly code: string;
  constructor(readonly errno: number, readonly op: string, readonly path?: string) {
    super(`${op}${path !== undefined ? ` '${path}'` : ''}: ${strerror(errno)}`);
    this.name = 'MhError';
    this.code = errnoName(errno);
  }
}

/** Turns a raw result into a value, throwing MhError for -errno. */
export function check(r: number, op: string, path?: string): number {
  if (r < 0) throw new MhError(-r, op, path);
  return r;
}
