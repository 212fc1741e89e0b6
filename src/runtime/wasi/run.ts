// Running a WebAssembly program in a process thread: the imports (wasi_snapshot_preview1 and
// macrohard), the check that the module needs nothing else, preopens, instantiation, `_start`,
// and what becomes of each way a program can end:
//
//   returns from _start          exit(0)
//   proc_exit(n) / exec          the kernel ends the process; the call unwinds with ProcessEnded
//   a trap                       a line on stderr, then the signal a native program would get
//                                (unreachable/abort: SIGABRT, bad memory access or stack
//                                overflow: SIGSEGV, division: SIGFPE, others: SIGILL)
//   missing imports, no _start,  a line on stderr naming what is wrong, exit status 126
//   cannot instantiate (memory)
//
// A module importing functions nobody provides is refused with the whole list unless its
// environment sets MACROHARD_TRAP_UNKNOWN_IMPORTS=1, which links each to a function that
// traps when called (wasmtime's --trap-unknown-imports).

import { Sig } from '../../abi/signal.js';
import { Sys } from '../../abi/syscall.js';
import { NS_ALL } from '../../abi/syscall.js';
import { WireReader } from '../../abi/wire.js';
import type { StartInfo } from '../../kernel/host.js';
import { ProcessEnded } from '../channel.js';
import { clockFunctions } from './clock.js';
import { WasiContext } from './context.js';
import { WasiError } from './errno.js';
import { fdFunctions } from './fd.js';
import { macrohardFunctions } from './macrohard.js';
import { openPreopens, pathFunctions } from './path.js';
import { pollFunctions } from './poll.js';
import { procFunctions } from './proc.js';
import { sockFunctions } from './sock.js';
import { socketFunctions } from './socket.js';

export const WASI_MODULE = 'wasi_snapshot_preview1';
export const MH_MODULE = 'macrohard';
export const TRAP_UNKNOWN_ENV = 'MACROHARD_TRAP_UNKNOWN_IMPORTS';

type Fn = (...args: never[]) => unknown;

/** Wraps a WASI function so that a WasiError becomes its errno result. */
function guarded<T extends Fn>(f: T): T {
  return ((...args: never[]) => {
    try {
      return f(...args);
    } catch (e) {
      if (e instanceof WasiError) return e.errno;
      throw e;
    }
  }) as T;
}

export function wasiImports(ctx: WasiContext): Record<string, Fn> {
  const fd = fdFunctions(ctx);
  const all: Record<string, Fn> = {
    ...fd, ...pathFunctions(ctx), ...pollFunctions(ctx), ...procFunctions(ctx), ...clockFunctions(ctx), ...sockFunctions(ctx, fd),
  };
  const out: Record<string, Fn> = {};
  for (const [k, f] of Object.entries(all)) out[k] = guarded(f);
  return out;
}

/** Imports the module needs that the runtime does not provide, as "module.name". */
export function missingImports(module: WebAssembly.Module, provided: Record<string, Record<string, unknown>>): string[] {
  const missing: string[] = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function' || !(imp.name in (provided[imp.module] ?? {}))) missing.push(`${imp.module}.${imp.name}${imp.kind === 'function' ? '' : ` (${imp.kind})`}`);
  }
  return missing;
}

function trapSignal(e: unknown): number {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof RangeError && /call stack/i.test(msg)) return Sig.SIGSEGV;
  if (/unreachable/.test(msg)) return Sig.SIGABRT;
  if (/memory access|out of bounds|stack/i.test(msg)) return Sig.SIGSEGV;
  if (/divide|division|remainder|integer overflow|float unrepresentable/i.test(msg)) return Sig.SIGFPE;
  return Sig.SIGILL;
}

export interface WasiRun {
  /** Drains buffers (spare pipe rings) the kernel posted while the program runs. */
  drainMessages?: (ctx: WasiContext) => void;
}

/**
 * A context and the imports bound to it, built before the process they will serve is known:
 * a thread makes them while it waits in the pool (about 0.2 ms of closures and tables), so a
 * start does not. It may also instantiate, ahead, the program it expects (the one it ran
 * last): a fresh instance, bound to this context, whose code has not run. Used once: each
 * process gets its own.
 */
export interface PreparedWasi {
  ctx: WasiContext;
  imports: Record<string, Record<string, Fn>>;
  /** An instance made ahead, and the image key it was made from. */
  warm: { key: string; instance: WebAssembly.Instance } | null;
}

