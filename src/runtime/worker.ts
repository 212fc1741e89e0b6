// The entry point of every process thread. A thread is pre-started by the host's pool: it
// builds a fresh sandbox context, evaluates libmh inside it, creates the syscall channel from
// inside it, and reports ready. When the kernel starts a process on it, it runs the program:
//
// - MH-JS programs run in the context, which holds nothing of this realm: no `process`, no
//   `require`, no dynamic `import`. Only primitives and shared buffers re-homed to the
//   context's own prototypes are handed in (docs/security.md says what remains).
// - WebAssembly programs run in this realm with the WASI layer as their only imports.
//
// A thread runs one process and is terminated by the kernel when it exits.

import { parentPort, workerData } from 'node:worker_threads';
import vm from 'node:vm';
import { CHANNEL_BYTES } from '../abi/channel.js';
import type { StartInfo } from '../kernel/host.js';
import { SyscallClient } from './channel.js';
import { encodeUtf8 } from '../abi/utf8.js';
import { Sys } from '../abi/syscall.js';

interface WorkerData {
  libmhSource: string;
}

interface ContextApi {
  boot(channel: SharedArrayBuffer, start: string): void;
  addRing(id: number, buffer: SharedArrayBuffer): void;
  addRegion(id: number, buffer: SharedArrayBuffer): void;
  run(body: unknown): void;
}

const port = parentPort!;
const { libmhSource } = workerData as WorkerData;

const context = vm.createContext(Object.create(null), {
  name: 'mhjs',
  codeGeneration: { strings: true, wasm: false },
});
vm.runInContext(libmhSource, context, { filename: 'libmh.js' });
const channel = vm.runInContext(`new SharedArrayBuffer(${CHANNEL_BYTES})`, context) as SharedArrayBuffer;
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

/** Makes a buffer from another realm safe to hand into the context. */
function rehome(b: SharedArrayBuffer): SharedArrayBuffer {
  Object.setPrototypeOf(b, sabProto);
  return b;
}

let started: StartInfo | null = null;

/** Reports a failure to start on the process's stderr and exits it (from this realm). */
function fail(message: string, status: number): void {
  const client = new SyscallClient(channel);
  const text = encodeUtf8(`${started?.argv[0] ?? started?.path ?? 'process'}: ${message}\n`);
  client.call(Sys.write, 2, -1, 0, 0, text);
  client.call(Sys.exit, status);
}

function startMhjs(info: StartInfo, source: string): void {
  api.boot(channel, JSON.stringify({ pid: info.pid, path: info.path, argv: info.argv, env: info.env, fdRings: info.fdRings }));
  for (const r of info.rings) api.addRing(r.id, rehome(r.buffer));
  let body: unknown;
  try {
    body = vm.runInContext(`(function (module, exports, require) {${source}\n})`, context, { filename: info.path });
  } catch (e) {
    return fail(`cannot load program: ${(e as Error).message}`, 126);
  }
  api.run(body);
}

port.on('message', (m: { type: string; info?: StartInfo; id?: number; buffer?: SharedArrayBuffer }) => {
  if (m.type === 'start' && m.info && !started) {
    started = m.info;
    if (m.info.image.kind === 'mhjs') startMhjs(m.info, m.info.image.source);
    else fail('WebAssembly programs need the WASI runtime, which this build does not include', 126);
  } else if (m.type === 'ring' && m.buffer && started?.image.kind === 'mhjs') {
    api.addRing(m.id!, rehome(m.buffer));
  } else if (m.type === 'region' && m.buffer && started?.image.kind === 'mhjs') {
    api.addRegion(m.id!, rehome(m.buffer));
  }
});

port.postMessage({ type: 'ready', channel });
