// Spawn to reaped exit of a trivial program, from a process, beside starting a bare worker
// thread (what a process costs without the pool) and starting a whole Node.js (`node -e 0`).
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { median, type Benchmark } from './harness.js';
import { isErr } from '../src/abi/errno.js';
import { Session } from './kernel-session.js';

const session = new Session();

/**
 * One spawn at a time, timed by the host from the spawn call to the exit status, with the pool
 * given time to make its threads ready between spawns: the latency a single command sees.
 */
async function latency(): Promise<number> {
  const k = session.k!.k;
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    const p = await k.spawn(null, { path: '/scheme/initfs/bin/true', argv: ['true'], env: [], cwd: '', flags: 0, pgid: 0, uid: -1, gid: -1, fds: [], ns: null, filter: null });
    if (isErr(p)) throw new Error(`spawn: ${p}`);
    await k.waitExit(p.pid);
    times.push((performance.now() - t0) * 1000);
  }
  return median(times);
}

const bench: Benchmark = {
  name: 'spawn',
  description: 'µs from spawn to the parent reaping the exit of a program that does nothing.',
  rounds: 5,
  setup: () => session.start(4),
  cases: [
    { name: 'MACROHARD spawn to exit of `true`, pool ready (median of 30)', unit: 'µs', better: 'lower', run: latency },
    { name: 'MACROHARD spawn + waitpid of `true`, 200 back to back from a process', unit: 'µs', better: 'lower', run: () => session.measure(['spawn', '200']) },
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
