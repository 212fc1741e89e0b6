// The entry point of every process thread. A thread is pre-started by the host's pool: it
// builds a fresh sandbox context, evaluates libmh inside it, creates the syscall channel from
// inside it, and reports ready. When the kernel starts a process on it, it runs the program:
//
// - MH-JS programs run in the context, which holds nothing of this realm: no `process`, no
//   `require`, no dynamic `import`. Only primitives and shared buffers re-homed to the
//   context's own prototypes are handed in (docs/security.md says what remains).
// - WebAssembly programs run in this realm with the WASI layer as their only imports.
//
// When a process ends inside a syscall, the kernel marks its channel dead, the program's stack
// unwinds, and the host sends "recycle": the thread drops the old context (once this
// macrotask has finished, its queued microtasks have run and it can do nothing more) and
// prepares a fresh one for the next process. A process killed while running code takes its
// thread with it.

import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import vm from 'node:vm';
import { CHANNEL_BYTES } from '../abi/channel.js';
import { Sys } from '../abi/syscall.js';
import { encodeUtf8 } from '../abi/utf8.js';
import type { StartInfo } from '../kernel/host.js';
import { ProcessEnded, SyscallClient } from './channel.js';
import { prepareWasi, runWasi, type PreparedWasi } from './wasi/run.js';
import type { WasiContext } from './wasi/context.js';

interface WorkerData {
  libmhSource: string;
}

interface ContextApi {
  boot(channel: SharedArrayBuffer, start: string): void;
  addRing(id: number, buffer: SharedArrayBuffer): void;
  addRegion(id: number, buffer: SharedArrayBuffer): void;
  run(body: unknown): void;
}

interface Sandbox {
  context: vm.Context;
  channel: SharedArrayBuffer;
  sabProto: object;
  api: ContextApi;
  started: StartInfo | null;
  /** The WASI context and imports for the next process, when made ahead (see `recycle`). */
  wasi: PreparedWasi | null;
}

const port = parentPort!;
const { libmhSource } = workerData as WorkerData;
const libmhScript = new vm.Script(libmhSource, { filename: 'libmh.js' });

function newChannel(context: vm.Context): SharedArrayBuffer {
  return vm.runInContext(`new SharedArrayBuffer(${CHANNEL_BYTES})`, context) as SharedArrayBuffer;
}

function prepare(): Sandbox {
  // WebAssembly compiled in the context can call only what the program imports into it from
  // the context itself, so it adds no authority (the `vm` program runs the RISC-V core so).
  // An ordinary global object, not a contextified one: through a contextified object every
  // global a program names (Math, Atomics, Uint8Array...) is looked up by a C++ interceptor,
  // about 0.6 µs each, which made over half of the file daemon's CPU time on its write path and
  // each syscall's spin loop 40 times slower. Node before 20.18 has only the contextified kind.
  const context = vm.createContext(vm.constants?.DONT_CONTEXTIFY ?? Object.create(null), { name: 'mhjs', codeGeneration: { strings: true, wasm: true } });
  libmhScript.runInContext(context);
  const channel = newChannel(context);
  const sabProto = vm.runInContext('SharedArrayBuffer.prototype', context) as object;
  const api = vm.runInContext(
    `({
      boot: (c, s) => __libmh.__boot(c, s),
      addRing: (id, b) => __libmh.__addRing(id, b),
      addRegion: (id, b) => __libmh.__addRegion(id, b),
      run: (body) => __libmh.__run(body, __libmh),
    })`,
    context,
  ) as ContextApi;
  return { context, channel, sabProto, api, started: null, wasi: null };
}

let sandbox = prepare();

/** Makes a buffer from another realm safe to hand into the context. */
function rehome(b: SharedArrayBuffer): SharedArrayBuffer {
  Object.setPrototypeOf(b, sandbox.sabProto);
  return b;
}

/** Reports a failure to start on the process's stderr and ends it (from this realm). */
function fail(message: string, status: number): void {
  const client = new SyscallClient(sandbox.channel);
  const s = sandbox.started;
  try {
    client.call(Sys.write, 2, -1, 0, 0, encodeUtf8(`${s?.argv[0] ?? s?.path ?? 'process'}: ${message}\n`));
    client.call(Sys.exit, status);
  } catch (e) {
    if (!(e instanceof ProcessEnded)) throw e;
  }
}

