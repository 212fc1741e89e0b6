// Errors of the MHFS library. Every failure a caller can meet carries a POSIX errno name
// (`code`), so the file daemon maps it to a number in one place, and a sentence saying what is
// wrong and where (which block, which node, which name). A plain `Error` escaping this
// library is a bug.

export type Errno =
  | 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'ENOSPC' | 'EINVAL' | 'EIO'
  | 'EACCES' | 'EPERM' | 'ENAMETOOLONG' | 'ELOOP' | 'EXDEV' | 'EMLINK' | 'EFBIG' | 'EBADF'
  | 'EROFS' | 'EBUSY';

export class FsError extends Error {
  constructor(readonly code: Errno, message: string) {
    super(`${code}: ${message}`);
    this.name = 'FsError';
  }
}

export function fail(code: Errno, message: string): never {
  throw new FsError(code, message);
}

/** Corruption found while parsing the disk: always EIO, with the place named. */
export function corrupt(where: string, what: string): never {
  throw new FsError('EIO', `corrupt filesystem: ${where}: ${what}`);
}

export function isFsError(e: unknown, code?: Errno): e is FsError {
  return e instanceof FsError && (code === undefined || e.code === code);
}
