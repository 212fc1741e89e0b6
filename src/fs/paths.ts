// Whole-path conveniences over Mhfs for the host tools, the image builder and tests: make a
// directory chain, write or read a whole file, remove a file or an empty directory.
import { isFsError, fail } from './errors.js';
import { Follow, type Mhfs } from './mhfs.js';
import { NodeType } from './node.js';

/** Creates every missing directory of `path`; returns the last one's id. */
export function mkdirp(fs: Mhfs, path: string, mode = 0o755, uid = 0, gid = 0): number {
  let cur = fs.root;
  const parts = path.split('/').filter((p) => p && p !== '.');
  parts.forEach((part, i) => {
    let next: number;
    try {
      next = fs.lookup(cur, part);
    } catch (e) {
      if (!isFsError(e, 'ENOENT')) throw e;
      next = fs.mkdir(cur, part, mode, { uid, gid });
    }
    // A symlink on the way is followed, as mkdir -p does.
    if (fs.vol.record(next).type === NodeType.Symlink) next = fs.resolve('/' + parts.slice(0, i + 1).join('/'), Follow.Yes);
    if (fs.vol.record(next).type !== NodeType.Directory) fail('ENOTDIR', `${part} in ${path} is not a directory`);
    cur = next;
  });
  return cur;
}

/** Creates or replaces the file at `path` with `data`, making parent directories. */
export function writeFile(fs: Mhfs, path: string, data: Uint8Array, mode = 0o644, uid = 0, gid = 0): number {
  const slash = path.lastIndexOf('/');
  const dir = mkdirp(fs, path.slice(0, Math.max(slash, 0)));
  const name = path.slice(slash + 1);
  let id: number;
  try {
    id = fs.lookup(dir, name);
    if (fs.vol.record(id).type !== NodeType.File) fail('EISDIR', `${path} exists and is not a regular file`);
    fs.truncate(id, 0);
  } catch (e) {
    if (!isFsError(e, 'ENOENT')) throw e;
    id = fs.create(dir, name, mode, { uid, gid });
  }
  let done = 0;
  while (done < data.length) done += fs.write(id, done, data.subarray(done, done + (1 << 20)));
  return id;
}

export function readFile(fs: Mhfs, path: string): Uint8Array {
  return fs.readAll(fs.resolve(path, Follow.Yes));
}

/** Removes a file, symlink or empty directory. */
export function remove(fs: Mhfs, path: string): void {
  const { dir, name } = fs.resolveParent(path);
  const id = fs.lookup(dir, name);
  if (fs.vol.record(id).type === NodeType.Directory) fs.rmdir(dir, name);
  else fs.unlink(dir, name);
}