/**
 * Compiled programs, kept across the processes this thread serves: a script compiles once
 * and then runs in each new context (only code is shared, no objects), so a program spawned
 * again and again — a shell pipeline, a storm of children — skips the compiler.
 */
const scripts = new Map<string, vm.Script>();
const SCRIPT_CACHE = 16;

function programScript(source: string, key: string, path: string): vm.Script {
  let s = scripts.get(key);
  if (s) {
    scripts.delete(key);
  } else {
    s = new vm.Script(`(function (module, exports, require) {${source}\n})`, { filename: path });
    if (scripts.size >= SCRIPT_CACHE) scripts.delete(scripts.keys().next().value!);
  }
  scripts.set(key, s);
  return s;
}

function startMhjs(info: StartInfo, source: string, key: string): void {
  const { api, context, channel } = sandbox;
  api.boot(channel, JSON.stringify({ pid: info.pid, path: info.path, argv: info.argv, env: info.env, fdRings: info.fdRings }));
  for (const r of info.rings) api.addRing(r.id, rehome(r.buffer));
  let body: unknown;
  try {
    body = programScript(source, key, info.path).runInContext(context);
  } catch (e) {
    return fail(`cannot load program: ${(e as Error).message}`, 126);
  }
  api.run(body);
}

type Message = { type: string; info?: StartInfo; id?: number; buffer?: SharedArrayBuffer };

/**
 * A WebAssembly program runs in this realm, synchronously inside the start message, so
 * buffers the kernel posts meanwhile (spare pipe rings) are taken from the port directly.
 */
function drainForWasi(ctx: WasiContext): void {
  for (let r = receiveMessageOnPort(port); r; r = receiveMessageOnPort(port)) {
    const m = r.message as Message;
    if (m.type === 'ring' && m.buffer) ctx.rings.addRing(m.id!, m.buffer);
  }
}

function startWasm(info: StartInfo, image: Extract<StartInfo['image'], { kind: 'wasm' }>): void {
  const prepared = sandbox.wasi ?? prepareWasi(sandbox.channel);
  sandbox.wasi = null;
  runWasi(info, image, prepared, { drainMessages: drainForWasi });
}

port.on('message', (m: Message) => {
  const s = sandbox;
  if (m.type === 'start' && m.info && !s.started) {
    s.started = m.info;
    if (m.info.image.kind === 'mhjs') startMhjs(m.info, m.info.image.source, m.info.image.key);
    else startWasm(m.info, m.info.image);
  } else if (m.type === 'ring' && m.buffer && s.started?.image.kind === 'mhjs') {
    s.api.addRing(m.id!, rehome(m.buffer));
  } else if (m.type === 'region' && m.buffer && s.started?.image.kind === 'mhjs') {
    s.api.addRegion(m.id!, rehome(m.buffer));
  } else if (m.type === 'recycle') {
    // A WebAssembly program runs in this realm and never touches the context: after one, the
    // context is as prepare() left it and only the channel must be new. Rebuilding it (libmh
    // evaluated again) would cost a millisecond of CPU per process for nothing.
    const ran = s.started?.image;
    const wasm = ran?.kind === 'wasm' ? ran : null;
    sandbox = wasm ? { ...s, channel: newChannel(s.context), started: null, wasi: null } : prepare();
    // A thread that ran a WebAssembly program likely runs it, or another, again (a build, a
    // test loop, a shell script calling lua): it makes the next context now, while it is idle,
    // rather than when a program is asked for, and instantiates the program it ran, which the
    // pool gives it again first (`warm`). The kernel may already be sending the start; it is
    // read when this returns. After an MH-JS program it does not: most of those are followed
    // by more MH-JS, for which it would be wasted work.
    port.postMessage({ type: 'ready', channel: sandbox.channel, warm: wasm && !wasm.startFunction ? wasm.key : null });
    if (wasm) sandbox.wasi = prepareWasi(sandbox.channel, wasm);
  }
});

port.postMessage({ type: 'ready', channel: sandbox.channel });
