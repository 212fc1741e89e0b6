// The kernel's record of a process: identity, credentials, namespace, descriptors, signal
// state, filter, resource use and exit status. A process runs in one host thread (a worker)
// that it talks to through its syscall channel.

import { ChannelView, Ctl } from '../abi/channel.js';
import { NSIG, SIG_DFL } from '../abi/signal.js';
import { FdTable, type FileDescription } from './file.js';
import type { ProcessThread } from './host.js';
import type { Namespace } from './namespace.js';
import { WaitQueue } from './waitqueue.js';

export enum ProcState {
  /** Being loaded: its thread has not started the program yet. */
  Starting = 'starting',
  Running = 'running',
  /** Blocked in the kernel (a parked syscall). */
  Sleeping = 'sleeping',
  Stopped = 'stopped',
  /** Exited; its status waits for the parent's waitpid. */
  Zombie = 'zombie',
}

/** A syscall in flight: parked calls can be interrupted by a signal or by death. */
export interface InFlight {
  nr: number;
  /** Called when the call must end now with EINTR (or silently, if the process died). */
  interrupt: (() => void) | null;
}

export class Process {
  ppid: number;
  pgid: number;
  sid: number;
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  umask = 0o022;
  cwd: string;
  ns: Namespace;
  readonly fds: FdTable;
  /** Allowed syscall numbers; null allows all. */
  filter: Uint8Array | null = null;
  /** Per signal: SIG_DFL, SIG_IGN or SIG_HANDLER. */
  readonly sigactions = new Uint8Array(NSIG).fill(SIG_DFL);
  sigpending = 0;
  sigblocked = 0;
  /**
   * A signal with a handler arrived while no call of the process was parked (it was running, or
   * its call was posted but not yet taken): the next call that would wait is interrupted at
   * once instead, or it would sleep with the handler never run. Cleared when handlers run.
   */
  interruptOwed = false;
  state = ProcState.Starting;
  /** waitpid status once a zombie; also the last stop/continue report for WUNTRACED. */
  status = 0;
  /** A stop or continue the parent has not yet collected with WUNTRACED/WCONTINUED. */
  report: 'stopped' | 'continued' | null = null;
  readonly children = new Set<Process>();
  thread: ProcessThread | null = null;
  channel: ChannelView | null = null;
  inflight: InFlight | null = null;
  /** Wakes when the process is continued after a stop. */
  readonly contQueue = new WaitQueue();
  /** Rings this process has mapped (it may move data on them without the kernel). */
  readonly mappedRings = new Set<number>();
  /** Spare rings handed over in advance, not yet used by a pipe() call. */
  readonly spareRings: number[] = [];
  path = '';
  argv: string[] = [];
  readonly startTime: number;
  syscalls = 0;
  /** Bytes the kernel knows this process holds: channel, rings, regions, image. */
  kernelBytes = 0;

  constructor(
    readonly pid: number,
    parent: Process | null,
    now: number,
    ns: Namespace,
    release: (d: FileDescription) => void,
  ) {
    this.ppid = parent?.pid ?? 0;
    this.pgid = parent?.pgid ?? pid;
    this.sid = parent?.sid ?? pid;
    this.uid = parent?.uid ?? 0;
    this.gid = parent?.gid ?? 0;
    this.euid = parent?.euid ?? 0;
    this.egid = parent?.egid ?? 0;
    this.cwd = parent?.cwd ?? '/';
    this.umask = parent?.umask ?? 0o022;
    this.ns = ns;
    this.filter = parent?.filter ? parent.filter.slice() : null;
    this.fds = new FdTable(release);
    this.startTime = now;
  }

  /** The state as ps shows it: a process asleep on a pipe ring in its own thread is sleeping. */
  get displayState(): ProcState {
    if (this.state === ProcState.Running && this.channel && Atomics.load(this.channel.ctl, Ctl.BLOCKED_ON) !== 0) return ProcState.Sleeping;
    return this.state;
  }

  get alive(): boolean {
    return this.state !== ProcState.Zombie;
  }

  caller(): { pid: number; uid: number; gid: number } {
    return { pid: this.pid, uid: this.euid, gid: this.egid };
  }

  allows(nr: number): boolean {
    return this.filter === null || this.filter[nr] === 1;
  }
}
