// MHFS, the POSIX-shaped interface the file daemon calls. Nodes are named by id (the daemon's
// handles hold ids); names are looked up in a directory id, or whole paths resolved from the
// root. Each call either completes or changes nothing and throws an FsError carrying an errno
// name. Changes reach the disk at `sync()` (the daemon's fsync), atomically all together.
//
// When a `cred` is given, the call checks permissions as the kernel's caller would be checked
// (search on directories, write on the parent for namespace changes, the sticky bit, ownership
// for chmod/chown/utimens); without one it acts as root, for the host tools.
import type { BlockDevice } from './blockdev.js';
import { dirAll, dirInsert, dirInsertCost, dirList, dirLookup, dirRemove, dirRetarget } from './directory.js';
import { DT_DIR, DT_LNK, DT_REG, NAME_MAX } from './dirblock.js';
import { checkName, dtOf, Follow, LINK_MAX, MAX_SYMLINKS, PATH_MAX, SYMLINK_MAX, type DirentOut, type StatVfs } from './names.js';
import { fail, isFsError } from './errors.js';
import { readData, truncateData, writeData } from './file.js';
import { BLOCK_SIZE, ORPHAN_NODE, ROOT_NODE } from './layout.js';
import { NodeType, now, PERM_MASK, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type Stat, type Timespec } from './node.js';
import { checkAccess, checkChown, checkSticky, chmodMode, ROOT, S_ISGID, W_OK, X_OK, R_OK, type Cred } from './perm.js';
import { Access, SpacePurpose, Volume, type FormatOptions } from './volume.js';

export { PATH_MAX, SYMLINK_MAX, LINK_MAX, Follow, checkName, type DirentOut, type StatVfs } from './names.js';
const enc = new TextEncoder();
const dec = new TextDecoder();

export class Mhfs {
  private openCount = new Map<number, number>();

  private constructor(readonly vol: Volume) {}

  static format(dev: BlockDevice, opts: FormatOptions = {}): Mhfs {
    return new Mhfs(Volume.format(dev, opts));
  }

  /** Mounts; read-write, it first frees the nodes a crash left unlinked but open. */
  static mount(dev: BlockDevice, access: Access = Access.ReadWrite): Mhfs {
    const fs = new Mhfs(Volume.mount(dev, access));
    if (access === Access.ReadWrite) fs.reapOrphans();
    return fs;
  }

  private reapOrphans(): void {
    const orphans = [...dirAll(this.vol, ORPHAN_NODE)];
    for (const e of orphans) {
      this.vol.ensure(2 * this.vol.nodeTree.height + this.vol.dataTree(ORPHAN_NODE).height + 6, SpacePurpose.Release);
      dirRemove(this.vol, ORPHAN_NODE, e.name);
      if (this.vol.exists(e.node) && this.vol.record(e.node).nlink === 0) this.vol.freeNode(e.node);
    }
    if (orphans.length) this.vol.commit();
  }

  get root(): number {
    return ROOT_NODE;
  }

  // ---- lookup -------------------------------------------------------------------------------

  private dirRecord(id: number, cred: Cred | undefined, want: number, what: string) {
    const r = this.vol.record(id);
    if (r.type !== NodeType.Directory) fail('ENOTDIR', `${what} (node ${id}) is not a directory`);
    if (cred) checkAccess(r, cred, want, what);
    return r;
  }

  /** The node named `name` in directory `dirId`. */
  lookup(dirId: number, name: string, cred?: Cred): number {
    const r = this.dirRecord(dirId, cred, X_OK, `directory node ${dirId}`);
    if (name === '.' || name === '') return dirId;
    if (name === '..') return r.parent;
    const e = dirLookup(this.vol, dirId, checkName(name));
    if (!e) fail('ENOENT', `no ${JSON.stringify(name)} in directory node ${dirId}`);
    return e.node;
  }

