// The kernel: the process table, the scheme registry, and the process life cycle (spawn,
// exec, exit, wait) with signals. Syscall handlers (syscalls/) are thin calls onto this; the
// dispatcher (dispatch.ts) moves frames between channels and handlers.

import { ChannelView, Ctl } from '../abi/channel.js';
import { E, isErr, type Result } from '../abi/errno.js';
import { WaitStatus } from '../abi/flags.js';
import { Action, defaultAction, SIG_DFL, SIG_HANDLER, SIG_IGN, Sig, sigbit, signalName } from '../abi/signal.js';
import { SpawnFlags, type SpawnRequest } from '../abi/spawn.js';
import { Dispatcher } from './dispatch.js';
import { FileDescription } from './file.js';
import type { Host, ProgramImage, StartInfo } from './host.js';
import { KernelLog } from './klog.js';
import { LockTable } from './locks.js';
import { loadImage, reservePreopens } from './loader.js';
import { canonicalize, Namespace, splitScheme } from './namespace.js';
import { params } from './params.js';
import { Process, ProcState } from './process.js';
import type { Caller, Opened, Scheme } from './scheme.js';
import { ChanScheme } from './schemes/chan.js';
import { EventScheme } from './schemes/event.js';
import { NullScheme } from './schemes/null.js';
import { PipeScheme } from './schemes/pipe.js';
import { ProcScheme } from './schemes/proc.js';
import { PtyScheme } from './schemes/pty.js';
import { RandScheme } from './schemes/rand.js';
import { ShmScheme } from './schemes/shm.js';
import { SysScheme } from './schemes/sys.js';
import { TimeScheme } from './schemes/time.js';
import { ZeroScheme } from './schemes/zero.js';
import { WaitQueue } from './waitqueue.js';

export interface KernelOptions {
  /** The kernel command line (init reads it at /scheme/sys/cmdline). */
  cmdline?: string;
  /** Called for each kernel log line (the host prints boot messages and audit lines). */
  onLog?: (text: string) => void;
}

export class Kernel {
  readonly klog: KernelLog;
  readonly procs = new Map<number, Process>();
  readonly schemes = new Map<string, Scheme>();
  readonly pipes = new PipeScheme();
  readonly dispatcher: Dispatcher;
  /** Wakes waitpid callers: keyed by parent pid (0: the kernel itself). */
  private childQueues = new Map<number, WaitQueue>();
  /** Exit waiters for processes the kernel itself started (their parent is "pid 0"). */
  private exitWaiters = new Map<number, (status: number) => void>();
  private nextPid = 1;
  nextRegionId = 1;
  private readonly bootTime: number;
  private down = false;

  readonly cmdline: string;

  constructor(readonly host: Host, opts: KernelOptions = {}) {
    this.bootTime = host.now();
    this.cmdline = opts.cmdline ?? '';
    this.klog = new KernelLog(() => this.uptime());
    if (opts.onLog) this.klog.onLine = (l) => opts.onLog!(l.text);
    this.dispatcher = new Dispatcher(this);
    for (const s of [
      this.pipes,
      new NullScheme(),
      new ZeroScheme(),
      new RandScheme((b) => host.randomFill(b)),
      new TimeScheme(host),
      new SysScheme(this),
      new ProcScheme(this),
      new EventScheme(this),
      new ChanScheme(this.release),
      new ShmScheme(),
      new PtyScheme({
        idsOf: (pid) => {
          const p = this.procs.get(pid);
          return p && p.alive ? { pgid: p.pgid, sid: p.sid } : null;
        },
        signalGroup: (pgid, sig) => {
          for (const p of this.procs.values()) if (p.alive && p.pgid === pgid) this.signal(p, sig);
        },
      }),
    ]) {
      this.register(s);
    }
  }

  uptime(): number {
    return this.host.now() - this.bootTime;
  }

  register(s: Scheme): void {
    this.schemes.set(s.name, s);
  }

  unregister(s: Scheme): void {
    if (this.schemes.get(s.name) === s) this.schemes.delete(s.name);
  }

  // ---- descriptors -------------------------------------------------------------------------

  /** Makes a description for an opened handle (or takes the one a daemon handed over). */
  describe(scheme: Scheme, o: Opened, flags: number, path: string): FileDescription {
    return new FileDescription(scheme, o.handle, flags, path, !!o.stream, o.ring ?? null);
  }

  release = (d: FileDescription): void => {
    this.locks.descriptionClosed(d);
    d.scheme.close(d.handle);
  };

