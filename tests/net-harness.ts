// Starting the network daemon in a test kernel, and ending the servers a test started there.

import { isErr } from '../src/abi/errno.js';
import { kclose, kpipe, kreadAll } from '../src/kernel/kio.js';
import type { TestKernel } from './kernel-harness.js';

/** Starts netd (loopback only unless a nic is registered) and waits for its schemes. */
export async function startNetd(t: TestKernel, args: string[] = []): Promise<number> {
  const k = t.k;
  const ready = kpipe(k);
  const none = kpipe(k);
  const err = kpipe(k);
  const child = await k.spawn(null, {
    path: '/scheme/initfs/bin/netd', argv: ['netd', '--ready', '3', ...args], env: [], cwd: '', flags: 0, pgid: 0,
    uid: -1, gid: -1, fds: [[0, none.read], [1, none.write], [2, err.write], [3, ready.write]], ns: null, filter: null,
  });
  kclose(k, ready.write);
  kclose(k, none.read);
  kclose(k, none.write);
  kclose(k, err.write);
  if (isErr(child)) throw new Error(`netd: ${child}`);
  await kreadAll(k, ready.read);
  kclose(k, ready.read);
  void kreadAll(k, err.read).then((b) => {
    kclose(k, err.read);
    if (!isErr(b) && process.env.MH_NET_DEBUG) process.stderr.write(new TextDecoder().decode(b));
  });
  if (!k.schemes.has('tcp')) throw new Error('netd did not register tcp:');
  return child.pid;
}

/** Ends every process of the test kernel running `name` (servers that never exit by themselves). */
export function killAll(tk: TestKernel, name: string): void {
  for (const p of tk.k.procs.values()) if (p.alive && p.argv[0] === name) tk.k.signal(p, 9);
}


/**
 * Waits until netd lists a socket listening on `port` (`ip sockets`), so a client started next
 * cannot be refused by a server that has not yet reached its listen; fails after `ms`.
 */
export async function waitListening(tk: TestKernel, proto: 'tcp' | 'udp', port: number, ms = 20_000): Promise<void> {
  const line = new RegExp(`^${proto} \\S+:${port} \\*:\\*`, 'm');
  const end = Date.now() + ms;
  for (;;) {
    const ss = await tk.run('ip', ['ip', 'sockets']);
    if (line.test(ss.stdout)) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${proto} port ${port} after ${ms} ms:\n${ss.stdout}${ss.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
