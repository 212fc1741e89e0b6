// Pipe throughput between two MACROHARD processes (64 KiB writes), beside the ceiling: the
// same ring code copying between two bare workers, with no kernel, no sandbox and no libmh.
import { Worker } from 'node:worker_threads';
import type { Benchmark } from './harness.js';
import { Session } from './kernel-session.js';

const MB = 2048;
const session = new Session();
const ringUrl = new URL('../src/abi/ring.js', import.meta.url).href;

const peerSource = `
const { parentPort, workerData } = require('node:worker_threads');
import(${JSON.stringify(ringUrl)}).then(({ RingView, Ring }) => {
  const ring = new RingView(workerData.buffer);
  const h = ring.h;
  const chunk = new Uint8Array(workerData.write ? 64 * 1024 : 256 * 1024).fill(7);
  let left = workerData.bytes;
  let spins = 0;
  while (left > 0) {
    const seen = Atomics.load(h, workerData.write ? Ring.RSEQ : Ring.WSEQ);
    const n = workerData.write ? ring.tryWrite(chunk.subarray(0, Math.min(left, chunk.length)), 1, 4096) : ring.tryRead(chunk, 2);
    if (n > 0) { left -= n; spins = 0; continue; }
    if (++spins < 2000) continue;
    spins = 0;
    const w = workerData.write ? Ring.WWAITERS : Ring.RWAITERS;
    Atomics.add(h, w, 1);
    Atomics.wait(h, workerData.write ? Ring.RSEQ : Ring.WSEQ, seen, 10);
    Atomics.sub(h, w, 1);
  }
  parentPort.postMessage('done');
});`;

async function ceiling(): Promise<number> {
  const { initRing, ringBytes, Ring } = await import('../src/abi/ring.js');
  const buffer = new SharedArrayBuffer(ringBytes(256 * 1024));
  initRing(buffer);
  const h = new Int32Array(buffer, 0, 16);
  h[Ring.READERS] = 1;
  h[Ring.WRITERS] = 1;
  const bytes = MB * 1024 * 1024;
  const mk = (write: boolean) => new Worker(peerSource, { eval: true, workerData: { buffer, write, bytes } });
  const t0 = performance.now();
  const ws = [mk(true), mk(false)];
  await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))));
  const ms = performance.now() - t0;
  await Promise.all(ws.map((w) => w.terminate()));
  return bytes / ms / 1e6;
}

const bench: Benchmark = {
  name: 'pipe',
  description: `GB/s moving ${MB} MiB through a pipe in 64 KiB writes (thread start-up included in both).`,
  rounds: 5,
  setup: () => session.start(4),
  cases: [
    { name: 'MACROHARD pipe between two processes', unit: 'GB/s', better: 'higher', run: () => session.measure(['pipe', String(MB)]) },
    { name: 'ring copy between two bare workers (ceiling)', peer: true, unit: 'GB/s', better: 'higher', run: ceiling },
  ],
  teardown: () => session.stop(),
};

export default bench;
