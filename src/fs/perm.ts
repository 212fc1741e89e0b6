// Permission checks in the POSIX manner, for the file daemon: it gets each request's caller
// uid/gid from the kernel and passes them here as a `Cred`. uid 0 passes every check except
// execute, which it gets only when some execute bit is set (as on Linux).
import { fail } from './errors.js';
import { S_IFDIR, S_IFMT } from './node.js';

export interface Cred {
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups?: readonly number[];
}

export const ROOT: Cred = Object.freeze({ uid: 0, gid: 0 });

export const R_OK = 4;
export const W_OK = 2;
export const X_OK = 1;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;

export interface Owned {
  mode: number;
  uid: number;
  gid: number;
}

function inGroup(cred: Cred, gid: number): boolean {
  return cred.gid === gid || (cred.groups?.includes(gid) ?? false);
}

/** Does `cred` have every access in `want` (R_OK|W_OK|X_OK bits) to `node`? */
export function mayAccess(node: Owned, cred: Cred, want: number): boolean {
  if (cred.uid === 0) {
    if (!(want & X_OK)) return true;
    return (node.mode & S_IFMT) === S_IFDIR || (node.mode & 0o111) !== 0;
  }
  let bits: number;
  if (cred.uid === node.uid) bits = (node.mode >> 6) & 7;
  else if (inGroup(cred, node.gid)) bits = (node.mode >> 3) & 7;
  else bits = node.mode & 7;
  return (bits & want) === want;
}

/** Throws EACCES unless `cred` has `want` on `node`; `what` names the node in the message. */
export function checkAccess(node: Owned, cred: Cred, want: number, what: string): void {
  if (!mayAccess(node, cred, want)) {
    const w = `${want & R_OK ? 'r' : ''}${want & W_OK ? 'w' : ''}${want & X_OK ? 'x' : ''}`;
    fail('EACCES', `uid ${cred.uid} may not ${w} ${what}`);
  }
}

/** In a sticky directory only the owner of an entry, of the directory, or root may remove it. */
export function checkSticky(dir: Owned, victim: Owned, cred: Cred, what: string): void {
  if (!(dir.mode & S_ISVTX) || cred.uid === 0 || cred.uid === dir.uid || cred.uid === victim.uid) return;
  fail('EPERM', `sticky directory: uid ${cred.uid} may not remove or replace ${what}`);
}

/** chmod: owner or root; a non-root caller outside the file's group loses set-gid. */
export function chmodMode(node: Owned, cred: Cred, mode: number, what: string): number {
  if (cred.uid !== 0 && cred.uid !== node.uid) fail('EPERM', `uid ${cred.uid} does not own ${what}`);
  let perm = mode & 0o7777;
  if (cred.uid !== 0 && !inGroup(cred, node.gid)) perm &= ~S_ISGID;
  return perm;
}

/** chown: root may do anything; the owner may only change the group to one of its own. */
export function checkChown(node: Owned, cred: Cred, uid: number, gid: number, what: string): void {
  if (cred.uid === 0) return;
  const uidOk = uid === -1 || uid === node.uid;
  const gidOk = gid === -1 || gid === node.gid || inGroup(cred, gid);
  if (cred.uid !== node.uid || !uidOk || !gidOk) fail('EPERM', `uid ${cred.uid} may not chown ${what} to ${uid}:${gid}`);
}