  /** Advisory file locks (fcntl record locks and flock), for every scheme. */
  readonly locks = new LockTable(this.procs, this.release);

  /** Resolves a path for `p` to its scheme, checking the namespace. */
  resolve(p: Process, path: string): Result<{ scheme: Scheme; ref: string; canonical: string }> {
    const canonical = canonicalize(p.cwd, path);
    if (isErr(canonical)) return canonical;
    const r = splitScheme(canonical);
    if (!p.ns.has(r.scheme)) return E.EACCES;
    const scheme = this.schemes.get(r.scheme);
    if (!scheme || scheme.dead) return E.ENOENT;
    return { scheme, ref: r.ref, canonical };
  }

  // ---- processes ---------------------------------------------------------------------------

  private allocPid(): Result<number> {
    if (this.procs.size >= params.maxProcs) return E.EAGAIN;
    for (;;) {
      const pid = this.nextPid++;
      if (this.nextPid > 0x3fffffff) this.nextPid = 2;
      if (!this.procs.has(pid)) {
        this.recentExits.delete(pid);
        return pid;
      }
    }
  }

  childQueue(pid: number): WaitQueue {
    let q = this.childQueues.get(pid);
    if (!q) this.childQueues.set(pid, (q = new WaitQueue()));
    return q;
  }

  /**
   * Starts a process. `parent` null means the kernel starts it (init, tests): its exit is then
   * reported through `waitExit`. Everything is checked before a thread is taken.
   */
  async spawn(parent: Process | null, req: SpawnRequest): Promise<Result<Process>> {
    if (this.down) return E.EAGAIN;
    const as = parent ?? this.kernelContext();
    if (req.uid !== -1 || req.gid !== -1) {
      if (as.euid !== 0) return E.EPERM;
    }
    const image = await loadImage(this, as, req.path, req.argv);
    if (isErr(image)) return image;
    if (parent && !parent.alive) return E.ESRCH;
    const pid = this.allocPid();
    if (isErr(pid)) return pid;
    const ns = req.ns ? (parent?.ns ?? Namespace.all()).narrow(req.ns) : parent?.ns ?? Namespace.all();
    const p = new Process(pid, parent, this.host.now(), ns, this.release);
    p.fds.onDrop = (d) => this.locks.dropped(pid, d);
    if (req.filter) {
      const f = new Uint8Array(256);
      for (const nr of req.filter) if (nr < 256 && (!parent?.filter || parent.filter[nr] === 1)) f[nr] = 1;
      p.filter = f;
    }
    if (req.uid !== -1) p.uid = p.euid = req.uid;
    if (req.gid !== -1) p.gid = p.egid = req.gid;
    // A set-user-id program runs with its owner's effective id (its caller's stays the real one).
    if (image.setuid !== null) p.euid = image.setuid;
    if (image.setgid !== null) p.egid = image.setgid;
    if (req.cwd) {
      const c = canonicalize(as.cwd, req.cwd);
      if (isErr(c)) return c;
      p.cwd = c;
    }
    if (req.flags & SpawnFlags.SETSID) p.sid = p.pgid = pid;
    else if (req.flags & SpawnFlags.SETPGID) p.pgid = req.pgid === 0 ? pid : req.pgid;
    // Ignored signals stay ignored across spawn, as across fork+exec.
    if (parent) for (let s = 1; s < p.sigactions.length; s++) if (parent.sigactions[s] === SIG_IGN) p.sigactions[s] = SIG_IGN;
    p.sigblocked = parent?.sigblocked ?? 0;

    // Descriptors come from the parent's table (the kernel's own, for processes it starts).
    if (req.flags & SpawnFlags.INHERIT_FDS) {
      for (const [fd, e] of as.fds.entries()) if (!(e.fdflags & 1)) p.fds.set(fd, e.desc);
    }
    const mapped = req.fds.map(([c, pfd]) => [c, as.fds.get(pfd)] as const);
    for (const [c, e] of mapped) {
      if (!e || c >= params.maxFds) {
        p.fds.closeAll();
        return E.EBADF;
      }
    }
    for (const [c, e] of mapped) p.fds.set(c, e!.desc);

    this.procs.set(pid, p);
    (parent ? parent.children : this.kernelChildren).add(p);
    p.path = image.path;
    p.argv = image.argv;
    const r = await this.startThread(p, image.image, image.argv, req.env);
    if (isErr(r)) {
      this.procs.delete(pid);
      (parent ? parent.children : this.kernelChildren).delete(p);
      p.fds.closeAll();
      return r;
    }
    return p;
  }

