// Spawn to reaped exit of a trivial program, from a process, beside starting a bare worker
// thread (what a process costs without the pool) and starting a whole Node.js (`node -e 0`).
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { Benchmark } from './harness.js';
import { Session } from './kernel-session.js';

const session = new Session();

const bench: Benchmark = {
  name: 'spawn',
  description: 'µs from spawn to the parent reaping the exit of a program that does nothing.',
  rounds: 5,
  setup: () => session.start(4),
  cases: [
    { name: 'MACROHARD spawn + waitpid of `true` (pooled threads)', unit: 'µs', better: 'lower', run: () => session.measure(['spawn', '200']) },
    {
      name: 'new Worker to its first message, then terminate',
      peer: true,
      unit: 'µs',
      better: 'lower',
      async run() {
        const n = 10;
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          const w = new Worker("require('node:worker_threads').parentPort.postMessage(0)", { eval: true });
          await new Promise((r) => w.once('message', r));
          await w.terminate();
        }
        return ((performance.now() - t0) * 1000) / n;
      },
    },
    {
      name: 'node -e 0',
      unit: 'µs',
      better: 'lower',
      run() {
        const n = 5;
        const t0 = performance.now();
        for (let i = 0; i < n; i++) spawnSync(process.execPath, ['-e', '0']);
        return ((performance.now() - t0) * 1000) / n;
      },
    },
  ],
  teardown: () => session.stop(),
};

export default bench;
