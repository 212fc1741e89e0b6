// fsd: the MHFS file daemon. Opens a disk (`/scheme/disk/0` by default), finds the MHFS
// partition through its GPT (or takes the whole device for a bare one), mounts it, registers
// the `file` scheme, and enters capability mode: from then on it holds its disk and its
// scheme descriptors and can name nothing else.
//
// Usage: fsd [--scheme NAME] [--ready FD] [--read-only] [--no-queue] [DISK]
//
// The disk is reached through a disk queue where the host has one (`fmap` on the disk's
// descriptor: block I/O through shared memory to a host I/O thread, queue.ts), else through
// read/write/fsync on the descriptor (device.ts), as on a host without I/O threads.
//
// Changes are committed (made durable, atomically) when a client calls fsync, at most a second
// after they were made while requests keep coming, as soon as a batch has freed 16 MiB or more
// (freed blocks are reusable only after a commit, and reusing them keeps writes on blocks the
// host has cached instead of on untouched parts of the image), and at shutdown (SIGTERM).

import * as mh from 'libmh';
import { Access } from '../../fs/volume.js';
import { mhfsDevice } from '../../fs/image.js';
import { Mhfs } from '../../fs/mhfs.js';
import { isFsError } from '../../fs/errors.js';
import type { BlockDevice } from '../../fs/blockdev.js';
import { DescriptorBlockDevice } from './device.js';
import { QueueBlockDevice } from './queue.js';
import { FileServer } from './serve.js';

const COMMIT_INTERVAL_MS = 1000;
/** Blocks freed by one batch (a truncate, an unlink) that make it commit at once. */
const COMMIT_FREED_BLOCKS = 4096;

/** The disk queue behind `fd`, or the descriptor itself where the disk has none. */
async function diskDevice(fd: number): Promise<BlockDevice> {
  try {
    return new QueueBlockDevice(await mh.fmap(fd), () => mh.close(fd));
  } catch (e) {
    if (e instanceof mh.MhError && e.errno === mh.Errno.ENODEV) return new DescriptorBlockDevice(fd);
    throw e;
  }
}

export async function main(argv: string[]): Promise<number> {
  let scheme = 'file';
  let ready = -1;
  let disk = '/scheme/disk/0';
  let readOnly = false;
  let useQueue = true;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--scheme') scheme = argv[++i]!;
    else if (a === '--ready') ready = Number(argv[++i]);
    else if (a === '--read-only') readOnly = true;
    else if (a === '--no-queue') useQueue = false;
    else if (a.startsWith('-')) {
      mh.eprintln(`fsd: unknown option ${a}\nusage: fsd [--scheme NAME] [--ready FD] [--read-only] [--no-queue] [DISK]`);
      return 2;
    } else disk = a;
  }
  let fs: Mhfs;
  try {
    const fd = mh.open(disk, readOnly ? mh.O.RDONLY : mh.O.RDWR);
    fs = Mhfs.mount(mhfsDevice(useQueue ? await diskDevice(fd) : new DescriptorBlockDevice(fd)), readOnly ? Access.ReadOnly : Access.ReadWrite);
  } catch (e) {
    mh.eprintln(`fsd: cannot mount ${disk}: ${isFsError(e) ? e.message : (e as Error).message}`);
    return 1;
  }
  // fsd owns its disk: every change to its files is a request on this scheme.
  const schemeFd = mh.schemeCreate(scheme, mh.SCHEME_COHERENT);
  if (ready >= 0) {
    mh.write(ready, 'r');
    mh.close(ready);
  }
  mh.mkns([]);
  const files = new FileServer(fs);
  const server = new mh.SchemeServer(schemeFd, files);
  mh.signal(mh.Sig.SIGTERM, () => {
    server.stopping = true;
  });
  let lastCommit = mh.now();
  let freed = fs.freedSinceCommit;
  server.afterBatch = () => {
    const t = mh.now();
    if (t - lastCommit >= COMMIT_INTERVAL_MS || fs.freedSinceCommit - freed >= COMMIT_FREED_BLOCKS) {
      files.commit();
      lastCommit = t;
    }
    freed = fs.freedSinceCommit;
  };
  server.run();
  fs.unmount();
  return 0;
}
