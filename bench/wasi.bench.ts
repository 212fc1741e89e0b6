// WASI programs under MACROHARD beside Node's own node:wasi running the same .wasm in this
// thread: a CPU-bound hash over 64 MiB, 1 million 16-byte writes to a file, and stat of
// 10,000 files. The program times its own work (tests/c/wbench.c), so both sides are
// measured alike; MACROHARD's file is served by ramfsd through the kernel, node:wasi's by the
// host's filesystem (a temporary directory preopened as /). Needs clang and wasi-libc.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { WASI } from 'node:wasi';
import type { Benchmark, Case } from './harness.js';
import { bootWithFs, CBuild, install, skipReason } from '../tests/c/harness.js';
import type { TestKernel } from '../tests/kernel-harness.js';

const HASH_MIB = 64;
const WRITES = 1_000_000;
const FILES = 10_000;

let build: CBuild | null = null;
let kernel: TestKernel | null = null;
let module: WebAssembly.Module | null = null;
let hostDir = '';

async function macrohard(args: string[]): Promise<number> {
  const r = await kernel!.run('/scheme/initfs/bin/wbench', ['wbench', ...args]);
  const ms = Number(r.stdout.split(' ')[0]);
  if (r.code !== 0 || !Number.isFinite(ms)) throw new Error(`wbench ${args.join(' ')}: ${r.code} ${r.stdout}${r.stderr}`);
  return ms;
}

async function nodeWasi(args: string[]): Promise<number> {
  // The program's stdout goes to a host file, read back for the number it prints.
  const outPath = join(hostDir, 'stdout');
  const fd = openSync(outPath, 'w+');
  let code: number;
  try {
    const wasi = new WASI({ version: 'preview1', args: ['wbench', ...args], env: {}, preopens: { '/': hostDir }, returnOnExit: true, stdout: fd });
    // The SDK's start object asks the `macrohard` module for the working directory: "/" here.
    const stubs = { getcwd: () => -52 };
    const instance = await WebAssembly.instantiate(module!, { wasi_snapshot_preview1: wasi.wasiImport as WebAssembly.ModuleImports, macrohard: stubs });
    code = wasi.start(instance as unknown as object);
  } finally {
    closeSync(fd);
  }
  const out = readFileSync(outPath, 'utf8');
  const ms = Number(out.split(' ')[0]);
  if (code !== 0 || !Number.isFinite(ms)) throw new Error(`node:wasi wbench ${args.join(' ')}: ${code} ${out}`);
  return ms;
}

/** node:wasi and MACROHARD running one workload; the second is compared with the first. */
function pair(what: string, args: string[]): Case[] {
  const peer = `node:wasi ${what}`;
  // `vs` names the peer where the harness supports per-case peers; otherwise the first peer.
  const vs = { vs: peer } as object;
  return [
    { name: peer, peer: true, unit: 'ms', better: 'lower', run: () => nodeWasi(args) },
    { ...vs, name: `MACROHARD ${what}`, unit: 'ms', better: 'lower', run: () => macrohard(args) },
  ];
}

const bench: Benchmark = {
  name: 'wasi',
  description: `ms, timed inside the program: FNV-1a over ${HASH_MIB} MiB; ${WRITES.toLocaleString()} writes of 16 bytes to a file; stat of ${FILES.toLocaleString()} files.`,
  rounds: 3,
  async setup() {
    const why = skipReason();
    if (why) throw new Error(why);
    build = new CBuild();
    const bytes = build.wasm('wbench');
    module = await WebAssembly.compile(bytes);
    hostDir = mkdtempSync(`${tmpdir()}/mh-wbench-`);
    const booted = await bootWithFs(2);
    if (!booted.fs) throw new Error('the wasi benchmark needs ramfsd (the file daemon)');
    kernel = booted.t;
    install(kernel, 'wbench', bytes);
    await macrohard(['mkfiles', String(FILES), '/files']);
    await nodeWasi(['mkfiles', String(FILES), '/files']);
  },
  cases: [
    ...pair(`hash ${HASH_MIB} MiB`, ['hash', String(HASH_MIB)]),
    ...pair(`${WRITES / 1e6}M 16-byte writes to a file`, ['writes', String(WRITES), '/out']),
    ...pair(`stat ${FILES.toLocaleString()} files`, ['stat', String(FILES), '/files']),
    // The same stats at once again: the writes above went to the same file daemon, so the
    // kernel's attribute cache starts each round empty, and only this second pass finds it full
    // (node:wasi's stats find Linux's caches full in both).
    ...pair(`stat ${FILES.toLocaleString()} files again`, ['stat', String(FILES), '/files']),
    // The same calls on a kernel scheme (initfs) on MACROHARD's side: the WASI layer and the
    // syscall without the file daemon's round trip.
    {
      ...({ vs: `node:wasi stat ${FILES.toLocaleString()} files` } as object),
      name: `MACROHARD stat ${FILES.toLocaleString()} times, a file in initfs`,
      unit: 'ms',
      better: 'lower',
      run: () => macrohard(['statone', String(FILES), '/scheme/initfs/bin/wbench']),
    },
  ],
  teardown() {
    kernel?.shutdown();
    build?.cleanup();
    if (hostDir) rmSync(hostDir, { recursive: true, force: true });
  },
};

export default bench;
