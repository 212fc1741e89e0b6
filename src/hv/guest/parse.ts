// The guest description format (guests/*.toml), parsed from text: no file system, no Node, so
// the host's `macrohard vm` (describe.ts) and the `vm` program inside MACROHARD share it.
// Tables: [machine] arch, memory (MiB), harts; [boot] kernel, initrd, append; [[disk]] path,
// read_only. Unknown tables or keys and out-of-range values are refused with the file and why.

import { parse } from 'smol-toml';

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

/** How a description's paths become files: relative ones, and `@busybox` (undefined: not built). */
export interface GuestPaths {
  path(p: string): string;
  busybox(): { kernel: string; initrd: string } | undefined;
}

/** Parses a description's text (from `file`, named in messages); no file system access but through `paths`. */
export function parseGuest(text: string, file: string, paths: GuestPaths): GuestDescription {
  const fail = (why: string): never => {
    throw new GuestDescriptionError(`${file}: ${why}`);
  };
  let t: Record<string, unknown>;
  try {
    t = parse(text) as Record<string, unknown>;
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
  const cached = (v: unknown, what: 'kernel' | 'initrd'): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return fail(`boot.${what} must be a string`);
    if (v === '@busybox') {
      const g = paths.busybox();
      if (!g) fail('the BusyBox guest is not built yet: run `macrohard vm image build`');
      return g![what];
    }
    return paths.path(v);
  };
  const disks = ((t.disk ?? []) as Record<string, unknown>[]).map((d) => {
    if (typeof d.path !== 'string') fail('every [[disk]] needs a path');
    return { path: paths.path(d.path as string), readOnly: d.read_only === true };
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