  /** Replaces the program of `p` in place: same pid, descriptors (less close-on-exec ones). */
  async exec(p: Process, req: SpawnRequest): Promise<Result<never>> {
    const image = await loadImage(this, p, req.path, req.argv);
    if (isErr(image)) return image;
    if (!p.alive) return E.ESRCH;
    const old = p.thread;
    this.dispatcher.unwatch(p);
    p.thread = null;
    p.channel = null;
    old?.release();
    this.releaseRings(p);
    p.fds.closeOnExec();
    for (let s = 1; s < p.sigactions.length; s++) if (p.sigactions[s] === SIG_HANDLER) p.sigactions[s] = SIG_DFL;
    p.sigpending = 0;
    p.interruptOwed = false;
    if (image.setuid !== null) p.euid = image.setuid;
    if (image.setgid !== null) p.egid = image.setgid;
    p.path = image.path;
    p.argv = image.argv;
    p.state = ProcState.Starting;
    const r = await this.startThread(p, image.image, image.argv, req.env);
    if (isErr(r)) this.exit(p, WaitStatus.exited(127));
    return E.EAGAIN; // never seen: the caller's thread is gone
  }

  private async startThread(p: Process, image: ProgramImage, argv: string[], env: string[]): Promise<Result<0>> {
    let thread;
    try {
      thread = await this.host.acquireThread(image);
    } catch (e) {
      this.klog.log(`spawn: no process thread: ${String(e)}`);
      return E.EAGAIN;
    }
    if (!p.alive) {
      thread.terminate();
      return E.ESRCH;
    }
    const rings: StartInfo['rings'] = [];
    const fdRings: StartInfo['fdRings'] = [];
    for (const [fd, e] of p.fds.entries()) {
      const r = e.desc.ring;
      if (!r) continue;
      const ring = this.pipes.ring(r.id);
      if (!ring) continue;
      if (!p.mappedRings.has(r.id)) {
        p.mappedRings.add(r.id);
        rings.push({ id: r.id, buffer: ring.buffer });
      }
      fdRings.push({ fd, ringId: r.id, end: r.end });
    }
    for (let i = 0; i < params.spareRings; i++) {
      const ring = this.pipes.createRing();
      p.spareRings.push(ring.id);
      p.mappedRings.add(ring.id);
      rings.push({ id: ring.id, buffer: ring.buffer });
    }
    const ignored: number[] = [];
    for (let s = 1; s < p.sigactions.length; s++) if (p.sigactions[s] === SIG_IGN) ignored.push(s);
    p.thread = thread;
    p.channel = new ChannelView(thread.channel);
    p.kernelBytes = thread.channel.byteLength + rings.reduce((n, r) => n + r.buffer.byteLength, 0) + (image.kind === 'mhjs' ? image.source.length : 0);
    thread.onDeath = (reason) => {
      if (p.thread !== thread) return;
      this.klog.log(`pid ${p.pid} (${p.argv[0] ?? p.path}): thread died: ${reason}`);
      this.exit(p, WaitStatus.signaled(Sig.SIGABRT));
    };
    p.state = ProcState.Running;
    p.inflight = null;
    this.dispatcher.watch(p);
    const ns = p.ns.list();
    const preopens = image.kind === 'wasm' ? reservePreopens(this, p, ns) : undefined;
    thread.start({ pid: p.pid, path: p.path, argv, env, image, rings, fdRings, spareRings: [...p.spareRings], ignored, cwd: p.cwd, ns, preopens });
    return 0;
  }

  /** Hands `p` a fresh spare ring after it used one for pipe(). */
  replenishSpare(p: Process): void {
    if (!p.thread) return;
    const ring = this.pipes.createRing();
    p.spareRings.push(ring.id);
    p.mappedRings.add(ring.id);
    p.kernelBytes += ring.buffer.byteLength;
    p.thread.post('ring', ring.id, ring.buffer);
  }

  private releaseRings(p: Process): void {
    for (const id of p.mappedRings) this.pipes.ring(id)?.releaseLocks(p.pid);
    for (const id of p.spareRings) this.pipes.recycleSpare(id);
    p.spareRings.length = 0;
    p.mappedRings.clear();
  }

