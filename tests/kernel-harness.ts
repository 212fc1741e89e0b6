// Boots a kernel on this host with the test programs in initfs (as /scheme/initfs/bin/NAME),
// and runs programs as the kernel's children with their standard streams captured.

import { isErr } from '../src/abi/errno.js';
import { WaitStatus } from '../src/abi/flags.js';
import { SpawnFlags, type SpawnRequest } from '../src/abi/spawn.js';
import { Kernel } from '../src/kernel/kernel.js';
import { O } from '../src/abi/flags.js';
import { kclose, kdup, kopen, kpipe, kread, kreadAll, kwrite } from '../src/kernel/kio.js';
import { settle } from '../src/kernel/settle.js';
import { InitfsScheme, type InitfsFile } from '../src/kernel/schemes/initfs.js';
import { DiskScheme } from '../src/kernel/schemes/disk.js';
import { FileBlockStore } from '../src/host/node/disk.js';
import { NodeHost } from '../src/host/node/host.js';
import { loadInitfs } from '../src/host/node/initfs.js';

/** The boot initfs plus the test programs (dist/testbin) in its bin/. */
export function initfsFiles(): Map<string, InitfsFile> {
  return loadInitfs(new URL('../testbin/', import.meta.url), loadInitfs(), 'bin/');
}

export interface RunResult {
  status: number;
  code: number | null;
  signal: number | null;
  stdout: string;
  stderr: string;
}

export interface TestKernel {
  k: Kernel;
  log: string[];
  run(path: string, argv?: string[], opts?: Partial<SpawnRequest> & { stdin?: string }): Promise<RunResult>;
  /** Starts ramfsd serving `file:`; resolves once the scheme is registered. */
  startRamfs(): Promise<void>;
  /** Serves `file:` from a disk image (GPT or bare MHFS) through fsd, given extra `args`. */
  startFsd(image: string, args?: string[]): Promise<void>;
  /** Starts netd on the registered nic links; resolves once `tcp:` is registered. */
  startNetd(args?: string[]): Promise<void>;
  shutdown(): void;
}

export function bootKernel(poolSize = 2): TestKernel {
  const host = new NodeHost({ poolSize });
  const log: string[] = [];
  const k = new Kernel(host, { onLog: (t) => log.push(t) });
  k.register(new InitfsScheme(initfsFiles()));
  const dec = new TextDecoder();
  return {
    k,
    log,
    async run(path, argv = [path], opts = {}) {
      const out = kpipe(k);
      const err = kpipe(k);
      const inp = kpipe(k);
      const full = path.includes('/') ? path : `/scheme/initfs/bin/${path}`;
      const child = await k.spawn(null, {
        path: full, argv, env: opts.env ?? ['PATH=/scheme/initfs/bin'], cwd: opts.cwd ?? '', flags: opts.flags ?? 0, pgid: 0,
        uid: opts.uid ?? -1, gid: opts.gid ?? -1, fds: [[0, inp.read], [1, out.write], [2, err.write]], ns: opts.ns ?? null, filter: opts.filter ?? null,
      });
      kclose(k, out.write);
      kclose(k, err.write);
      kclose(k, inp.read);
      if (isErr(child)) {
        for (const fd of [out.read, err.read, inp.write]) kclose(k, fd);
        throw new Error(`spawn ${path}: ${child}`);
      }
      const exited = k.waitExit(child.pid);
      if (opts.stdin) await kwrite(k, inp.write, new TextEncoder().encode(opts.stdin));
      kclose(k, inp.write);
      const [o, e, status] = await Promise.all([kreadAll(k, out.read), kreadAll(k, err.read), exited]);
      kclose(k, out.read);
      kclose(k, err.read);
      return {
        status,
        code: WaitStatus.ifExited(status) ? WaitStatus.exitStatus(status) : null,
        signal: WaitStatus.ifSignaled(status) ? WaitStatus.termSig(status) : null,
        stdout: isErr(o) ? '' : dec.decode(o),
        stderr: isErr(e) ? '' : dec.decode(e),
      };
    },
    startRamfs() {
      return startDaemon(['/scheme/initfs/bin/ramfsd', '--ready', '3']);
    },
    async startFsd(image: string, args: string[] = []) {
      k.register(new DiskScheme([await FileBlockStore.open(image)]));
      return startDaemon(['/scheme/initfs/bin/fsd', '--ready', '3', ...args, '/scheme/disk/0']);
    },
    startNetd(args = []) {
      return startDaemon(['/scheme/initfs/bin/netd', '--ready', '3', ...args], 'tcp');
    },
    shutdown() {
      k.shutdown();
    },
  };

  async function startDaemon(argv: string[], scheme = 'file'): Promise<void> {
    const ready = kpipe(k);
    const none = kpipe(k);
    const child = await k.spawn(null, {
      path: argv[0]!, argv, env: [], cwd: '', flags: 0, pgid: 0,
      uid: -1, gid: -1, fds: [[0, none.read], [1, none.write], [2, none.write], [3, ready.write]], ns: null, filter: null,
    });
    kclose(k, ready.write);
    kclose(k, none.read);
    kclose(k, none.write);
    if (isErr(child)) throw new Error(`${argv[0]}: ${child}`);
    await kreadAll(k, ready.read);
    kclose(k, ready.read);
    if (!k.schemes.has(scheme)) throw new Error(`${argv[0]} did not register ${scheme}:`);
  }
}