  /** Resolves a path (absolute, or relative to `cwd`) to a node id, following symlinks on the
   *  way and, with Follow.Yes, in the last component too. */
  resolve(path: string, follow: Follow = Follow.Yes, cred?: Cred, cwd: number = ROOT_NODE): number {
    if (enc.encode(path).length >= PATH_MAX) fail('ENAMETOOLONG', `path of ${path.length} characters`);
    let budget = MAX_SYMLINKS;
    const walk = (p: string, start: number, followLast: boolean): number => {
      let cur = p.startsWith('/') ? ROOT_NODE : start;
      const parts = p.split('/').filter((s) => s !== '' && s !== '.');
      for (let i = 0; i < parts.length; i++) {
        const next = this.lookup(cur, parts[i]!, cred);
        const last = i === parts.length - 1;
        if (this.vol.record(next).type === NodeType.Symlink && (!last || followLast)) {
          if (--budget < 0) fail('ELOOP', `too many symbolic links resolving ${path}`);
          cur = walk(this.readlink(next), cur, true);
        } else cur = next;
        if (!last && this.vol.record(cur).type !== NodeType.Directory) fail('ENOTDIR', `${parts.slice(0, i + 1).join('/')} is not a directory`);
      }
      return cur;
    };
    return walk(path, cwd, follow === Follow.Yes);
  }

  /** The directory that would hold `path`'s last component, and that component. */
  resolveParent(path: string, cred?: Cred, cwd: number = ROOT_NODE): { dir: number; name: string } {
    const trimmed = path.replace(/\/+$/, '');
    const slash = trimmed.lastIndexOf('/');
    const name = trimmed.slice(slash + 1);
    const dirPath = slash < 0 ? '.' : trimmed.slice(0, slash) || '/';
    if (name === '') fail('EINVAL', `path ${JSON.stringify(path)} names no entry`);
    const dir = this.resolve(dirPath, Follow.Yes, cred, path.startsWith('/') ? ROOT_NODE : cwd);
    if (this.vol.record(dir).type !== NodeType.Directory) fail('ENOTDIR', `${dirPath} is not a directory`);
    return { dir, name };
  }

  /** A directory's size is that of its bucket table (2^bits blocks, most of them holes). */
  stat(id: number): Stat {
    const r = this.vol.record(id);
    const size = r.type === NodeType.Directory ? 2 ** r.dirBits * BLOCK_SIZE : r.size;
    return {
      ino: id, mode: r.mode, nlink: r.nlink, uid: r.uid, gid: r.gid, size, blocks: r.blocks * (BLOCK_SIZE / 512),
      blksize: BLOCK_SIZE, atime: r.atime, mtime: r.mtime, ctime: r.ctime, btime: r.btime, generation: r.generation,
    };
  }

  // ---- namespace ----------------------------------------------------------------------------

  /** Checks a new name can go in `dirId` and returns the encoded name. */
  private prepareInsert(dirId: number, name: string, cred: Cred | undefined, extra = 0): Uint8Array {
    this.dirRecord(dirId, cred, W_OK | X_OK, `directory node ${dirId}`);
    if (name === '.' || name === '..') fail('EEXIST', `${name} exists`);
    const b = checkName(name);
    if (dirLookup(this.vol, dirId, b)) fail('EEXIST', `${JSON.stringify(name)} exists in directory node ${dirId}`);
    if (this.vol.record(dirId).nlink === 0) fail('ENOENT', `directory node ${dirId} has been removed`);
    // All the space the operation may need is asked for here, before anything changes, so that
    // nothing later in it can fail for space (or commit half of it to make room).
    this.vol.ensure(dirInsertCost(this.vol, dirId, b) + 2 * this.vol.nodeTree.height + 8 + extra);
    return b;
  }

  private touchDir(dirId: number, t: Timespec): void {
    const r = this.vol.recordForWrite(dirId);
    r.mtime = r.ctime = t;
  }

  private makeNode(dirId: number, name: string, mode: number, cred: Cred | undefined, extra = 0): { id: number; nameBytes: Uint8Array; t: Timespec } {
    const nameBytes = this.prepareInsert(dirId, name, cred, extra);
    const c = cred ?? ROOT;
    const parent = this.vol.record(dirId);
    // BSD/Linux semantics: a set-gid directory hands its group (and, to subdirectories, the bit) down.
    const gid = parent.mode & S_ISGID ? parent.gid : c.gid;
    if (parent.mode & S_ISGID && (mode & S_IFMT) === S_IFDIR) mode |= S_ISGID;
    const t = now();
    const id = this.vol.allocNodeId();
    this.vol.initNode(id, mode, c.uid, gid, t);
    this.vol.usedNodes++;
    return { id, nameBytes, t };
  }

