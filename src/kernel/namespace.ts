// Namespaces and path resolution. A namespace is the set of scheme names a process can open
// by path; `mkns` makes a narrower one (an intersection, never a widening) and the empty set is
// capability mode, where only held descriptors work. Paths are canonicalised lexically, as
// Redox does: `/scheme/NAME/REF` names scheme NAME, any other absolute path the `file` scheme.

import { E, type Result } from '../abi/errno.js';

export class Namespace {
  /** null: every scheme (the boot namespace). */
  constructor(readonly schemes: ReadonlySet<string> | null) {}

  static all(): Namespace {
    return new Namespace(null);
  }

  has(name: string): boolean {
    return this.schemes === null || this.schemes.has(name);
  }

  /** The intersection with `names`: a process can only ever lose names. */
  narrow(names: readonly string[]): Namespace {
    const keep = names.filter((n) => this.has(n));
    return new Namespace(new Set(keep));
  }

  list(): string[] | null {
    return this.schemes === null ? null : [...this.schemes].sort();
  }
}

export const SCHEME_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const MAX_PATH = 4096;
/** An empty, `.` or `..` segment, or a trailing slash (but "/" alone is canonical). */
const NOT_CANONICAL = /\/\/|\/\.\.?(?:\/|$)|.\/$/;

/** Joins `path` onto `cwd` (when relative) and removes `.`, `..` and empty segments. */
export function canonicalize(cwd: string, path: string): Result<string> {
  if (path.length === 0) return E.ENOENT;
  if (path.length > MAX_PATH || path.includes('\0')) return E.ENAMETOOLONG;
  // Most paths come canonical already (the C library and the WASI layer make them so).
  if (path.charCodeAt(0) === 47 && !NOT_CANONICAL.test(path)) return path;
  const full = path.startsWith('/') ? path : `${cwd}/${path}`;
  const out: string[] = [];
  for (const seg of full.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

export interface Resolved {
  scheme: string;
  /** The path inside the scheme, without a leading slash ('' for the scheme's root). */
  ref: string;
  canonical: string;
}

export function splitScheme(canonical: string): Resolved {
  if (canonical === '/scheme' || canonical.startsWith('/scheme/')) {
    const rest = canonical.slice('/scheme/'.length);
    const slash = rest.indexOf('/');
    const scheme = slash < 0 ? rest : rest.slice(0, slash);
    const ref = slash < 0 ? '' : rest.slice(slash + 1);
    return { scheme, ref, canonical };
  }
  return { scheme: 'file', ref: canonical.slice(1), canonical };
}

/**
 * Resolves `sub` beneath the directory a descriptor was opened by, refusing any path that
 * would climb out of it: holding a directory grants what is under it and nothing more.
 */
export function beneath(base: string, sub: string): Result<string> {
  if (sub.startsWith('/')) return E.EXDEV;
  let depth = 0;
  for (const seg of sub.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (--depth < 0) return E.EXDEV;
    } else depth++;
  }
  return canonicalize(base, sub);
}
