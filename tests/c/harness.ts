// Building and running the C test programs: each tests/c/NAME.c is compiled with
// `macrohard cc` into a temporary directory (and, where a test compares, with the host's gcc),
// then added to a booted kernel's initfs as /scheme/initfs/bin/NAME. A kernel with a file
// daemon is asked for when ramfsd is built: its `file:` scheme then backs plain paths.
// Without clang and wasi-libc, `cTools()` answers why and the tests skip with that message.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isErr } from '../../src/abi/errno.js';
import { ccArgs, toolchain, type Toolchain } from '../../src/cli/cc.js';
import { kclose, kpipe, kread } from '../../src/kernel/kio.js';
import type { InitfsScheme } from '../../src/kernel/schemes/initfs.js';
import { bootKernel, type TestKernel } from '../kernel-harness.js';

export const cDir = fileURLToPath(new URL('../../../tests/c/', import.meta.url));

let tc: Toolchain | string | null = null;
/** The toolchain, or why C tests must skip. */
export function cTools(): Toolchain | string {
  return (tc ??= toolchain());
}

export function skipReason(): string | false {
  const t = cTools();
  return typeof t === 'string' ? `C toolchain unavailable (${t})` : false;
}

export class CBuild {
  readonly dir = mkdtempSync(join(tmpdir(), 'mh-cbuild-'));
  private built = new Map<string, Uint8Array>();

  /** Compiles tests/c/NAME.c (with extra clang flags) and returns the module's bytes. */
  wasm(name: string, extra: string[] = []): Uint8Array {
    const key = `${name} ${extra.join(' ')}`;
    const have = this.built.get(key);
    if (have) return have;
    const t = cTools();
    if (typeof t === 'string') throw new Error(t);
    const out = join(this.dir, `${name}-${this.built.size}.wasm`);
    const r = spawnSync(t.clang, ccArgs(t, ['-O2', '-Wall', ...extra, join(cDir, `${name}.c`), '-o', out]), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`macrohard cc ${name}.c failed:\n${r.stderr}`);
    const bytes = readFileSync(out);
    this.built.set(key, bytes);
    return bytes;
  }

  /** Compiles tests/c/NAME.c natively with gcc; null when gcc is missing. */
  native(name: string): string | null {
    const out = join(this.dir, `${name}.native`);
    const r = spawnSync('gcc', ['-O2', '-o', out, join(cDir, `${name}.c`)], { encoding: 'utf8' });
    if (r.error) return null;
    if (r.status !== 0) throw new Error(`gcc ${name}.c failed:\n${r.stderr}`);
    return out;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function install(t: TestKernel, name: string, bytes: Uint8Array): void {
  (t.k.schemes.get('initfs') as InitfsScheme).add(`bin/${name}`, { data: bytes, mode: 0o755 });
}

/** Boots a kernel, with ramfsd serving `file:` when it is built. */
export async function bootWithFs(poolSize = 3): Promise<{ t: TestKernel; fs: boolean }> {
  const t = bootKernel(poolSize);
  const initfs = t.k.schemes.get('initfs') as InitfsScheme;
  if (!isErr(initfs.stat('bin/ramfsd'))) {
    const ready = kpipe(t.k);
    const child = await t.k.spawn(null, {
      path: '/scheme/initfs/bin/ramfsd', argv: ['ramfsd', '--ready', '3'], env: [], cwd: '', flags: 0, pgid: 0,
      uid: -1, gid: -1, fds: [[3, ready.write]], ns: null, filter: null,
    });
    kclose(t.k, ready.write);
    if (!isErr(child)) {
      const b = await kread(t.k, ready.read, 1);
      kclose(t.k, ready.read);
      if (!isErr(b) && b.length === 1) return { t, fs: true };
    } else kclose(t.k, ready.read);
  }
  return { t, fs: false };
}