  /** Creates a regular file; EEXIST if the name is taken. */
  create(dirId: number, name: string, mode: number, cred?: Cred): number {
    const { id, nameBytes, t } = this.makeNode(dirId, name, S_IFREG | (mode & PERM_MASK), cred);
    dirInsert(this.vol, dirId, nameBytes, id, DT_REG);
    this.touchDir(dirId, t);
    return id;
  }

  mkdir(dirId: number, name: string, mode: number, cred?: Cred): number {
    const { id, nameBytes, t } = this.makeNode(dirId, name, S_IFDIR | (mode & PERM_MASK), cred);
    const r = this.vol.recordForWrite(id);
    r.nlink = 2;
    r.parent = dirId;
    dirInsert(this.vol, dirId, nameBytes, id, DT_DIR);
    const p = this.vol.recordForWrite(dirId);
    p.nlink = p.nlink + 1;
    this.touchDir(dirId, t);
    return id;
  }

  symlink(dirId: number, name: string, target: string, cred?: Cred): number {
    const tb = enc.encode(target);
    if (tb.length === 0) fail('ENOENT', 'empty symlink target');
    if (tb.length > SYMLINK_MAX) fail('ENAMETOOLONG', `symlink target of ${tb.length} bytes`);
    const { id, nameBytes, t } = this.makeNode(dirId, name, S_IFLNK | 0o777, cred, 2 * this.vol.nodeTree.height + 16);
    writeData(this.vol, id, 0, tb);
    dirInsert(this.vol, dirId, nameBytes, id, DT_LNK);
    this.touchDir(dirId, t);
    return id;
  }

  readlink(id: number): string {
    const r = this.vol.record(id);
    if (r.type !== NodeType.Symlink) fail('EINVAL', `node ${id} is not a symbolic link`);
    if (r.size === 0 || r.size > SYMLINK_MAX) fail('EIO', `corrupt filesystem: node ${id}: symlink target of ${r.size} bytes`);
    const buf = new Uint8Array(r.size);
    readData(this.vol, id, 0, buf);
    return dec.decode(buf);
  }

  /** A new name for an existing non-directory. */
  link(id: number, dirId: number, name: string, cred?: Cred): void {
    const r = this.vol.record(id);
    if (r.type === NodeType.Directory) fail('EPERM', `node ${id} is a directory; no hard links to directories`);
    if (r.nlink >= LINK_MAX) fail('EMLINK', `node ${id} has ${r.nlink} links`);
    if (r.nlink === 0) fail('ENOENT', `node ${id} has been removed`);
    const nameBytes = this.prepareInsert(dirId, name, cred);
    dirInsert(this.vol, dirId, nameBytes, id, dtOf(r.mode));
    const w = this.vol.recordForWrite(id);
    const t = now();
    w.nlink = w.nlink + 1;
    w.ctime = t;
    this.touchDir(dirId, t);
  }

  /** Drops one link of a node; frees it when no name and no open handle remains. A file
   *  still open moves to the orphan directory, so that a crash before its last close leaves
   *  nothing behind: mount frees what it finds there. A removed directory is empty and is
   *  freed at once even if open. */
  private dropLink(id: number, t: Timespec): void {
    const w = this.vol.recordForWrite(id);
    const isDir = w.type === NodeType.Directory;
    w.nlink = isDir ? 0 : w.nlink - 1;
    w.ctime = t;
    if (w.nlink > 0) return;
    if (isDir || !this.openCount.has(id)) this.vol.freeNode(id);
    else dirInsert(this.vol, ORPHAN_NODE, enc.encode(String(id)), id, dtOf(w.mode));
  }

  /** Space for moving `id` to the orphan directory if dropping a link may leave it nameless but open. */
  private orphanCost(id: number): number {
    return this.openCount.has(id) ? dirInsertCost(this.vol, ORPHAN_NODE, enc.encode(String(id))) : 0;
  }

