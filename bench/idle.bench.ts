// What the kernel costs at rest: host CPU use over two seconds with 50 processes blocked in
// read, beside an idle Node.js process measured the same way.
import { execFileSync } from 'node:child_process';
import type { Benchmark } from './harness.js';
import { bootKernel, type TestKernel } from '../tests/kernel-harness.js';

const PROCS = 50;
const WINDOW_MS = 2000;
let k: TestKernel | null = null;
let runs: Promise<unknown>[] = [];

async function cpuPercent(): Promise<number> {
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const u = process.cpuUsage(u0);
  return ((u.user + u.system) / 1000 / (performance.now() - t0)) * 100;
}

const bench: Benchmark = {
  name: 'idle',
  description: `Host process CPU use (% of one core) over ${WINDOW_MS} ms.`,
  rounds: 3,
  async setup() {
    k = bootKernel(4);
    runs = Array.from({ length: PROCS }, () => k!.run('probe', ['probe', 'block']).catch(() => undefined));
    const deadline = Date.now() + 60_000;
    while ([...k.k.procs.values()].filter((p) => p.displayState === 'sleeping').length < PROCS) {
      if (Date.now() > deadline) throw new Error('processes did not block');
      await new Promise((r) => setTimeout(r, 20));
    }
  },
  cases: [
    { name: `MACROHARD with ${PROCS} processes blocked in read`, unit: '% CPU', better: 'lower', run: cpuPercent },
    {
      name: 'an idle Node.js process (a pending timer only)',
      peer: true,
      unit: '% CPU',
      better: 'lower',
      run() {
        const src = `const u = process.cpuUsage(); const t = performance.now(); setTimeout(() => { const d = process.cpuUsage(u); console.log((d.user + d.system) / 1000 / (performance.now() - t) * 100); }, ${WINDOW_MS});`;
        return Number(execFileSync(process.execPath, ['-e', src], { encoding: 'utf8' }).trim());
      },
    },
  ],
  async teardown() {
    k?.shutdown();
    await Promise.all(runs);
  },
};

export default bench;