type WasmImage = Extract<StartInfo['image'], { kind: 'wasm' }>;

export function prepareWasi(channel: SharedArrayBuffer, expect: WasmImage | null = null): PreparedWasi {
  const ctx = new WasiContext(channel);
  const imports = { [WASI_MODULE]: wasiImports(ctx), [MH_MODULE]: { ...macrohardFunctions(ctx), ...socketFunctions(ctx) } };
  let warm: PreparedWasi['warm'] = null;
  // Not a module with a start function (instantiating runs its code, which would call the
  // kernel for a process that does not exist yet), nor one that needs imports made for it.
  if (expect && !expect.startFunction && missingImports(expect.module, imports).length === 0) {
    try {
      warm = { key: expect.key, instance: new WebAssembly.Instance(expect.module, imports) };
    } catch {
      // It will fail again when started, and say why then.
    }
  }
  return { ctx, imports, warm };
}

/** Runs the program to its end; returns once the kernel has ended the process. */
export function runWasi(info: StartInfo, image: WasmImage, prepared: PreparedWasi, opts: WasiRun = {}): void {
  const { ctx, imports } = prepared;
  const module = image.module;
  const warm = prepared.warm?.key === image.key ? prepared.warm.instance : null;
  prepared.warm = null;
  ctx.begin(info.pid, info.argv, info.env);
  const name = info.argv[0] ?? info.path;
  const say = (line: string): void => {
    ctx.client.call(Sys.write, 2, -1, 0, 0, new TextEncoder().encode(`${name}: ${line}\n`));
  };
  try {
    for (const r of info.rings) ctx.rings.addRing(r.id, r.buffer);
    for (const a of info.fdRings) ctx.rings.attach(a.fd, a.ringId, a.end);
    if (opts.drainMessages) ctx.drain = () => opts.drainMessages!(ctx);

    const missing = warm ? [] : missingImports(module, imports);
    if (missing.length > 0) {
      if (!info.env.includes(`${TRAP_UNKNOWN_ENV}=1`) || missing.some((m) => m.endsWith(')'))) {
        say(`cannot run: unresolved imports: ${missing.join(', ')}`);
        return ctx.exit(126);
      }
      for (const m of missing) {
        const dot = m.indexOf('.');
        const mod = m.slice(0, dot);
        const fn = m.slice(dot + 1);
        (imports[mod] ??= {})[fn] = () => {
          throw new WebAssembly.RuntimeError(`unknown import ${m} called`);
        };
      }
    }

    let schemes = info.ns;
    if (schemes === undefined) {
      const n = ctx.client.call(Sys.getns);
      schemes = n === NS_ALL ? null : new WireReader(ctx.client.data.subarray(0, ctx.client.outLen)).strs() ?? [];
    }
    ctx.cwd = info.cwd ?? null;
    openPreopens(ctx, schemes, info.preopens);

    let instance: WebAssembly.Instance;
    try {
      instance = warm ?? new WebAssembly.Instance(module, imports as WebAssembly.Imports);
    } catch (e) {
      say(`cannot instantiate: ${(e as Error).message}`);
      return ctx.exit(126);
    }
    const memory = instance.exports['memory'];
    if (!(memory instanceof WebAssembly.Memory)) {
      say('cannot run: the module exports no memory');
      return ctx.exit(126);
    }
    ctx.memory = memory;
    const table = instance.exports['__indirect_function_table'];
    if (table instanceof WebAssembly.Table) ctx.table = table;
    const start = instance.exports['_start'];
    if (typeof start !== 'function') {
      say('cannot run: not a WASI command (no _start export)');
      return ctx.exit(126);
    }
    try {
      (start as () => void)();
    } catch (e) {
      if (e instanceof ProcessEnded) throw e;
      const sig = trapSignal(e);
      if (ctx.pending) ctx.flush();
      const why = e instanceof RangeError && /call stack/i.test(e.message) ? 'stack overflow' : (e as Error)?.message ?? String(e);
      say(`${e instanceof WebAssembly.RuntimeError || e instanceof RangeError ? 'trap' : 'runtime error'}: ${why}`);
      ctx.client.call(Sys.kill, ctx.pid, sig);
      return ctx.exit(128 + sig);
    }
    ctx.exit(0);
  } catch (e) {
    if (e instanceof ProcessEnded) return;
    throw e;
  }
}