  private victim(dirId: number, name: string, cred: Cred | undefined): { nameBytes: Uint8Array; id: number } {
    const dir = this.dirRecord(dirId, cred, W_OK | X_OK, `directory node ${dirId}`);
    if (name === '.' || name === '..') fail('EINVAL', `cannot remove ${name}`);
    const nameBytes = checkName(name);
    const e = dirLookup(this.vol, dirId, nameBytes);
    if (!e) fail('ENOENT', `no ${JSON.stringify(name)} in directory node ${dirId}`);
    if (cred) checkSticky(dir, this.vol.record(e.node), cred, name);
    return { nameBytes, id: e.node };
  }

  unlink(dirId: number, name: string, cred?: Cred): void {
    const { nameBytes, id } = this.victim(dirId, name, cred);
    if (this.vol.record(id).type === NodeType.Directory) fail('EISDIR', `${JSON.stringify(name)} is a directory`);
    this.vol.ensure(this.vol.dataTree(dirId).height + 2 * this.vol.nodeTree.height + 6 + this.orphanCost(id), SpacePurpose.Release);
    const t = now();
    dirRemove(this.vol, dirId, nameBytes);
    this.touchDir(dirId, t);
    this.dropLink(id, t);
  }

  rmdir(dirId: number, name: string, cred?: Cred): void {
    const { nameBytes, id } = this.victim(dirId, name, cred);
    const r = this.vol.record(id);
    if (r.type !== NodeType.Directory) fail('ENOTDIR', `${JSON.stringify(name)} is not a directory`);
    if (id === ROOT_NODE) fail('EBUSY', 'cannot remove the root');
    if (r.entries > 0) fail('ENOTEMPTY', `directory ${JSON.stringify(name)} holds ${r.entries} entries`);
    this.vol.ensure(this.vol.dataTree(dirId).height + 2 * this.vol.nodeTree.height + 6, SpacePurpose.Release);
    const t = now();
    dirRemove(this.vol, dirId, nameBytes);
    const p = this.vol.recordForWrite(dirId);
    p.nlink = p.nlink - 1;
    this.touchDir(dirId, t);
    this.dropLink(id, t);
  }

  /** Renames atomically, replacing an existing target as POSIX rename(2) does. */
  rename(srcDir: number, srcName: string, dstDir: number, dstName: string, cred?: Cred): void {
    const { nameBytes: srcBytes, id } = this.victim(srcDir, srcName, cred);
    this.dirRecord(dstDir, cred, W_OK | X_OK, `directory node ${dstDir}`);
    if (dstName === '.' || dstName === '..') fail('EINVAL', `cannot rename onto ${dstName}`);
    const dstBytes = checkName(dstName);
    const node = this.vol.record(id);
    const isDir = node.type === NodeType.Directory;
    if (isDir) {
      // A directory may not move into itself or below itself.
      for (let d = dstDir; ; d = this.vol.record(d).parent) {
        if (d === id) fail('EINVAL', `cannot move directory node ${id} inside itself`);
        if (d === ROOT_NODE) break;
      }
      if (cred && srcDir !== dstDir) checkAccess(node, cred, W_OK, `${srcName} (to update its ..)`);
    }
    const existing = dirLookup(this.vol, dstDir, dstBytes);
    if (existing) {
      if (existing.node === id) return; // two names of one node: POSIX says do nothing
      const old = this.vol.record(existing.node);
      const oldIsDir = old.type === NodeType.Directory;
      if (isDir && !oldIsDir) fail('ENOTDIR', `${JSON.stringify(dstName)} is not a directory`);
      if (!isDir && oldIsDir) fail('EISDIR', `${JSON.stringify(dstName)} is a directory`);
      if (oldIsDir && old.entries > 0) fail('ENOTEMPTY', `directory ${JSON.stringify(dstName)} is not empty`);
      if (cred) checkSticky(this.vol.record(dstDir), old, cred, dstName);
    }
    this.vol.ensure((existing ? 2 * this.vol.dataTree(dstDir).height + 2 : dirInsertCost(this.vol, dstDir, dstBytes)) + this.vol.dataTree(srcDir).height + 3 * this.vol.nodeTree.height + 8 + (existing ? this.orphanCost(existing.node) : 0));
    const t = now();
    if (existing) {
      dirRetarget(this.vol, dstDir, dstBytes, id, dtOf(node.mode));
      if (this.vol.record(existing.node).type === NodeType.Directory) {
        const p = this.vol.recordForWrite(dstDir);
        p.nlink = p.nlink - 1;
      }
      this.dropLink(existing.node, t);
    } else {
      dirInsert(this.vol, dstDir, dstBytes, id, dtOf(node.mode));
    }
    dirRemove(this.vol, srcDir, srcBytes);
    if (isDir && srcDir !== dstDir) {
      this.vol.recordForWrite(id).parent = dstDir;
      const sp = this.vol.recordForWrite(srcDir);
      sp.nlink = sp.nlink - 1;
      const dp = this.vol.recordForWrite(dstDir);
      dp.nlink = dp.nlink + 1;
    }
    this.vol.recordForWrite(id).ctime = t;
    this.touchDir(srcDir, t);
    this.touchDir(dstDir, t);
  }

