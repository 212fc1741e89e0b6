// `macrohard mkfs IMAGE SIZE`: a fresh image file holding an empty MHFS, on a GPT disk with one
// MHFS partition, or with --bare the partition alone.
import { BLOCK_SIZE, FileBlockDevice } from '../fs/blockdev.js';
import { FsError } from '../fs/errors.js';
import { ImageLayout, makeImage, parseSize } from '../fs/image.js';
import type { Command } from './main.js';

export const command: Command = {
  summary: 'Make an MHFS image file (a GPT disk with one MHFS partition).',
  usage: 'macrohard mkfs [--bare] [--label LABEL] IMAGE SIZE   (SIZE like 64M, 1G)',
  async run(args) {
    let layout = ImageLayout.Disk;
    let label = '';
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--bare') layout = ImageLayout.Bare;
      else if (a === '--label') label = args[++i] ?? '';
      else rest.push(a);
    }
    if (rest.length !== 2) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return 2;
    }
    const [image, sizeText] = rest as [string, string];
    try {
      const size = parseSize(sizeText);
      const disk = FileBlockDevice.create(image, size / BLOCK_SIZE);
      try {
        const fs = makeImage(disk, { layout, label });
        const v = fs.statvfs();
        fs.unmount();
        process.stdout.write(
          `${image}: ${layout === ImageLayout.Bare ? 'bare MHFS' : 'GPT disk, MHFS partition'} of ${v.blocks} blocks ` +
            `(${((v.blocks * BLOCK_SIZE) / 2 ** 20).toFixed(1)} MiB), ${v.bavail} free\n`,
        );
      } finally {
        disk.close();
      }
      return 0;
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      process.stderr.write(`mkfs: ${e.message}\n`);
      return 1;
    }
  },
};