  /**
   * Ends a process with a wait status (exited(n) or signaled(sig)). `inSyscall`: it is known
   * to be waiting in a syscall (its exit call), so its thread can be reused.
   */
  exit(p: Process, status: number, inSyscall = false): void {
    if (!p.alive) return;
    const inflight = p.inflight;
    const parked = inSyscall || (p.state === ProcState.Sleeping && inflight !== null);
    p.inflight = null;
    inflight?.interrupt?.();
    p.state = ProcState.Zombie;
    p.status = status;
    this.dispatcher.unwatch(p);
    if (parked) p.thread?.release();
    else p.thread?.terminate();
    p.thread = null;
    this.releaseRings(p);
    p.channel = null;
    this.locks.releaseProcess(p.pid);
    p.fds.closeAll();
    p.contQueue.wake();
    if (WaitStatus.ifSignaled(status) && WaitStatus.termSig(status) !== Sig.SIGKILL && WaitStatus.termSig(status) !== Sig.SIGTERM && WaitStatus.termSig(status) !== Sig.SIGINT && WaitStatus.termSig(status) !== Sig.SIGPIPE) {
      this.klog.log(`pid ${p.pid} (${p.argv[0] ?? p.path}) killed by ${signalName(WaitStatus.termSig(status))}`);
    }
    // Orphans go to init (pid 1) if it lives; otherwise nobody will wait for them.
    const init = this.procs.get(1);
    for (const c of p.children) {
      if (init && init.alive && init !== p) {
        c.ppid = 1;
        init.children.add(c);
      } else {
        c.ppid = 0;
        this.kernelChildren.add(c);
        if (!c.alive) this.reapKernelChild(c);
      }
    }
    if (init && init.alive && p.children.size) this.childQueue(1).wake();
    p.children.clear();
    const parent = this.procs.get(p.ppid);
    if (p.ppid !== 0 && parent && parent.alive) {
      this.signal(parent, Sig.SIGCHLD);
      this.childQueue(parent.pid).wake();
    } else {
      this.reapKernelChild(p);
    }
  }

  private kernelChildren = new Set<Process>();

  private reapKernelChild(p: Process): void {
    this.kernelChildren.delete(p);
    this.procs.delete(p.pid);
    this.childQueues.delete(p.pid);
    const w = this.exitWaiters.get(p.pid);
    if (w) {
      this.exitWaiters.delete(p.pid);
      w(p.status);
    } else {
      // Nobody asked yet: keep the status a while for a waitExit that comes late.
      this.recentExits.set(p.pid, p.status);
      if (this.recentExits.size > 256) this.recentExits.delete(this.recentExits.keys().next().value!);
    }
    this.childQueue(0).wake();
  }

  private recentExits = new Map<number, number>();

  /** For processes the kernel started: resolves with the wait status when the process ends. */
  waitExit(pid: number): Promise<number> {
    const done = this.recentExits.get(pid);
    if (done !== undefined) {
      this.recentExits.delete(pid);
      return Promise.resolve(done);
    }
    const p = this.procs.get(pid);
    if (!p) return Promise.reject(new Error(`no process ${pid}`));
    return new Promise((resolve) => {
      const prev = this.exitWaiters.get(pid);
      this.exitWaiters.set(pid, (s) => {
        prev?.(s);
        resolve(s);
      });
    });
  }

  /** The identity the kernel uses when it acts for itself (spawning init, tests). */
  private kernelCtx: Process | null = null;
  kernelContext(): Process {
    if (!this.kernelCtx) this.kernelCtx = new Process(0, null, this.host.now(), Namespace.all(), this.release);
    return this.kernelCtx;
  }

  // ---- wait --------------------------------------------------------------------------------

  /** waitpid: [pid, status] of a child that changed state, 0 for WNOHANG, or ECHILD. */
  reapChild(p: Process, pid: number, options: number): Result<[number, number]> | null {
    let any = false;
    for (const c of p.children) {
      const match = pid > 0 ? c.pid === pid : pid === -1 ? true : pid === 0 ? c.pgid === p.pgid : c.pgid === -pid;
      if (!match) continue;
      any = true;
      if (!c.alive) {
        p.children.delete(c);
        this.procs.delete(c.pid);
        this.childQueues.delete(c.pid);
        return [c.pid, c.status];
      }
      if (c.report === 'stopped' && options & 2) {
        c.report = null;
        return [c.pid, c.status];
      }
      if (c.report === 'continued' && options & 8) {
        c.report = null;
        return [c.pid, WaitStatus.continued];
      }
    }
    return any ? null : E.ECHILD;
  }