  // ---- data ---------------------------------------------------------------------------------

  private fileRecord(id: number) {
    const r = this.vol.record(id);
    if (r.type === NodeType.Directory) fail('EISDIR', `node ${id} is a directory`);
    return r;
  }

  read(id: number, offset: number, buf: Uint8Array): number {
    this.fileRecord(id);
    if (offset < 0 || !Number.isSafeInteger(offset)) fail('EINVAL', `offset ${offset}`);
    const n = readData(this.vol, id, offset, buf);
    this.accessed(id);
    return n;
  }

  /** atime in the manner of Linux's relatime: updated by a read only when it is not newer than
   *  mtime or ctime, or is a day old, so reads rarely dirty anything. Skipped when read-only or
   *  short of space: a read never fails for its atime. */
  private accessed(id: number): void {
    if (this.vol.readOnly) return;
    const r = this.vol.record(id);
    const a = r.atime;
    const t = now();
    const notNewer = (x: Timespec) => a.sec < x.sec || (a.sec === x.sec && a.nsec <= x.nsec);
    if (!notNewer(r.mtime) && !notNewer(r.ctime) && t.sec - a.sec < 86400) return;
    try {
      this.vol.ensure(this.vol.nodeTree.height + 2);
    } catch (e) {
      if (isFsError(e, 'ENOSPC')) return;
      throw e;
    }
    this.vol.recordForWrite(id).atime = t;
  }

  write(id: number, offset: number, data: Uint8Array): number {
    this.fileRecord(id);
    if (offset < 0 || !Number.isSafeInteger(offset)) fail('EINVAL', `offset ${offset}`);
    return writeData(this.vol, id, offset, data);
  }

  truncate(id: number, size: number): void {
    this.fileRecord(id);
    truncateData(this.vol, id, size);
  }

  /** Reads a whole file (tools and tests). */
  readAll(id: number): Uint8Array {
    const size = this.fileRecord(id).size;
    if (size > 2 ** 31) fail('EFBIG', `node ${id} is ${size} bytes, too big to read whole`);
    const buf = new Uint8Array(size);
    readData(this.vol, id, 0, buf);
    return buf;
  }

  // ---- attributes ---------------------------------------------------------------------------

  chmod(id: number, mode: number, cred?: Cred): void {
    const r = this.vol.record(id);
    const perm = cred ? chmodMode(r, cred, mode, `node ${id}`) : mode & PERM_MASK;
    this.vol.ensure(this.vol.nodeTree.height + 2);
    const w = this.vol.recordForWrite(id);
    w.mode = (w.mode & S_IFMT) | perm;
    w.ctime = now();
  }

  /** uid or gid -1 leaves it unchanged. A non-root chown clears set-uid and set-gid. */
  chown(id: number, uid: number, gid: number, cred?: Cred): void {
    const r = this.vol.record(id);
    if (cred) checkChown(r, cred, uid, gid, `node ${id}`);
    this.vol.ensure(this.vol.nodeTree.height + 2);
    const w = this.vol.recordForWrite(id);
    if (uid !== -1) w.uid = uid;
    if (gid !== -1) w.gid = gid;
    if (cred && cred.uid !== 0 && w.type !== NodeType.Directory) w.mode = w.mode & ~0o6000;
    w.ctime = now();
  }

