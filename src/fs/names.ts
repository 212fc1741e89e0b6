// Names and the shapes the MHFS interface returns: name and path limits, the checks a new
// name must pass, directory entry types, and the listing and statvfs records.
import { DT_DIR, DT_LNK, DT_REG, NAME_MAX } from './dirblock.js';
import { fail } from './errors.js';
import { S_IFDIR, S_IFLNK, S_IFMT } from './node.js';

export const PATH_MAX = 4096;
export const SYMLINK_MAX = 4095;
export const LINK_MAX = 65000;
export const MAX_SYMLINKS = 40;
const enc = new TextEncoder();

export interface DirentOut {
  name: string;
  ino: number;
  /** DT_REG, DT_DIR or DT_LNK. */
  type: number;
  /** Resume a listing after this entry by passing it back. */
  cookie: number;
}

export interface StatVfs {
  bsize: number;
  frsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  favail: number;
  fsid: number;
  namemax: number;
}

export enum Follow {
  /** Follow a symlink in the last component (stat, open). */
  Yes,
  /** Name the symlink itself (lstat, unlink, readlink). */
  No,
}

/** The directory entry type of a node's mode. */
export function dtOf(mode: number): number {
  const t = mode & S_IFMT;
  return t === S_IFDIR ? DT_DIR : t === S_IFLNK ? DT_LNK : DT_REG;
}

export function checkName(name: string): Uint8Array {
  const b = enc.encode(name);
  if (b.length === 0) fail('ENOENT', 'empty name');
  if (b.length > NAME_MAX) fail('ENAMETOOLONG', `name of ${b.length} bytes (at most ${NAME_MAX})`);
  if (name.includes('/') || name.includes('\0')) fail('EINVAL', `name ${JSON.stringify(name)} contains '/' or NUL`);
  return b;
}
