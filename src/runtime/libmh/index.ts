// libmh: the API TypeScript programs use on MACROHARD — files, directories, pipes, processes,
// signals, environment and standard streams — over the syscall channel.
//
// A program is bundled (scripts/build.mjs) with `import ... from 'libmh'` left external, and
// runs in a sandbox context where this library was evaluated first (src/runtime/worker.ts).
// The worker calls __boot with the channel and start record, then __run with the program.

import { Sig } from '../../abi/signal.js';
import { SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK } from '../../abi/signal.js';
import { RingEnd } from '../../abi/ring.js';
import { ProcessEnded, SyscallClient } from '../channel.js';
import { RingTable } from '../rings.js';
import { MhError } from './error.js';
import { write } from './fs.js';
import { init, proc, stubs } from './process.js';
import { runSignalHandlers } from './signals.js';
import { exit } from './spawn.js';
import { installTextCodec } from './textcodec.js';

export * from './fs.js';
export * from './io.js';
export * from './spawn.js';
export { signal, sigprocmask } from './signals.js';
export { MhError } from './error.js';
export { toKernelPath } from './path.js';
export { SchemeServer, DEFER, Redirect, type SchemeHandler, type Caller, type OpenResult, type StatVfs } from './scheme.js';
export { Sig, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK };
export { WaitStatus } from '../../abi/flags.js';
export { SCHEME_COHERENT } from '../../abi/scheme.js';
export { Errno } from '../../abi/errno.js';

/** The program's arguments, argv[0] first. */
export function args(): string[] {
  return proc().argv;
}

/** The environment, as a copy. */
export function env(): Record<string, string> {
  return Object.fromEntries(proc().env);
}

export function getenv(name: string): string | undefined {
  return proc().env.get(name);
}

export function setenv(name: string, value: string): void {
  proc().env.set(name, value);
}

/** Wall-clock milliseconds, read in the process (no syscall). */
export function now(): number {
  return Date.now();
}

const regionWaiters = new Map<number, (b: SharedArrayBuffer) => void>();

/** Maps a shared-memory region (an shm: descriptor) into this process. */
export async function fmap(fd: number): Promise<SharedArrayBuffer> {
  const p = proc();
  const id = p.sys.fmap(fd);
  if (id < 0) throw new MhError(-id, 'fmap');
  const have = p.regions.get(id);
  if (have) return have;
  return new Promise((resolve) => regionWaiters.set(id, resolve));
}

interface StartRecord {
  pid: number;
  path: string;
  argv: string[];
  env: string[];
  fdRings: { fd: number; ringId: number; end: number }[];
}

/** Called by the worker once, before the program: sets up the process state. */
export function __boot(channel: SharedArrayBuffer, startJson: string): void {
  installTextCodec(globalThis as unknown as Record<string, unknown>);
  const start = JSON.parse(startJson) as StartRecord;
  const client = new SyscallClient(channel);
  const env = new Map<string, string>();
  for (const kv of start.env) {
    const eq = kv.indexOf('=');
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  const state = {
    client,
    sys: stubs(client),
    rings: new RingTable(client.view.ctl, () => start.pid),
    pid: start.pid,
    path: start.path,
    argv: start.argv,
    env,
    regions: new Map<number, SharedArrayBuffer>(),
    handlers: new Map<number, (sig: number) => void>(),
  };
  init(state);
  client.onSignals = runSignalHandlers;
  pendingFdRings = start.fdRings;
}

let pendingFdRings: StartRecord['fdRings'] = [];

/** Hands the process a ring buffer (at start, or a spare later). */
export function __addRing(id: number, buffer: SharedArrayBuffer): void {
  const p = proc();
  p.rings.addRing(id, buffer);
  for (const r of pendingFdRings) if (r.ringId === id) p.rings.attach(r.fd, id, r.end as RingEnd);
}

export function __addRegion(id: number, buffer: SharedArrayBuffer): void {
  proc().regions.set(id, buffer);
  regionWaiters.get(id)?.(buffer);
  regionWaiters.delete(id);
}

function report(e: unknown): void {
  const name = proc().argv[0] ?? proc().path;
  const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  try {
    write(2, `${name}: ${text}\n`);
  } catch {
    // stderr is gone; the exit status still tells the parent
  }
}

type Main = (argv: string[]) => number | void | Promise<number | void>;

/**
 * Runs a bundled program: `body(module, exports, require)` defines it; its exported `main`
 * (or default export) is called with argv, and its result is the exit status. An uncaught
 * error prints to stderr and exits with status 1.
 */
export function __run(body: (module: { exports: Record<string, unknown> }, exports: Record<string, unknown>, require: (n: string) => unknown) => void, self: unknown): void {
  const module = { exports: {} as Record<string, unknown> };
  const require = (n: string): unknown => {
    if (n === 'libmh') return self;
    throw new Error(`Cannot find module '${n}'`);
  };
  // exit() never returns: the kernel ends the process, and ProcessEnded unwinds the stack.
  const finish = (code: number): void => {
    try {
      exit(code);
    } catch (e) {
      if (!(e instanceof ProcessEnded)) throw e;
    }
  };
  let result: ReturnType<Main>;
  try {
    body(module, module.exports, require);
    const main = (module.exports.main ?? module.exports.default) as Main | undefined;
    result = typeof main === 'function' ? main(proc().argv) : 0;
  } catch (e) {
    if (e instanceof ProcessEnded) return;
    report(e);
    return finish(1);
  }
  if (result instanceof Promise) {
    result.then(
      (code) => finish(typeof code === 'number' ? code : 0),
      (e: unknown) => {
        if (e instanceof ProcessEnded) return;
        report(e);
        finish(1);
      },
    );
  } else {
    finish(typeof result === 'number' ? result : 0);
  }
}


/**
 * A raw syscall, as C's syscall(2): the result word (-errno on failure) and the reply payload.
 * `inLen` overrides the payload length written to the frame (only tests have reason to).
 */
export function syscall(nr: number, a: number[] = [], input: Uint8Array | null = null, inLen?: number): { result: number; out: Uint8Array } {
  const c = proc().client;
  const result = inLen === undefined ? c.call(nr, a[0], a[1], a[2], a[3], input) : c.call(nr, a[0], a[1], a[2], a[3], null, inLen);
  return { result, out: c.out() };
}
export * from './fsmeta.js';
export * from './term.js';
export * from './random.js';
