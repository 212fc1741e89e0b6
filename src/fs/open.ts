// open(2) semantics over Mhfs, for the file daemon: resolve a path the way the open flags say,
// create or truncate, and check the caller's access. The daemon maps the ABI's O_* bits to an
// `OpenIntent`, applies its umask to `mode`, then holds the returned node with `retain` for as
// long as the descriptor lives.
import { fail, isFsError } from './errors.js';
import { ROOT_NODE } from './layout.js';
import { Follow, type Mhfs } from './mhfs.js';
import { NodeType } from './node.js';
import { checkAccess, R_OK, W_OK, type Cred } from './perm.js';

export interface OpenIntent {
  read?: boolean;
  write?: boolean;
  /** O_CREAT */
  create?: boolean;
  /** O_EXCL (with create): fail with EEXIST if the name exists, and never follow a symlink. */
  exclusive?: boolean;
  /** O_TRUNC (with write) */
  truncate?: boolean;
  /** O_DIRECTORY: fail with ENOTDIR unless a directory. */
  directory?: boolean;
  /** O_NOFOLLOW: fail with ELOOP if the last component is a symlink. */
  noFollow?: boolean;
  /** Permission bits for a created file, umask already applied. */
  mode?: number;
}

export interface Opened {
  id: number;
  type: NodeType;
  created: boolean;
}

export function openPath(fs: Mhfs, path: string, intent: OpenIntent, cred?: Cred, cwd: number = ROOT_NODE): Opened {
  let id: number;
  let created = false;
  if (intent.create) {
    const { dir, name } = fs.resolveParent(path, cred, cwd);
    let existing: number | null = null;
    try {
      existing = fs.lookup(dir, name, cred);
    } catch (e) {
      if (!isFsError(e, 'ENOENT')) throw e;
    }
    if (existing === null) {
      id = fs.create(dir, name, intent.mode ?? 0o644, cred);
      created = true;
    } else {
      if (intent.exclusive) fail('EEXIST', `${path} exists`);
      id = existing;
      if (fs.vol.record(id).type === NodeType.Symlink) {
        if (intent.noFollow) fail('ELOOP', `${path} is a symbolic link (O_NOFOLLOW)`);
        id = fs.resolve(path, Follow.Yes, cred, cwd);
      }
    }
  } else {
    id = fs.resolve(path, intent.noFollow ? Follow.No : Follow.Yes, cred, cwd);
    if (intent.noFollow && fs.vol.record(id).type === NodeType.Symlink) fail('ELOOP', `${path} is a symbolic link (O_NOFOLLOW)`);
  }
  const r = fs.vol.record(id);
  const type = r.type!;
  if (intent.directory && type !== NodeType.Directory) fail('ENOTDIR', `${path} is not a directory`);
  if ((intent.write || intent.truncate) && type === NodeType.Directory) fail('EISDIR', `${path} is a directory`);
  // A file this call created may be opened as asked whatever its mode says (POSIX).
  if (cred && !created) {
    const want = (intent.read ? R_OK : 0) | (intent.write || intent.truncate ? W_OK : 0);
    if (want) checkAccess(r, cred, want, path);
  }
  if (intent.truncate && intent.write && type === NodeType.File && !created && r.size > 0) fs.truncate(id, 0);
  return { id, type, created };
}
