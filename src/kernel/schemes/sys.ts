// sys: kernel state as text files, read by ps, uptime, dmesg and free.
//   /scheme/sys/uptime     seconds since boot
//   /scheme/sys/log        the kernel log
//   /scheme/sys/proc       one line per process: pid ppid pgid sid uid gid state mem calls cmd
//   /scheme/sys/schemes    registered scheme names
//   /scheme/sys/meminfo    host process memory and what the kernel accounts for processes
//   /scheme/sys/cmdline    the kernel command line
//   /scheme/sys/locks      advisory file locks held now (docs/locks.md)

import { Ctl } from '../../abi/channel.js';
import { utf8 } from '../../abi/wire.js';
import type { Kernel } from '../kernel.js';
import { TreeScheme, type TreeNode } from './tree.js';

const text = (f: () => string) => () => utf8(f());

export class SysScheme extends TreeScheme {
  readonly name = 'sys';
  private readonly nodes: Record<string, TreeNode>;

  constructor(private readonly k: Kernel) {
    super();
    this.nodes = {
      uptime: { kind: 'file', mode: 0o444, ino: 2, contents: text(() => `${(k.uptime() / 1000).toFixed(3)}\n`) },
      log: { kind: 'file', mode: 0o444, ino: 3, contents: text(() => k.klog.format()) },
      proc: { kind: 'file', mode: 0o444, ino: 4, contents: text(() => this.procTable()) },
      schemes: { kind: 'file', mode: 0o444, ino: 5, contents: text(() => [...k.schemes.keys()].sort().join('\n') + '\n') },
      meminfo: { kind: 'file', mode: 0o444, ino: 6, contents: text(() => this.meminfo()) },
      cmdline: { kind: 'file', mode: 0o444, ino: 7, contents: text(() => k.cmdline + '\n') },
      locks: { kind: 'file', mode: 0o444, ino: 8, contents: text(() => k.locks.describe()) },
    };
  }

  protected lookup(ref: string): TreeNode | null {
    if (ref === '') return { kind: 'dir', mode: 0o555, ino: 1, list: () => Object.keys(this.nodes).sort() };
    return this.nodes[ref] ?? null;
  }

  private procTable(): string {
    const rows = ['PID PPID PGID SID UID GID STATE MEM CALLS TIME CMD'];
    const now = this.k.host.now();
    for (const p of [...this.k.procs.values()].sort((a, b) => a.pid - b.pid)) {
      const mem = p.kernelBytes + (p.channel ? Atomics.load(p.channel.ctl, Ctl.MEMKB) * 1024 : 0);
      const cmd = (p.argv.length ? p.argv : [p.path]).join(' ').replace(/\s+/g, ' ');
      rows.push([p.pid, p.ppid, p.pgid, p.sid, p.uid, p.gid, p.displayState, mem, p.syscalls, ((now - p.startTime) / 1000).toFixed(2), cmd].join(' '));
    }
    return rows.join('\n') + '\n';
  }

  private meminfo(): string {
    const m = this.k.host.memory();
    let procs = 0;
    for (const p of this.k.procs.values()) procs += p.kernelBytes;
    return `HostRss: ${m.rss}\nHostHeapUsed: ${m.heapUsed}\nProcessBytes: ${procs}\nPipeRings: ${this.k.pipes.ringCount}\n`;
  }
}
