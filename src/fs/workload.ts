// A random but reproducible filesystem workload for the crash tests: creates, writes at random
// offsets, truncates, renames (over existing names too), hard links, unlinks, mkdir/rmdir and
// syncs, chosen from a seed and a model of what the tree should hold. Given the same seed, the
// model alone (no filesystem) replays the same steps, so a test can compute the exact state
// as of any sync and compare it with what an image holds after a crash.
import { crc32 } from './crc32.js';
import { Follow, type Mhfs } from './mhfs.js';
import { NodeType } from './node.js';
import { bytes, rng } from './testutil.js';

interface Inode {
  data: Uint8Array;
}

type Entry = { kind: 'dir' } | { kind: 'file'; inode: Inode };

const DIRS = ['/', '/a', '/a/b', '/c'];

export class Workload {
  readonly model = new Map<string, Entry>([['/', { kind: 'dir' }]]);
  syncs = 0;
  private r: () => number;
  private counter = 0;
  private removals = 0;
  /** Nodes held open after their last name went (fs only; invisible to the model). */
  private held: number[] = [];
  private heldBeforeSync = 0;

  constructor(seed: number) {
    this.r = rng(seed);
  }

  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }

  private files(): string[] {
    return [...this.model].filter(([, e]) => e.kind === 'file').map(([p]) => p);
  }

  private liveDirs(): string[] {
    return DIRS.filter((d) => this.model.get(d)?.kind === 'dir');
  }

  private newName(): string {
    const d = this.pick(this.liveDirs());
    return `${d === '/' ? '' : d}/f${this.counter++}`;
  }

  private split(p: string): { dir: string; name: string } {
    const i = p.lastIndexOf('/');
    return { dir: p.slice(0, i) || '/', name: p.slice(i + 1) };
  }

  private dirId(fs: Mhfs, dir: string): number {
    return fs.resolve(dir, Follow.No);
  }

  /** Takes one step; applies it to `fs` too when given. Returns true for a sync. */
  step(fs?: Mhfs): boolean {
    const x = this.r();
    const files = this.files();
    if (x < 0.1) {
      if (fs) {
        // Close what was held open since before the previous sync; keep the newer ones open
        // across this commit, so crashes find orphans on disk.
        for (const id of this.held.splice(0, this.heldBeforeSync)) fs.release(id);
        this.heldBeforeSync = this.held.length;
        fs.sync();
      }
      this.syncs++;
      return true;
    }
    if (x < 0.35 || files.length < 3) {
      if (files.length > 60) return this.remove(files, fs);
      const path = this.newName();
      const size = this.r() < 0.1 ? Math.floor(this.r() * 300_000) : Math.floor(this.r() * 20_000);
      const data = bytes(size, this.counter * 7919 + 1);
      this.model.set(path, { kind: 'file', inode: { data } });
      if (fs) {
        const { dir, name } = this.split(path);
        const id = fs.create(this.dirId(fs, dir), name, 0o644);
        fs.write(id, 0, data);
      }
      return false;
    }
    if (x < 0.55) {
      const path = this.pick(files);
      const e = this.model.get(path) as { inode: Inode };
      const off = Math.floor(this.r() * (e.inode.data.length + 10_000));
      const patch = bytes(Math.floor(this.r() * 12_000) + 1, this.counter++);
      const grown = new Uint8Array(Math.max(e.inode.data.length, off + patch.length));
      grown.set(e.inode.data);
      grown.set(patch, off);
      e.inode.data = grown;
      if (fs) {
        fs.write(fs.resolve(path, Follow.No), off, patch);
        // Writing into an unlinked open file must not show anywhere (unless another name remains).
        const h = this.held[0];
        if (h !== undefined && fs.stat(h).nlink === 0) fs.write(h, off, patch);
      }
      return false;
    }
    if (x < 0.62) {
      const path = this.pick(files);
      const e = this.model.get(path) as { inode: Inode };
      const size = Math.floor(this.r() * (e.inode.data.length + 5000));
      const t = new Uint8Array(size);
      t.set(e.inode.data.subarray(0, size));
      e.inode.data = t;
      if (fs) fs.truncate(fs.resolve(path, Follow.No), size);
      return false;
    }
    if (x < 0.75) {
      const from = this.pick(files);
      const to = this.r() < 0.4 ? this.pick(files) : this.newName();
      if (from === to) return false;
      const target = this.model.get(to);
      // Two names of one node: rename(2) does nothing.
      if (target?.kind === 'file' && target.inode === (this.model.get(from) as { inode: Inode }).inode) {
        if (fs) {
          const a = this.split(from);
          const b = this.split(to);
          fs.rename(this.dirId(fs, a.dir), a.name, this.dirId(fs, b.dir), b.name);
        }
        return false;
      }
      const moving = this.model.get(from)!;
      this.model.delete(from);
      this.model.set(to, moving);
      if (fs) {
        const a = this.split(from);
        const b = this.split(to);
        fs.rename(this.dirId(fs, a.dir), a.name, this.dirId(fs, b.dir), b.name);
      }
      return false;
    }
    if (x < 0.8) {
      const from = this.pick(files);
      const to = this.newName();
      this.model.set(to, this.model.get(from)!);
      if (fs) {
        const b = this.split(to);
        fs.link(fs.resolve(from, Follow.No), this.dirId(fs, b.dir), b.name);
      }
      return false;
    }
    if (x < 0.93) return this.remove(files, fs);
    // Directories come and go: make a missing one, or remove an empty one.
    const d = this.pick(DIRS.slice(1));
    const parent = this.split(d).dir;
    if (!this.model.has(d) && this.model.get(parent)?.kind === 'dir') {
      this.model.set(d, { kind: 'dir' });
      if (fs) fs.mkdir(this.dirId(fs, parent), this.split(d).name, 0o755);
    } else if (this.model.get(d)?.kind === 'dir' && ![...this.model.keys()].some((p) => p.startsWith(d + '/'))) {
      this.model.delete(d);
      if (fs) fs.rmdir(this.dirId(fs, parent), this.split(d).name);
    }
    return false;
  }

  private remove(files: string[], fs?: Mhfs): boolean {
    const path = this.pick(files);
    this.model.delete(path);
    const keepOpen = this.removals++ % 3 === 0;
    if (fs) {
      const { dir, name } = this.split(path);
      if (keepOpen) {
        const id = fs.resolve(path, Follow.No);
        fs.retain(id);
        this.held.push(id);
      }
      fs.unlink(this.dirId(fs, dir), name);
    }
    return false;
  }

  /** The tree as path -> "dir" or "size:crc32:link-group". */
  snapshot(): Map<string, string> {
    const groups = new Map<Inode, string>();
    const out = new Map<string, string>();
    for (const [p, e] of [...this.model].sort()) {
      if (e.kind === 'dir') out.set(p, 'dir');
      else {
        if (!groups.has(e.inode)) groups.set(e.inode, p);
        out.set(p, `${e.inode.data.length}:${crc32(e.inode.data)}:${groups.get(e.inode)}`);
      }
    }
    return out;
  }

  /** Steps the model alone until `n` syncs have happened; returns the snapshot then. */
  static stateAfterSyncs(seed: number, n: number): Map<string, string> {
    const w = new Workload(seed);
    while (w.syncs < n) w.step();
    return w.snapshot();
  }
}

/** What an image holds, in the form of Workload.snapshot. */
export function imageSnapshot(fs: Mhfs): Map<string, string> {
  const byIno = new Map<number, string>();
  const entries: [string, string | number][] = [];
  const walk = (dir: number, path: string): void => {
    entries.push([path, 'dir']);
    let cookie = 2;
    for (;;) {
      const batch = fs.readdir(dir, cookie, 256);
      if (!batch.length) break;
      for (const e of batch) {
        const p = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
        if (fs.vol.record(e.ino).type === NodeType.Directory) walk(e.ino, p);
        else entries.push([p, e.ino]);
      }
      cookie = batch[batch.length - 1]!.cookie;
    }
  };
  walk(fs.root, '/');
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out = new Map<string, string>();
  for (const [p, v] of entries) {
    if (v === 'dir') out.set(p, 'dir');
    else {
      const ino = v as number;
      if (!byIno.has(ino)) byIno.set(ino, p);
      const data = fs.readAll(ino);
      out.set(p, `${data.length}:${crc32(data)}:${byIno.get(ino)}`);
    }
  }
  return out;
}
