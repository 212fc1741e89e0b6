// initfs: the read-only tree the host hands the kernel at boot — the programs that must run
// before any filesystem daemon does (init, the file daemon itself), as in Redox.

import { TreeScheme, type TreeNode } from './tree.js';

export interface InitfsFile {
  data: Uint8Array;
  mode: number;
}

export class InitfsScheme extends TreeScheme {
  readonly name = 'initfs';
  private files = new Map<string, { node: TreeNode }>();
  private dirs = new Map<string, Set<string>>([['', new Set()]]);
  private inos = 1;

  /** `files` maps paths ('bin/init') to contents and permission bits. */
  constructor(files: Map<string, InitfsFile>, private readonly mtimeMs = 0) {
    super();
    for (const [path, f] of files) this.add(path, f);
  }

  add(path: string, f: InitfsFile): void {
    const parts = path.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const here = parts.slice(0, i + 1).join('/');
      this.dirs.get(parent)!.add(parts[i]!);
      if (i < parts.length - 1 && !this.dirs.has(here)) this.dirs.set(here, new Set());
    }
    const data = f.data;
    this.files.set(parts.join('/'), { node: { kind: 'file', mode: f.mode & 0o7777, ino: ++this.inos, mtimeMs: this.mtimeMs, contents: () => data } });
  }

  protected lookup(ref: string): TreeNode | null {
    const f = this.files.get(ref);
    if (f) return f.node;
    const d = this.dirs.get(ref);
    if (!d) return null;
    return { kind: 'dir', mode: 0o555, ino: ref === '' ? 1 : hashIno(ref), list: () => [...d].sort() };
  }
}

function hashIno(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) + 0x10000;
}
