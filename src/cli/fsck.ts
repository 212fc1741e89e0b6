// `macrohard fsck IMAGE`: checks an MHFS image (whole GPT disk or bare partition) and repairs
// what can be repaired. Exit status as e2fsck's: 0 clean, 1 errors corrected, 4 errors left
// uncorrected, 8 operational error.
import { FileBlockDevice, OpenMode } from '../fs/blockdev.js';
import { FsError } from '../fs/errors.js';
import { fsck, FsckStatus } from '../fs/fsck.js';
import { mhfsDevice } from '../fs/image.js';
import { readGpt } from '../fs/gpt.js';
import type { Command } from './main.js';

export const command: Command = {
  summary: 'Check (and repair) an MHFS image: exit 0 clean, 1 repaired, 4 errors left.',
  usage: 'macrohard fsck [-n] [--no-data] IMAGE   (-n: check only, change nothing; --no-data: skip data checksums)',
  async run(args) {
    let repair = true;
    let verifyData = true;
    const rest: string[] = [];
    for (const a of args) {
      if (a === '-n') repair = false;
      else if (a === '-y' || a === '-p') repair = true;
      else if (a === '--no-data') verifyData = false;
      else rest.push(a);
    }
    if (rest.length !== 1) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return 8;
    }
    const image = rest[0]!;
    let disk: FileBlockDevice;
    try {
      disk = new FileBlockDevice(image, repair ? OpenMode.ReadWrite : OpenMode.ReadOnly);
    } catch (e) {
      process.stderr.write(`fsck: cannot open ${image}: ${(e as Error).message}\n`);
      return 8;
    }
    try {
      let dev;
      try {
        dev = mhfsDevice(disk);
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        process.stdout.write(`${image}: ${e.message}\n`);
        return FsckStatus.Errors;
      }
      try {
        if (readGpt(disk).usedBackup) process.stdout.write(`${image}: NOTE: the primary GPT is damaged; the backup copy was used\n`);
      } catch {
        // No GPT: a bare MHFS partition.
      }
      const t0 = performance.now();
      const r = fsck(dev, { repair, verifyData });
      for (const m of r.errors) process.stdout.write(`${image}: ERROR: ${m}\n`);
      for (const m of r.repaired) process.stdout.write(`${image}: FIXED: ${m}\n`);
      const what = r.status === FsckStatus.Clean ? 'clean' : r.status === FsckStatus.Repaired ? 'repaired' : 'ERRORS LEFT';
      process.stdout.write(
        `${image}: ${what}, generation ${r.generation}, ${r.nodes} nodes, ${r.usedBlocks} blocks in use (${((performance.now() - t0) / 1000).toFixed(2)} s)\n`,
      );
      return r.status;
    } finally {
      disk.close();
    }
  },
};