/** Writes a file (root's, with `mode`) through the kernel, making its folders: a program in /usr/bin, say. */
export async function writeFile(k: Kernel, path: string, bytes: Uint8Array, mode = 0o755): Promise<void> {
  const as = k.kernelContext();
  const parts = path.split('/').slice(1, -1);
  for (let i = 1; i <= parts.length; i++) {
    const d = k.resolve(as, `/${parts.slice(0, i).join('/')}`);
    if (!isErr(d)) await settle(() => d.scheme.mkdir(d.ref, 0o755, as.caller()));
  }
  const fd = await kopen(k, path, O.WRONLY | O.CREAT | O.TRUNC);
  if (isErr(fd)) throw new Error(`${path}: ${fd}`);
  const w = await kwrite(k, fd, bytes);
  kclose(k, fd);
  const f = k.resolve(as, path);
  if (isErr(w) || isErr(f) || isErr(await settle(() => f.scheme.chmod(f.ref, mode, as.caller())))) throw new Error(`writing ${path} failed`);
}

/** Polls `f` every few milliseconds until it gives a truthy value; fails after `ms`. */
export async function waitFor<T>(f: () => T | undefined | null | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface TerminalSession {
  pid: number;
  /** The pty's master side, for reading its state (termios, window size). */
  master: number;
  /** Everything written to the terminal so far. */
  output(): string;
  type(text: string): Promise<void>;
  /** Resolves with the program's wait status; the terminal stays open. */
  exited: Promise<number>;
  /** Ends when the terminal hangs up (or the kernel shuts down). */
  reading: Promise<void>;
}

/**
 * Starts a program in a new session with a pty as its standard streams (`cols` columns, when
 * given) and collects what it writes to the terminal.
 */
export async function onPty(k: Kernel, req: { path: string; argv: string[]; env: string[]; cwd: string }, cols?: number): Promise<TerminalSession> {
  const master = await kopen(k, '/scheme/pty', O.RDWR);
  if (isErr(master)) throw new Error(`pty: ${master}`);
  if (cols !== undefined) {
    const size = await kdup(k, master, 'winsize');
    if (isErr(size)) throw new Error(`winsize: ${size}`);
    const ws = new Uint8Array(4);
    new DataView(ws.buffer).setUint16(0, 24, true);
    new DataView(ws.buffer).setUint16(2, cols, true);
    await kwrite(k, size, ws);
    kclose(k, size);
  }
  const slave = await kdup(k, master, 'slave');
  if (isErr(slave)) throw new Error(`pty slave: ${slave}`);
  const child = await k.spawn(null, {
    ...req, flags: SpawnFlags.SETSID, pgid: 0, uid: -1, gid: -1, fds: [[0, slave], [1, slave], [2, slave]], ns: null, filter: null,
  });
  kclose(k, slave);
  if (isErr(child)) throw new Error(`spawn ${req.argv[0]}: ${child}`);
  const exited = k.waitExit(child.pid);
  let screen = '';
  const dec = new TextDecoder();
  const reading = (async () => {
    for (;;) {
      const b = await kread(k, master);
      if (isErr(b) || b.length === 0) return;
      screen += dec.decode(b, { stream: true });
    }
  })();
  return {
    pid: child.pid,
    master,
    output: () => screen,
    type: async (text: string) => void (await kwrite(k, master, new TextEncoder().encode(text))),
    exited,
    reading,
  };
}
