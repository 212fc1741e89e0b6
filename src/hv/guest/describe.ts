// Guest descriptions: the TOML files under guests/ that name a machine (architecture, memory,
// harts), what it boots (kernel, initrd, command line) and its disks. `@busybox` stands for the
// cached Debian-source guest. A bad description is refused with the file and the reason.

import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { cachedGuest } from './build.js';
import { GuestDescriptionError, parseGuest, type GuestDescription } from './parse.js';

export { GuestDescriptionError, parseGuest, type GuestDescription } from './parse.js';

/** The description file for a name (guests/NAME.toml) or a path. */
export function guestFile(nameOrPath: string, root: string): string {
  if (nameOrPath.endsWith('.toml') || nameOrPath.includes('/')) return resolve(nameOrPath);
  return join(root, 'guests', `${nameOrPath}.toml`);
}

export function readGuest(file: string): GuestDescription {
  if (!existsSync(file)) throw new GuestDescriptionError(`${file}: no such guest description`);
  const here = dirname(file);
  return parseGuest(readFileSync(file, 'utf8'), file, {
    path: (p) => (isAbsolute(p) ? p : join(here, p)),
    busybox: () => cachedGuest(),
  });
}
