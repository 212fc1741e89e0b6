// Loads the initfs the kernel serves at /scheme/initfs: the build's dist/initfs tree (init,
// the daemons that run before any disk is mounted, the default configuration). Links are
// followed: a multi-call program's names share one copy of its bytes.

import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InitfsFile } from '../../kernel/schemes/initfs.js';
import { cachedGuest } from '../../hv/guest/build.js';

export const defaultInitfs = new URL('../../../initfs/', import.meta.url);

export function loadInitfs(dir: URL | string = defaultInitfs, into = new Map<string, InitfsFile>(), prefix = ''): Map<string, InitfsFile> {
  const root = typeof dir === 'string' ? dir : fileURLToPath(dir);
  if (!existsSync(root)) return into;
  const seen = new Map<string, Uint8Array>();
  const walk = (abs: string, rel: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      const st = statSync(p);
      const r = rel ? `${rel}/${name}` : name;
      if (st.isDirectory()) walk(p, r);
      else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        let data = seen.get(key);
        if (!data) seen.set(key, (data = readFileSync(p)));
        into.set(prefix + r, { data, mode: st.mode & 0o7777 });
      }
    }
  };
  walk(root, '');
  return into;
}

/**
 * The host's guests, for the `vm` program inside MACROHARD: the descriptions (guests/*.toml)
 * and the cached BusyBox guest's kernel and initramfs (`@busybox`), under guests/.
 */
export function addGuests(into: Map<string, InitfsFile>): Map<string, InitfsFile> {
  loadInitfs(new URL('../../../../guests/', import.meta.url), into, 'guests/');
  const g = cachedGuest();
  if (g) {
    into.set('guests/riscv64-busybox/Image', { data: readFileSync(g.kernel), mode: 0o644 });
    into.set('guests/riscv64-busybox/initramfs.cpio', { data: readFileSync(g.initrd), mode: 0o644 });
  }
  return into;
}
