// Syscall round trip through the kernel (getppid, which reads kernel state) from a process
// making nothing but syscalls, beside the same kind of call answered in the caller's own
// thread (node:wasi's fd_fdstat_get, no isolation) and a postMessage round trip to a worker
// (how a kernel without shared memory would answer).
import { Worker } from 'node:worker_threads';
import { WASI } from 'node:wasi';
import type { Benchmark } from './harness.js';
import { Session } from './kernel-session.js';

const CALLS = 1_000_000;
const session = new Session();
let echo: Worker | null = null;

/** A module that calls fd_fdstat_get(1) n times: `run(n)`. Encoded by hand (no toolchain). */
function fdstatModule(): Uint8Array {
  const str = (s: string) => [s.length, ...Buffer.from(s)];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const code = [0x01, 0x01, 0x7f, 0x03, 0x40, 0x41, 0x01, 0x41, 0x00, 0x10, 0x00, 0x1a, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01, 0x20, 0x00, 0x48, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f]),
    ...section(2, [0x01, ...str('wasi_snapshot_preview1'), ...str('fd_fdstat_get'), 0x00, 0x00]),
    ...section(3, [0x01, 0x01]),
    ...section(5, [0x01, 0x00, 0x01]),
    ...section(7, [0x02, ...str('memory'), 0x02, 0x00, ...str('run'), 0x00, 0x01]),
    ...section(10, [0x01, code.length, ...code]),
  ]);
}

let wasiRun: ((n: number) => number) | null = null;

const bench: Benchmark = {
  name: 'syscall',
  description: `ns per call, ${CALLS.toLocaleString()} calls in a row (median of rounds).`,
  rounds: 5,
  async setup() {
    session.start(2);
    const wasi = new WASI({ version: 'preview1' });
    const inst = await WebAssembly.instantiate(fdstatModule(), { wasi_snapshot_preview1: wasi.wasiImport as WebAssembly.ModuleImports });
    wasi.initialize(inst.instance as unknown as object);
    wasiRun = inst.instance.exports.run as (n: number) => number;
    echo = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", { eval: true });
  },
  cases: [
    { name: 'MACROHARD getppid (process -> kernel -> process)', unit: 'ns', better: 'lower', run: () => session.measure(['syscalls', String(CALLS)]) },
    {
      name: 'node:wasi fd_fdstat_get, in-thread',
      peer: true,
      unit: 'ns',
      better: 'lower',
      run() {
        const t0 = performance.now();
        wasiRun!(CALLS);
        return ((performance.now() - t0) * 1e6) / CALLS;
      },
    },
    {
      name: 'postMessage round trip to a worker',
      unit: 'ns',
      better: 'lower',
      async run() {
        const n = 20_000;
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          await new Promise((resolve) => {
            echo!.once('message', resolve);
            echo!.postMessage(i);
          });
        }
        return ((performance.now() - t0) * 1e6) / n;
      },
    },
  ],
  async teardown() {
    session.stop();
    await echo?.terminate();
  },
};

export default bench;