  /** Sets access and modification times (null: leave as is). Owner or root may set any time;
   *  anyone with write access may set both to now (`explicit` false). */
  utimens(id: number, atime: Timespec | null, mtime: Timespec | null, cred?: Cred, explicit = true): void {
    const r = this.vol.record(id);
    if (cred && cred.uid !== 0 && cred.uid !== r.uid) {
      if (explicit) fail('EPERM', `uid ${cred.uid} does not own node ${id}`);
      checkAccess(r, cred, W_OK, `node ${id}`);
    }
    this.vol.ensure(this.vol.nodeTree.height + 2);
    const w = this.vol.recordForWrite(id);
    if (atime) w.atime = atime;
    if (mtime) w.mtime = mtime;
    w.ctime = now();
  }

  // ---- directories --------------------------------------------------------------------------

  /** Entries after `cookie` (0 to start): ".", "..", then the names in hash order. */
  readdir(dirId: number, cookie = 0, max = 128, cred?: Cred): DirentOut[] {
    const r = this.dirRecord(dirId, cred, R_OK, `directory node ${dirId}`);
    if (cookie === 0) this.accessed(dirId);
    const out: DirentOut[] = [];
    if (cookie < 1) out.push({ name: '.', ino: dirId, type: DT_DIR, cookie: 1 });
    if (cookie < 2 && out.length < max) out.push({ name: '..', ino: r.parent, type: DT_DIR, cookie: 2 });
    if (out.length >= max) return out;
    // At most `max` entries, unless names sharing one hash must stay together (vanishingly rare).
    for (const e of dirList(this.vol, dirId, Math.max(cookie, 2), max - out.length)) {
      out.push({ name: dec.decode(e.name), ino: e.node, type: e.type, cookie: e.cookie });
    }
    return out;
  }

  // ---- open handles -------------------------------------------------------------------------

  /** The daemon holds a node open: it outlives its last name until `release`. */
  retain(id: number): void {
    this.vol.record(id);
    this.openCount.set(id, (this.openCount.get(id) ?? 0) + 1);
  }

  release(id: number): void {
    const n = (this.openCount.get(id) ?? 0) - 1;
    if (n > 0) {
      this.openCount.set(id, n);
      return;
    }
    this.openCount.delete(id);
    if (this.vol.exists(id) && this.vol.record(id).nlink === 0) {
      this.vol.ensure(2 * this.vol.nodeTree.height + this.vol.dataTree(ORPHAN_NODE).height + 6, SpacePurpose.Release);
      const name = enc.encode(String(id));
      if (dirLookup(this.vol, ORPHAN_NODE, name)) dirRemove(this.vol, ORPHAN_NODE, name);
      this.vol.freeNode(id);
    }
  }

  // ---- whole filesystem ---------------------------------------------------------------------

  statvfs(): StatVfs {
    const h = this.vol.header;
    const bfree = this.vol.alloc.blockCount - this.vol.alloc.usedCount;
    const bavail = this.vol.freeBlocks;
    const ffree = bavail * 16;
    return {
      bsize: BLOCK_SIZE, frsize: BLOCK_SIZE, blocks: h.blockCount, bfree, bavail,
      files: this.vol.usedNodes + ffree, ffree, favail: ffree,
      fsid: (h.uuid[0]! | (h.uuid[1]! << 8) | (h.uuid[2]! << 16) | (h.uuid[3]! << 24)) >>> 0, namemax: NAME_MAX,
    };
  }

  /** Blocks freed since the last commit: the next commit makes them allocatable again. */
  get freedSinceCommit(): number {
    return this.vol.alloc.quarantined;
  }

  /** Commits: when this returns, everything done before it survives a crash. */
  sync(): void {
    this.vol.commit();
  }

  /** Commits and stops; the caller closes the device. */
  unmount(): void {
    if (!this.vol.readOnly) this.vol.commit();
  }
}
