// The answers of path stats on a user scheme whose daemon declared that its files change only
// through the scheme's own requests (SCHEME_COHERENT): a stat asked again while nothing that can
// change a file has been sent is answered by the kernel, without a round trip through the daemon.
// Coherence comes from a generation that every request that may change anything bumps, both
// when it is sent and when its reply comes; an entry is good only while the generation it was
// taken at is the current one. Why this is enough, and what counts as changing nothing, is in
// docs/kernel.md ("The attribute cache").

import { E, Err, Redirect, type Result } from '../../abi/errno.js';
import { O } from '../../abi/flags.js';
import { Op } from '../../abi/scheme.js';
import type { Stat } from '../../abi/stat.js';

/**
 * Entries kept at most (a few hundred bytes each: the key, the parsed Stat, the map's slot, so
 * at most about 5 MB a scheme). A tree walk or a program's stats of more files than this would
 * find nothing on its next pass if the cache cycled through them, so when full it starts again
 * empty, and a loop over fewer files than this stays whole.
 */
export const ATTR_CACHE_ENTRIES = 16384;

/** Failures that a lookup in an unchanged tree gives again; anything else (EIO...) is asked again. */
const KEPT_ERRNOS = new Set<number>([E.ENOENT.errno, E.ENOTDIR.errno, E.EACCES.errno]);

/** An open that neither writes, creates nor truncates: it and its close change no file. */
function readsOnly(flags: number): boolean {
  return (flags & (O.ACCMODE | O.CREAT | O.TRUNC)) === O.RDONLY;
}

interface Entry {
  gen: number;
  value: Result<Stat>;
}

export class AttrCache {
  /** Bumped by every request that may change a file, when sent and when answered. */
  private gen = 0;
  /**
   * Requests that may change files and have not been answered yet (a cancelled one counts until
   * its late reply arrives): while there are any, a stat's answer may show half of a change, so
   * nothing is kept.
   */
  private changing = 0;
  private entries = new Map<string, Entry>();
  /** Handles opened read-only and with nothing to truncate: closing one changes nothing. */
  private readOnly = new Set<number>();

  /** The key of a stat: everything the daemon's answer depends on besides its tree. */
  static key(path: string, nofollow: boolean, uid: number, gid: number): string {
    return `${nofollow ? 'l' : 's'}${uid}:${gid}:${path}`;
  }

  /** The kept answer, if it is still good. */
  get(key: string): Result<Stat> | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.gen === this.gen && this.changing === 0) return e.value;
    this.entries.delete(key);
    return undefined;
  }

  /** The generation a stat is sent at; its answer is kept only if that is still current. */
  get generation(): number {
    return this.gen;
  }

  put(key: string, sentAt: number, value: Result<Stat>): void {
    if (sentAt !== this.gen || this.changing !== 0) return;
    // A redirect leaves the scheme (its target may change elsewhere); a KernelBug is an EIO.
    if (value instanceof Redirect) return;
    if (value instanceof Err && !KEPT_ERRNOS.has(value.errno)) return;
    if (this.entries.size >= ATTR_CACHE_ENTRIES) this.entries.clear();
    // One record answers many callers: frozen, so that none can change what the next is told.
    if (!(value instanceof Err)) Object.freeze(value);
    this.entries.set(key, { gen: sentAt, value });
  }

  /**
   * Whether a request may change some file's attributes. Reads and directory reads may (both
   * daemons that opt in keep atime), so only lookups and opens that neither create, truncate
   * nor write are let through.
   */
  changes(op: number, handle: number, flags: number): boolean {
    switch (op) {
      case Op.STAT:
      case Op.FSTAT:
      case Op.READLINK:
      case Op.STATVFS:
      case Op.FPATH:
      case Op.SEEK:
      case Op.POLL:
      case Op.CANCEL:
        return false;
      case Op.OPEN:
        return !readsOnly(flags);
      case Op.CLOSE:
        return !this.readOnly.delete(handle);
      default:
        return true;
    }
  }

  /** A request that may change files is about to be queued. */
  begin(): void {
    this.gen++;
    this.changing++;
    this.entries.clear();
  }

  /** Its reply came (or the daemon's late reply to it, when its caller gave up). */
  end(): void {
    this.gen++;
    this.changing--;
  }

  /** A one-way request that may change files (a close): nothing will answer it. */
  bump(): void {
    this.gen++;
    this.entries.clear();
  }

  opened(handle: number, flags: number): void {
    if (readsOnly(flags) && this.readOnly.size < ATTR_CACHE_ENTRIES) this.readOnly.add(handle);
  }

  clear(): void {
    this.gen++;
    this.entries.clear();
    this.readOnly.clear();
  }
}
