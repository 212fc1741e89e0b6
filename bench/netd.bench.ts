// TCP between two MACROHARD processes through netd over its loopback: `nc --send` in one
// process, `nc -l --discard` in another, every byte crossing two syscall channels, netd's
// scheme protocol and the stack's TCP twice (segments built, parsed and acknowledged) —
// beside Node's own net over 127.0.0.1 (the host kernel's TCP) moving the same bytes.
import { isErr } from '../src/abi/errno.js';
import { kclose, kpipe, kreadAll } from '../src/kernel/kio.js';
import { bootKernel, type TestKernel } from '../tests/kernel-harness.js';
import type { Benchmark } from './harness.js';
import { NodeTcpPeer } from './node-tcp.js';

const BYTES = 64 * 1024 * 1024;
const CHUNK = new Uint8Array(256 * 1024).fill(7);
let k: TestKernel | null = null;
const peer = new NodeTcpPeer(BYTES, CHUNK);
let nextPort = 7200;

async function startNetd(t: TestKernel): Promise<void> {
  const ready = kpipe(t.k);
  const none = kpipe(t.k);
  const child = await t.k.spawn(null, {
    path: '/scheme/initfs/bin/netd', argv: ['netd', '--ready', '3', '--no-nic'], env: [], cwd: '', flags: 0, pgid: 0,
    uid: -1, gid: -1, fds: [[0, none.read], [1, none.write], [2, none.write], [3, ready.write]], ns: null, filter: null,
  });
  for (const fd of [ready.write, none.read, none.write]) kclose(t.k, fd);
  if (isErr(child)) throw new Error(`netd: ${child}`);
  await kreadAll(t.k, ready.read);
  kclose(t.k, ready.read);
}

/** MB/s as the receiving process measures it, from its first byte to end of stream. */
async function macrohard(): Promise<number> {
  const p = String(nextPort++);
  const sink = k!.run('nc', ['nc', '-l', p, '--discard']);
  await new Promise((r) => setTimeout(r, 50));
  const src = await k!.run('nc', ['nc', '--send', String(BYTES), '127.0.0.1', p]);
  const r = await sink;
  const [bytes, ms] = r.stdout.trim().split(' ').map(Number);
  if (src.code !== 0 || r.code !== 0 || bytes !== BYTES) throw new Error(`transfer failed: ${src.stderr}${r.stdout}${r.stderr}`);
  return BYTES / 1e6 / (Math.max(ms!, 1) / 1000);
}

const bench: Benchmark = {
  name: 'netd',
  description: `TCP between two processes over loopback, ${BYTES / 1048576} MiB one way per run, MB/s (higher is better).`,
  rounds: 3,
  async setup() {
    k = bootKernel(4);
    await startNetd(k);
    await peer.start();
  },
  cases: [
    { name: 'node net over 127.0.0.1 (host kernel TCP, one process)', peer: true, unit: 'MB/s', better: 'higher', run: () => peer.run() },
    { name: 'MACROHARD: nc to nc through netd over its loopback', unit: 'MB/s', better: 'higher', run: macrohard },
  ],
  async teardown() {
    k?.shutdown();
    k = null;
    await peer.stop();
  },
};

export default bench;
