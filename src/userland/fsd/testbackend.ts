// fsd's block device as a back end for MHFS's behaviour suites (src/fs/testutil.ts `backends`):
// a host file through a disk queue and its I/O thread. Kept apart from testutil, which the crash
// test's writer loads from a private copy of src/fs alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlockDevice } from '../../fs/blockdev.js';
import type { Backend } from '../../fs/testutil.js';
import { startDiskQueue, type HostDiskQueue } from '../../host/node/diskqueue.js';
import { QueueBlockDevice } from './queue.js';

export function queueBackend(): Backend {
  let dir: string | null = null;
  let n = 0;
  const queues: HostDiskQueue[] = [];
  return {
    name: 'queue',
    make(blocks) {
      dir ??= mkdtempSync(join(tmpdir(), 'mhfs-test-'));
      const path = join(dir, `dev${n++}.img`);
      FileBlockDevice.create(path, blocks).close();
      const q = startDiskQueue(path, true);
      queues.push(q);
      return new QueueBlockDevice(q.buffer);
    },
    cleanup() {
      for (const q of queues.splice(0)) q.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = null;
    },
  };
}
