// Bulk TCP between two C programs using plain BSD sockets (tests/c/sockbench.c): built with
// `macrohard cc` and run as two MACROHARD processes through netd over its loopback, beside nc
// to nc in the same kernel (the same path without the WASI layer) and beside the same source
// built with gcc as two host processes over the host kernel's 127.0.0.1 (the ceiling). The
// receiver times from its first byte to the end of stream. Needs clang, wasi-libc and gcc.
import { spawn, spawnSync } from 'node:child_process';
import type { Benchmark } from './harness.js';
import { CBuild, install, skipReason } from '../tests/c/harness.js';
import { bootKernel, type TestKernel } from '../tests/kernel-harness.js';
import { startNetd } from '../tests/net-harness.js';

const BYTES = 64 * 1024 * 1024;
let build: CBuild | null = null;
let kernel: TestKernel | null = null;
let native: string | null = null;
let nextPort = 7600;

function mbps(out: string): number {
  const [bytes, ms] = out.trim().split(' ').map(Number);
  if (bytes !== BYTES || !Number.isFinite(ms)) throw new Error(`transfer failed: ${out}`);
  return BYTES / 1e6 / (Math.max(ms!, 1) / 1000);
}

async function inside(sinkArgv: string[], sendArgv: (port: string) => string[]): Promise<number> {
  const port = String(nextPort++);
  const sink = kernel!.run(sinkArgv[0]!, [...sinkArgv, port]);
  // nc does not retry a refused connect: let the receiver start listening first.
  await new Promise((r) => setTimeout(r, 100));
  const src = await kernel!.run(sendArgv(port)[0]!, sendArgv(port));
  const r = await sink;
  if (src.code !== 0) throw new Error(`sender: ${src.stderr}`);
  return mbps(r.stdout);
}

async function host(): Promise<number> {
  const port = String(20000 + ((process.pid + nextPort++) % 20000));
  const sink = spawn(native!, ['sink', port], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  sink.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<void>((r) => sink.on('close', () => r()));
  const src = spawnSync(native!, ['send', '127.0.0.1', port, String(BYTES)], { timeout: 60000 });
  if (src.status !== 0) sink.kill();
  await done;
  return mbps(out);
}

const bench: Benchmark = {
  name: 'csock',
  description: `TCP between two C programs with BSD sockets, ${BYTES / 1048576} MiB one way per run, MB/s (higher is better).`,
  rounds: 3,
  async setup() {
    const why = skipReason();
    if (why) throw new Error(why);
    build = new CBuild();
    native = build.native('sockbench');
    if (!native) throw new Error('the csock benchmark needs gcc for its peer');
    kernel = bootKernel(4);
    await startNetd(kernel, ['--no-nic']);
    install(kernel, 'sockbench', build.wasm('sockbench'));
  },
  cases: [
    { name: 'host: the same C source (gcc) over 127.0.0.1', peer: true, unit: 'MB/s', better: 'higher', run: host },
    {
      name: 'MACROHARD: C (WASI) to C through netd', unit: 'MB/s', better: 'higher',
      run: () => inside(['sockbench', 'sink'], (p) => ['sockbench', 'send', '127.0.0.1', p, String(BYTES)]),
    },
    {
      name: 'MACROHARD: nc to nc through netd', unit: 'MB/s', better: 'higher',
      run: () => inside(['nc', '-l', '--discard'], (p) => ['nc', '--send', String(BYTES), '127.0.0.1', p]),
    },
  ],
  teardown() {
    kernel?.shutdown();
    kernel = null;
    build?.cleanup();
  },
};

export default bench;
