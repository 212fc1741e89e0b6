// Start-up of real WASI programs: `lua -e ""` and `sqlite3 :memory: "select 1"` (Debian's
// sources, built by the cookbook's recipes into build/test-cache, shared with
// tests/real-software.test.ts) from the request to start them to their exit status.
//
// MACROHARD: the kernel spawns the program from /usr/bin, served by ramfsd as `file:` (as in
// an image), and from initfs (a kernel scheme: no daemon's round trip to find the program),
// with pipes for its standard streams, and waits for it, as a shell does; its loader keeps compiled modules, so a program started
// again is not compiled again. node:wasi runs the same .wasm in this thread, given the module
// compiled once beforehand (its most favourable case: no compile, no thread, no isolation),
// and once more compiling the bytes each time (what a fresh `node` process would do).
// Needs clang, wasi-libc, tclsh and a deb-src entry (the recipes skip otherwise).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { cook, REPO_ROOT } from '../src/build/cookbook.js';
import { loadRecipe } from '../src/build/recipe.js';
import { SETTLED_MS } from '../src/kernel/loader.js';
import type { Benchmark, Case } from './harness.js';
import { bootWithFs, install } from '../tests/c/harness.js';
import { writeFile, type TestKernel } from '../tests/kernel-harness.js';

interface Program {
  name: string;
  what: string;
  argv: string[];
  expect: string;
  bytes: Uint8Array;
  module: WebAssembly.Module | null;
}

const programs: Program[] = [
  { name: 'lua', what: 'lua -e ""', argv: ['lua', '-e', ''], expect: '', bytes: new Uint8Array(0), module: null },
  { name: 'sqlite3', what: 'sqlite3 :memory: "select 1"', argv: ['sqlite3', ':memory:', 'select 1'], expect: '1\n', bytes: new Uint8Array(0), module: null },
];

let kernel: TestKernel | null = null;
let hostDir = '';

async function macrohard(p: Program, dir: string): Promise<number> {
  const t0 = performance.now();
  const r = await kernel!.run(`${dir}/${p.name}`, p.argv, { env: ['HOME=/'] });
  const ms = performance.now() - t0;
  if (r.code !== 0 || r.stdout !== p.expect) throw new Error(`${p.what}: ${r.code} ${r.stdout}${r.stderr}`);
  return ms;
}

/**
 * node:wasi has no `macrohard` module: each of its functions answers ENOSYS there (the SDK's
 * start object then keeps "/" as the working directory; a start-up calls nothing else of it).
 */
function stubs(m: WebAssembly.Module): Record<string, () => number> {
  const out: Record<string, () => number> = {};
  for (const i of WebAssembly.Module.imports(m)) if (i.module === 'macrohard') out[i.name] = () => -52;
  return out;
}

async function nodeWasi(p: Program, compile: boolean): Promise<number> {
  const outPath = join(hostDir, 'stdout');
  const fd = openSync(outPath, 'w+');
  const t0 = performance.now();
  let ms: number;
  let code: number;
  try {
    const wasi = new WASI({ version: 'preview1', args: p.argv, env: { HOME: '/' }, preopens: { '/': hostDir }, returnOnExit: true, stdout: fd });
    const module = compile ? await WebAssembly.compile(p.bytes) : p.module!;
    const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport as WebAssembly.ModuleImports, macrohard: stubs(module) });
    code = wasi.start(instance);
    ms = performance.now() - t0;
  } finally {
    closeSync(fd);
  }
  const out = readFileSync(outPath, 'utf8');
  if (code !== 0 || out !== p.expect) throw new Error(`node:wasi ${p.what}: ${code} ${out}`);
  return ms;
}

function cases(p: Program): Case[] {
  const peer = `node:wasi ${p.what}, module compiled once`;
  return [
    { name: peer, peer: true, unit: 'ms', better: 'lower', run: () => nodeWasi(p, false) },
    { ...({ vs: peer } as object), name: `node:wasi ${p.what}, compiling each time`, peer: true, unit: 'ms', better: 'lower', run: () => nodeWasi(p, true) },
    { ...({ vs: peer } as object), name: `MACROHARD ${p.what}, from /usr/bin (ramfsd)`, unit: 'ms', better: 'lower', run: () => macrohard(p, '/usr/bin') },
    { ...({ vs: peer } as object), name: `MACROHARD ${p.what}, from initfs`, unit: 'ms', better: 'lower', run: () => macrohard(p, '/scheme/initfs/bin') },
  ];
}

const bench: Benchmark = {
  name: 'wasi-startup',
  description: 'ms from asking for the program to its exit status: Lua and the SQLite shell from Debian\'s sources.',
  rounds: 15,
  async setup() {
    const o = { root: REPO_ROOT, buildDir: join(REPO_ROOT, 'build', 'test-cache') };
    const booted = await bootWithFs(3);
    kernel = booted.t;
    if (!booted.fs) throw new Error('the start-up benchmark needs ramfsd (the file daemon)');
    for (const p of programs) {
      const r = await cook(loadRecipe(join(REPO_ROOT, 'recipes'), p.name, 'wasi-startup.bench'), new Map(), o);
      if (r.state === 'skipped') throw new Error(`${p.name}: ${r.reason}`);
      p.bytes = readFileSync(join(r.stage, 'usr', 'bin', p.name));
      p.module = await WebAssembly.compile(p.bytes);
      await writeFile(kernel.k, `/usr/bin/${p.name}`, p.bytes);
      install(kernel, p.name, p.bytes);
    }
    hostDir = mkdtempSync(join(tmpdir(), 'mh-startup-'));
    // Installed programs are older than this in use: the loader keeps an image only once its
    // file has settled (a file changed within the last second may yet change unseen, as in the
    // same millisecond, so it is read again each time until then; docs/kernel.md).
    await new Promise((r) => setTimeout(r, SETTLED_MS + 100));
    // One start each first: MACROHARD's loader compiles on first use and keeps the module.
    for (const p of programs) {
      await macrohard(p, '/usr/bin');
      await nodeWasi(p, false);
    }
  },
  cases: programs.flatMap(cases),
  teardown() {
    kernel?.shutdown();
    if (hostDir) rmSync(hostDir, { recursive: true, force: true });
  },
};

export default bench;
