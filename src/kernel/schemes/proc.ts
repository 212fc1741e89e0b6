// proc: per-process files and control.
//   /scheme/proc/             one directory per live process (by pid)
//   /scheme/proc/PID/status   name, state, ids, parent, group, session, memory, syscalls, as text
//   /scheme/proc/PID/cmdline  the arguments, NUL-separated (as Linux's)
//   /scheme/proc/PID/ctl      write `kill SIG`, `stop` or `cont`: the same rights as kill(2)

import { E, isErr, type Result } from '../../abi/errno.js';
import { canWrite, O } from '../../abi/flags.js';
import { Sig } from '../../abi/signal.js';
import { fromUtf8, utf8 } from '../../abi/wire.js';
import type { Kernel } from '../kernel.js';
import type { Caller, Opened } from '../scheme.js';
import { TreeScheme, type TreeNode } from './tree.js';

export class ProcScheme extends TreeScheme {
  readonly name = 'proc';
  /** Open ctl files: handle -> target pid (handles above the tree's own). */
  private ctl = new Map<number, number>();
  private nextCtl = 1 << 30;

  constructor(private readonly k: Kernel) {
    super();
  }

  protected lookup(ref: string): TreeNode | null {
    const k = this.k;
    if (ref === '') return { kind: 'dir', mode: 0o555, ino: 1, list: () => [...k.procs.values()].filter((p) => p.alive).map((p) => String(p.pid)) };
    const m = /^(\d+)(?:\/(status|cmdline|ctl))?$/.exec(ref);
    if (!m) return null;
    const p = k.procs.get(Number(m[1]));
    if (!p || !p.alive) return null;
    const ino = p.pid * 8;
    switch (m[2]) {
      case undefined:
        return { kind: 'dir', mode: 0o555, ino, list: () => ['cmdline', 'ctl', 'status'] };
      case 'status':
        return {
          kind: 'file', mode: 0o444, ino: ino + 1,
          contents: () => utf8([
            `Name: ${(p.argv[0] ?? p.path).split('/').pop()}`, `State: ${p.displayState}`, `Pid: ${p.pid}`, `PPid: ${p.ppid}`,
            `Pgid: ${p.pgid}`, `Sid: ${p.sid}`, `Uid: ${p.uid} ${p.euid}`, `Gid: ${p.gid} ${p.egid}`, `Path: ${p.path}`,
            `Cwd: ${p.cwd}`, `Fds: ${p.fds.count}`, `Syscalls: ${p.syscalls}`, `KernelBytes: ${p.kernelBytes}`, '',
          ].join('\n')),
        };
      case 'cmdline':
        return { kind: 'file', mode: 0o444, ino: ino + 2, contents: () => utf8(p.argv.map((a) => a + '\0').join('')) };
      default:
        return { kind: 'file', mode: 0o200, ino: ino + 3, contents: () => new Uint8Array(0) };
    }
  }

  override open(ref: string, flags: number, mode: number, caller: Caller): Result<Opened> {
    const m = /^(\d+)\/ctl$/.exec(ref.replace(/^\/+|\/+$/g, ''));
    if (!m) return super.open(ref, flags, mode, caller);
    const target = this.k.procs.get(Number(m[1]));
    if (!target || !target.alive) return E.ENOENT;
    if (!canWrite(flags) || flags & O.DIRECTORY) return E.EACCES;
    const h = this.nextCtl++;
    this.ctl.set(h, target.pid);
    return { handle: h, stream: true };
  }

  override write(h: number, src: Uint8Array, _offset: number, caller: Caller): Result<number> {
    const pid = this.ctl.get(h);
    if (pid === undefined) return E.EBADF;
    const sender = this.k.procs.get(caller.pid) ?? this.k.kernelContext();
    const cmd = (fromUtf8(src) ?? '').trim().split(/\s+/);
    let sig: number;
    if (cmd[0] === 'kill' && cmd.length === 2) {
      const s = cmd[1]!;
      sig = /^\d+$/.test(s) ? Number(s) : (Sig as Record<string, number>)[s.startsWith('SIG') ? s : `SIG${s}`] ?? -1;
      if (!(sig >= 1 && sig < 32)) return E.EINVAL;
    } else if (cmd[0] === 'stop' && cmd.length === 1) sig = Sig.SIGSTOP;
    else if (cmd[0] === 'cont' && cmd.length === 1) sig = Sig.SIGCONT;
    else return E.EINVAL;
    const r = this.k.kill(sender, pid, sig);
    return isErr(r) ? r : src.length;
  }

  override close(h: number): void {
    if (!this.ctl.delete(h)) super.close(h);
  }
}
