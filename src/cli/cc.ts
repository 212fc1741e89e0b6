// `macrohard cc`: the C compiler driver for MACROHARD programs. It runs
// `clang --target=wasm32-wasi` against Debian's wasi-libc through a private sysroot of two
// links (so a header missing from wasi-libc can never silently come from the host's glibc),
// adds the SDK (sdk/include, libmacrohard.a built on first use, and the start object that
// gives wasi-libc the process's working directory), setjmp/longjmp (clang's WebAssembly SjLj
// lowering), a 1 MiB stack and the exported function table that signal handlers need. Every other argument goes to clang unchanged.
//
// Needs the Debian packages clang, lld, wasi-libc and libclang-rt-14-dev-wasm32; without them
// it says so and exits with status 69 (EX_UNAVAILABLE), and `toolchain()` answers why.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from './main.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const sdkDir = join(root, 'sdk');
const cacheDir = join(root, 'dist', 'sdk-cache');

export const WASI_INCLUDE = '/usr/include/wasm32-wasi';
export const WASI_LIB = '/usr/lib/wasm32-wasi';
export const DEBIAN_PACKAGES = ['clang', 'lld', 'wasi-libc', 'libclang-rt-14-dev-wasm32'];

export interface Toolchain {
  clang: string;
  ar: string | null;
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function hasBuiltins(clang: string): boolean {
  const r = spawnSync(clang, ['--target=wasm32-wasi', '-print-libgcc-file-name', '-rtlib=compiler-rt'], { encoding: 'utf8' });
  return r.status === 0 && existsSync(r.stdout.trim());
}

/** The toolchain, or a sentence saying what is missing. */
export function toolchain(): Toolchain | string {
  const clang = process.env['MACROHARD_CLANG'] ?? which('clang');
  const missing: string[] = [];
  if (!clang) missing.push('clang');
  if (!which('wasm-ld')) missing.push('lld (wasm-ld)');
  if (!existsSync(join(WASI_LIB, 'libc.a')) || !existsSync(join(WASI_INCLUDE, 'stdio.h'))) missing.push('wasi-libc');
  if (clang && !hasBuiltins(clang)) missing.push('libclang-rt-14-dev-wasm32');
  if (missing.length > 0) return `missing ${missing.join(', ')}: install the Debian packages ${DEBIAN_PACKAGES.join(' ')}`;
  return { clang: clang!, ar: which('llvm-ar') ?? which('llvm-ar-14') };
}

function sdkSources(): string[] {
  return readdirSync(join(sdkDir, 'src')).filter((f) => f.endsWith('.c')).sort();
}

/** Flags for compiling against wasi-libc and the SDK headers. */
function compileFlags(sysroot: string): string[] {
  return [
    '--target=wasm32-wasi', `--sysroot=${sysroot}`, `-I${join(sdkDir, 'include')}`,
    '-D_WASI_EMULATED_SIGNAL', '-D_WASI_EMULATED_PROCESS_CLOCKS', '-D_WASI_EMULATED_MMAN', '-D_WASI_EMULATED_GETPID',
    // setjmp/longjmp through WebAssembly exceptions (sdk/include/setjmp.h, sdk/src/sjlj.c);
    // code that never calls setjmp is compiled exactly as without it.
    '-mllvm', '-wasm-enable-sjlj',
  ];
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
}

/**
 * The sysroot and SDK library, built once per SDK source version into dist/sdk-cache and
 * reused (a build in progress elsewhere is never seen half-made: it is renamed into place).
 */
export function prepareSdk(tc: Toolchain): { sysroot: string; lib: string; start: string } {
  const h = createHash('sha256');
  for (const f of sdkSources()) h.update(f).update(readFileSync(join(sdkDir, 'src', f)));
  const headers = (readdirSync(join(sdkDir, 'include'), { recursive: true }) as string[]).filter((f) => f.endsWith('.h')).sort();
  for (const f of headers) h.update(f).update(readFileSync(join(sdkDir, 'include', f)));
  h.update(tc.clang);
  const dir = join(cacheDir, h.digest('hex').slice(0, 16));
  const out = { sysroot: join(dir, 'sysroot'), lib: join(dir, 'libmacrohard.a'), start: join(dir, 'start.o') };
  if (existsSync(out.start)) return out;
  const tmp = `${dir}.tmp${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'sysroot', 'include'), { recursive: true });
  mkdirSync(join(tmp, 'sysroot', 'lib'), { recursive: true });
  symlinkSync(WASI_INCLUDE, join(tmp, 'sysroot', 'include', 'wasm32-wasi'));
  symlinkSync(WASI_LIB, join(tmp, 'sysroot', 'lib', 'wasm32-wasi'));
  const flags = compileFlags(join(tmp, 'sysroot'));
  const objects: string[] = [];
  for (const f of sdkSources()) {
    const obj = join(tmp, f.replace(/\.c$/, '.o'));
    run(tc.clang, [...flags, '-O2', '-Wall', '-c', join(sdkDir, 'src', f), '-o', obj]);
    if (f !== 'start.c') objects.push(obj);
  }
  if (tc.ar) run(tc.ar, ['rcs', join(tmp, 'libmacrohard.a'), ...objects]);
  else throw new Error('llvm-ar is needed to build libmacrohard.a');
  mkdirSync(cacheDir, { recursive: true });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another build won the race
  }
  return out;
}

/** The clang argument list for `macrohard cc ARGS`. */
export function ccArgs(tc: Toolchain, args: string[]): string[] {
  const sdk = prepareSdk(tc);
  const linking = !args.some((a) => a === '-c' || a === '-S' || a === '-E' || a === '-M' || a === '-MM');
  const out = [...compileFlags(sdk.sysroot), ...args];
  if (linking) {
    if (!args.some((a) => a.includes('stack-size'))) out.push('-Wl,-z,stack-size=1048576');
    if (!args.some((a) => a.startsWith('-g'))) out.push('-Wl,--strip-debug');
    // fcntl's lock commands go to the SDK, the rest on to wasi-libc's fcntl (sdk/src/lock.c);
    // shared file mappings, which wasi-libc would make private in silence, are refused (mman.c).
    out.push('-Wl,--wrap=fcntl', '-Wl,--wrap=mmap', '-Wl,--export-table', sdk.start, sdk.lib, '-lwasi-emulated-process-clocks', '-lwasi-emulated-mman');
  }
  return out;
}

export const command: Command = {
  summary: 'Compile C for MACROHARD (clang --target=wasm32-wasi, wasi-libc and the SDK).',
  usage: 'macrohard cc [clang options] FILE.c... -o PROGRAM',
  async run(args) {
    const tc = toolchain();
    if (typeof tc === 'string') {
      process.stderr.write(`macrohard cc: ${tc}\n`);
      return 69;
    }
    if (args.length === 0) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return 2;
    }
    const r = spawnSync(tc.clang, ccArgs(tc, args), { stdio: 'inherit' });
    return r.status ?? 1;
  },
};