  // ---- signals -----------------------------------------------------------------------------

  /** Checks the sender's right to signal `target`, as kill(2) does. */
  maySignal(sender: Process, target: Process): boolean {
    return sender.euid === 0 || sender.uid === target.uid || sender.euid === target.uid;
  }

  signal(p: Process, sig: number): void {
    if (!p.alive || sig <= 0 || sig >= 32) return;
    if (sig === Sig.SIGKILL) return this.exit(p, WaitStatus.signaled(Sig.SIGKILL));
    if (sig === Sig.SIGSTOP) return this.stop(p, sig);
    if (sig === Sig.SIGCONT) this.cont(p);
    const action = p.sigactions[sig];
    if (action === SIG_IGN) return;
    if (action === SIG_HANDLER) {
      p.sigpending |= sigbit(sig);
      this.deliverPending(p);
      return;
    }
    switch (defaultAction(sig)) {
      case Action.Terminate:
      case Action.Core:
        return this.exit(p, WaitStatus.signaled(sig));
      case Action.Stop:
        return this.stop(p, sig);
      case Action.Continue:
      case Action.Ignore:
        return;
    }
  }

  /** Makes unblocked pending signals visible to the process and interrupts what it waits on. */
  deliverPending(p: Process): void {
    const ready = p.sigpending & ~p.sigblocked;
    if (!ready || !p.channel) return;
    Atomics.or(p.channel.ctl, Ctl.SIGPENDING, ready);
    const inflight = p.inflight;
    if (inflight?.interrupt) {
      p.inflight = null;
      inflight.interrupt();
    } else p.interruptOwed = true;
    const ring = Atomics.load(p.channel.ctl, Ctl.BLOCKED_ON);
    if (ring > 0) this.pipes.ring(ring - 1)?.view.wakeAll();
  }

  private stop(p: Process, sig: number): void {
    if (p.state === ProcState.Stopped || !p.channel) return;
    p.state = ProcState.Stopped;
    Atomics.store(p.channel.ctl, Ctl.STOPPED, 1);
    p.status = WaitStatus.stopped(sig);
    p.report = 'stopped';
    this.notifyParent(p);
  }

  private cont(p: Process): void {
    if (p.state !== ProcState.Stopped || !p.channel) return;
    p.state = p.inflight ? ProcState.Sleeping : ProcState.Running;
    Atomics.store(p.channel.ctl, Ctl.STOPPED, 0);
    const ring = Atomics.load(p.channel.ctl, Ctl.BLOCKED_ON);
    if (ring > 0) this.pipes.ring(ring - 1)?.view.wakeAll();
    p.report = 'continued';
    p.contQueue.wake();
    this.notifyParent(p);
  }

  private notifyParent(p: Process): void {
    const parent = this.procs.get(p.ppid);
    if (parent && parent.alive) {
      this.signal(parent, Sig.SIGCHLD);
      this.childQueue(parent.pid).wake();
    }
  }

  /** Sends `sig` to a pid, a process group (-pgid) or, for 0, the sender's own group. */
  kill(sender: Process, pid: number, sig: number): Result<0> {
    if (!Number.isInteger(sig) || sig < 0 || sig >= 32) return E.EINVAL;
    const targets: Process[] = [];
    if (pid > 0) {
      const t = this.procs.get(pid);
      if (!t || !t.alive) return E.ESRCH;
      targets.push(t);
    } else {
      const pgid = pid === 0 ? sender.pgid : pid === -1 ? -1 : -pid;
      for (const t of this.procs.values()) if (t.alive && t.pid !== 1 && (pgid === -1 ? t !== sender : t.pgid === pgid)) targets.push(t);
      if (targets.length === 0) return E.ESRCH;
    }
    let sent = 0;
    for (const t of targets) {
      if (!this.maySignal(sender, t)) continue;
      sent++;
      if (sig !== 0) this.signal(t, sig);
    }
    return sent ? 0 : E.EPERM;
  }

  // ---- whole system ------------------------------------------------------------------------

  /** Stops every process and releases the host's threads; the kernel is unusable afterwards. */
  shutdown(): void {
    if (this.down) return;
    this.down = true;
    for (const p of [...this.procs.values()]) this.exit(p, WaitStatus.signaled(Sig.SIGKILL));
    for (const s of this.schemes.values()) (s as { shutdown?: () => void }).shutdown?.();
    this.dispatcher.stop();
    this.host.shutdown();
  }

  get isDown(): boolean {
    return this.down;
  }
}

