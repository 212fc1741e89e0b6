// Guest descriptions: the TOML files under guests/ that name a machine (architecture, memory,
// harts), what it boots (kernel, initrd, command line) and its disks. `@busybox` stands for the
// cached Debian-source guest. A bad description is refused with the file and the reason.

import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { cachedGuest } from './build.js';

export interface GuestDescription {
  arch: 'riscv64';
  memMiB: number;
  harts: number;
  kernel?: string;
  initrd?: string;
  append: string;
  disks: { path: string; readOnly: boolean }[];
}

export class GuestDescriptionError extends Error {}

const KEYS: Record<string, string[]> = { machine: ['arch', 'memory', 'harts'], boot: ['kernel', 'initrd', 'append'], disk: ['path', 'read_only'] };

/** The description file for a name (guests/NAME.toml) or a path. */
export function guestFile(nameOrPath: string, root: string): string {
  if (nameOrPath.endsWith('.toml') || nameOrPath.includes('/')) return resolve(nameOrPath);
  return join(root, 'guests', `${nameOrPath}.toml`);
}

export function readGuest(file: string): GuestDescription {
  const fail = (why: string): never => {
    throw new GuestDescriptionError(`${file}: ${why}`);
  };
  if (!existsSync(file)) fail('no such guest description');
  let t: Record<string, unknown>;
  try {
    t = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]!);
  }
  for (const [table, value] of Object.entries(t)) {
    const keys = KEYS[table];
    if (!keys) fail(`unknown table [${table}]`);
    const rows = Array.isArray(value) ? value : [value];
    for (const row of rows) for (const k of Object.keys(row as object)) if (!keys!.includes(k)) fail(`unknown key ${k} in [${table}]`);
  }
  const machine = (t.machine ?? {}) as Record<string, unknown>;
  const boot = (t.boot ?? {}) as Record<string, unknown>;
  if ((machine.arch ?? 'riscv64') !== 'riscv64') fail(`arch ${String(machine.arch)} is not supported (riscv64 is)`);
  const int = (v: unknown, what: string, min: number, max: number, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${what} must be an integer from ${min} to ${max}`);
    return v as number;
  };
  const here = dirname(file);
  const cached = (v: unknown, what: 'kernel' | 'initrd'): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return fail(`boot.${what} must be a string`);
    if (v === '@busybox') {
      const g = cachedGuest();
      if (!g) fail('the BusyBox guest is not built yet: run `macrohard vm image build`');
      return g![what];
    }
    return isAbsolute(v) ? v : join(here, v);
  };
  const disks = ((t.disk ?? []) as Record<string, unknown>[]).map((d) => {
    if (typeof d.path !== 'string') fail('every [[disk]] needs a path');
    return { path: isAbsolute(d.path as string) ? (d.path as string) : join(here, d.path as string), readOnly: d.read_only === true };
  });
  return {
    arch: 'riscv64',
    memMiB: int(machine.memory, 'machine.memory', 16, 3800, 256),
    harts: int(machine.harts, 'machine.harts', 1, 8, 1),
    kernel: cached(boot.kernel, 'kernel'),
    initrd: cached(boot.initrd, 'initrd'),
    append: typeof boot.append === 'string' ? boot.append : 'console=ttyS0',
    disks,
  };
}
