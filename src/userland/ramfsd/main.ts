// ramfsd: serves a RAM filesystem as a scheme (`file` unless named otherwise), then enters
// capability mode. Usage: ramfsd [--scheme NAME] [--size MiB] [--ready FD]
// With --ready, it writes one byte to FD once the scheme is registered, so whoever started it
// knows `file:` paths work from then on.

import * as mh from 'libmh';
import { FsError, RamFs, type Inode, type Who } from './ramfs.js';

interface Handle {
  node: Inode;
  flags: number;
}

export function main(argv: string[]): number {
  let scheme = 'file';
  let sizeMb = 512;
  let ready = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--scheme') scheme = argv[++i]!;
    else if (a === '--size') sizeMb = Number(argv[++i]);
    else if (a === '--ready') ready = Number(argv[++i]);
    else {
      mh.eprintln(`ramfsd: unknown option ${a}\nusage: ramfsd [--scheme NAME] [--size MiB] [--ready FD]`);
      return 2;
    }
  }
  const fs = new RamFs(sizeMb * 1024 * 1024, () => Date.now());
  fs.root.mode = (fs.root.mode & ~0o7777) | 0o755;
  const handles = new Map<number, Handle>();
  let next = 1;
  const get = (h: number): Handle => handles.get(h) ?? fail(9 /* EBADF */);
  // The tree lives in this process only: every change to it is a request on this scheme.
  const fd = mh.schemeCreate(scheme, mh.SCHEME_COHERENT);
  if (ready >= 0) {
    mh.write(ready, 'r');
    mh.close(ready);
  }
  mh.mkns([]);
  const server = new mh.SchemeServer(fd, {
    open(path, flags, mode, who) {
      const node = fs.open(path, flags, mode, who);
      const h = next++;
      handles.set(h, { node, flags });
      return h;
    },
    read: (h, offset, len) => fs.read(get(h).node, offset, len),
    write(h, offset, data) {
      const hd = get(h);
      return fs.write(hd.node, offset, data);
    },
    fstat: (h) => fs.stat(get(h).node),
    ftruncate: (h, len) => fs.truncate(get(h).node, len),
    close: (h) => void handles.delete(h),
    getdents: (h, cookie, max) => fs.getdents(get(h).node, cookie, max),
    fsync: () => undefined,
    mkdir: (p, mode, who) => fs.mkdir(p, mode, who),
    rmdir: (p, who) => fs.rmdir(p, who),
    unlink: (p, who) => fs.unlink(p, who),
    rename: (a, b, who) => fs.rename(a, b, who),
    link: (a, b, who) => fs.link(a, b, who),
    symlink: (t, p, who) => fs.symlink(t, p, who),
    readlink: (p, who) => fs.readlink(p, who),
    chmod: (p, mode, who) => fs.chmod(fs.lookup(p, who), mode, who),
    chown: (p, uid, gid, who) => fs.chown(fs.lookup(p, who), uid, gid, who),
    utimens: (p, at, mt, who) => fs.utimens(fs.lookup(p, who), at, mt, who),
    stat: (p, nofollow, who) => fs.stat(fs.lookup(p, who, !nofollow)),
    fchmod: (h, mode, who) => fs.chmod(get(h).node, mode, who),
    fchown: (h, uid, gid, who) => fs.chown(get(h).node, uid, gid, who),
    futimens: (h, at, mt, who) => fs.utimens(get(h).node, at, mt, who),
    statvfs: () => ({ bsize: 4096, blocks: fs.capacity / 4096, bfree: (fs.capacity - fs.bytesUsed) / 4096, files: 1 << 20, ffree: 1 << 20, namemax: 255 }),
  });
  server.run();
  return 0;
}

function fail(errno: number): never {
  throw new FsError(errno);
}

export type { Who };
