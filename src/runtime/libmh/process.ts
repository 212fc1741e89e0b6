// The running process's own state inside its sandbox: the syscall client, the raw stubs
// derived from the syscall list, the mapped pipe rings, signal handlers, argv and env. Set up
// once by boot() (see index.ts) before the program's first line runs.

import { Sys, type SysName } from '../../abi/syscall.js';
import { SyscallClient } from '../channel.js';
import { RingTable } from '../rings.js';

export type RawStub = (a0?: number, a1?: number, a2?: number, a3?: number, input?: Uint8Array | null) => number;

export interface ProcState {
  client: SyscallClient;
  sys: Record<SysName, RawStub>;
  rings: RingTable;
  pid: number;
  path: string;
  argv: string[];
  env: Map<string, string>;
  regions: Map<number, SharedArrayBuffer>;
  handlers: Map<number, (sig: number) => void>;
}

let state: ProcState | null = null;

export function proc(): ProcState {
  if (!state) throw new Error('libmh: used outside a MACROHARD process');
  return state;
}

/**
 * Calls that answer EINTR to their caller when a signal handler ran during them; every other
 * call is restarted after the handler, as with SA_RESTART (libmh's handlers run between the
 * call's return and its retry). read and write restart in fs.ts, except where a daemon's serve
 * loop wants to see the interruption; sleep and wait report it.
 */
const INTERRUPTIBLE = new Set<SysName>(['read', 'write', 'nanosleep', 'waitpid', 'recvfd', 'scheme_serve']);
const EINTR = -4;

/** One stub per entry of the syscall list: the userspace half of the table. */
export function stubs(client: SyscallClient): Record<SysName, RawStub> {
  const out = {} as Record<SysName, RawStub>;
  for (const [name, nr] of Object.entries(Sys) as [SysName, number][]) {
    out[name] = INTERRUPTIBLE.has(name)
      ? (a0 = 0, a1 = 0, a2 = 0, a3 = 0, input = null) => client.call(nr, a0, a1, a2, a3, input)
      : (a0 = 0, a1 = 0, a2 = 0, a3 = 0, input = null) => {
          for (;;) {
            const r = client.call(nr, a0, a1, a2, a3, input);
            if (r !== EINTR) return r;
          }
        };
  }
  return out;
}

export function init(s: ProcState): void {
  state = s;
}
