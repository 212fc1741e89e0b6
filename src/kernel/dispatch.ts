// The dispatcher: takes syscall frames off process channels and answers them, without ever
// blocking the kernel's thread.
//
// Each live channel has one Atomics.waitAsync pending on its KSTATE word, so an idle system
// costs nothing. When a request arrives the dispatcher handles it and then keeps polling the
// channels of running processes for a short while (params.spinIdleMs): under a syscall-heavy
// load the next request is usually there within a microsecond, and answering it from the poll
// loop avoids a thread wake-up on both sides. While it polls it sets KSPIN on the channels so
// their processes skip the notify. The loop yields to the event loop every params.spinSliceMs
// so that timers, thread messages and parked calls' promises keep moving.
//
// A handler answers at once (a number, or an Err), later (a Promise, or a daemon's Completion,
// which answers the caller synchronously from inside the daemon's write), or "not yet"
// (WouldBlock): the call is then parked on wait queues, re-run when one wakes, and ended with
// EINTR if a signal with a handler arrives first. Whether a waiting caller spins or sleeps
// depends on the wait and on the cores there are (see settle).

import { Ctl, DATA_SIZE } from '../abi/channel.js';
import { E, Err } from '../abi/errno.js';
import { WaitStatus } from '../abi/flags.js';
import { Sys, sysNames, SYS_MAX } from '../abi/syscall.js';
import { signalName, Sig } from '../abi/signal.js';
import { Call } from './call.js';
import type { Kernel } from './kernel.js';
import { params } from './params.js';
import { ProcState, type Process } from './process.js';
import type { Answer } from './scheme.js';
import { table } from './syscalls/index.js';
import { Completion, KernelBug } from './completion.js';
import { Wait, WouldBlock } from './waitqueue.js';

/** A handler's answer: the result word (or an Err), now or later. */
export type SysAnswer = Answer<number>;
export type Handler = (k: Kernel, p: Process, c: Call) => SysAnswer;

const handlers: (Handler | undefined)[] = (() => {
  const a: (Handler | undefined)[] = new Array(SYS_MAX + 1).fill(undefined);
  for (const [name, nr] of Object.entries(Sys)) a[nr] = table[name as keyof typeof Sys];
  return a;
})();

interface Watched {
  p: Process;
  call: Call;
  /** Bumped when the process's channel changes (exec) or it dies, to drop stale wake-ups. */
  epoch: number;
}

export class Dispatcher {
  private watched = new Map<number, Watched>();
  /** Watched processes whose channel might receive a request (not parked, not stopped). */
  private running: Watched[] = [];
  private pumping = false;
  /** Set when work waits on the microtask queue (a settled promise); the poll loop yields. */
  microtasksWaiting = false;
  private scheduled = false;
  private stopped = false;
  private epochs = 0;

  /**
   * Whether a caller, the kernel and a daemon can each have a core. Only then may a caller
   * spin for a daemon's answer and a daemon spin for its next request: on two cores the
   * third spinning thread would take the core of one that has work (a woken caller lands on
   * the kernel's core, say, and spins while the kernel cannot run), so there they sleep, and
   * each hand-off is a futex wake onto the idle core.
   */
  private readonly coreEach: boolean;

  constructor(private readonly k: Kernel) {
    this.coreEach = (k.host.cores ?? 1) >= params.spinPeersMinCores;
  }

  watch(p: Process): void {
    if (!p.channel) return;
    const w: Watched = { p, call: new Call(p.channel), epoch: ++this.epochs };
    this.watched.set(p.pid, w);
    this.arm(w);
  }

  unwatch(p: Process): void {
    const w = this.watched.get(p.pid);
    if (!w) return;
    w.epoch = -1;
    this.watched.delete(p.pid);
    // Resolve the pending waitAsync so no promise outlives the channel.
    Atomics.notify(w.call.view.ctl, Ctl.KSTATE);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watched.values()) {
      w.epoch = -1;
      Atomics.notify(w.call.view.ctl, Ctl.KSTATE);
    }
    this.watched.clear();
  }

  private arm(w: Watched): void {
    const epoch = w.epoch;
    const r = Atomics.waitAsync(w.call.view.ctl, Ctl.KSTATE, 0);
    if (!r.async) {
      // A request is already posted: take it from a macrotask (never a microtask loop, which
      // would starve the event loop) and arm again once it is taken.
      setImmediate(() => {
        if (w.epoch !== epoch || this.stopped) return;
        this.pump();
        this.arm(w);
      });
      return;
    }
    void r.value.then(() => {
      if (w.epoch !== epoch || this.stopped) return;
      this.pump();
      if (w.epoch === epoch) this.arm(w);
    });
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Handles posted requests, then polls briefly for more before sleeping again. */
  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    const start = performance.now();
    const running = this.running;
    running.length = 0;
    for (const w of this.watched.values()) running.push(w);
    for (const w of running) Atomics.store(w.call.view.ctl, Ctl.KSPIN, 1);
    try {
      // Reading the clock costs more than a round of polling: look at it every 64 rounds.
      let rounds = 0;
      let lastFound = 0;
      let idleSince = -1;
      for (;;) {
        rounds++;
        for (let i = 0; i < running.length; i++) {
          const w = running[i]!;
          if (w.epoch > 0 && Atomics.load(w.call.view.ctl, Ctl.KSTATE) === 1) {
            lastFound = rounds;
            this.take(w);
          }
        }
        if (this.microtasksWaiting) {
          // A promise was settled (a daemon answered, say): its reply is a microtask, and
          // microtasks run only when this loop returns. Return now and poll again right after.
          this.microtasksWaiting = false;
          this.schedule();
          break;
        }
        if ((rounds & 63) !== 0) continue;
        const t = performance.now();
        if (t - start > params.spinSliceMs) {
          this.schedule();
          break;
        }
        if (rounds - lastFound < 64) idleSince = -1;
        else if (idleSince < 0) idleSince = t;
        else if (t - idleSince > params.spinIdleMs) break;
      }
    } finally {
      for (const w of running) Atomics.store(w.call.view.ctl, Ctl.KSPIN, 0);
      this.pumping = false;
    }
    // A request posted while KSPIN was being cleared skipped its notify: look once more.
    for (const w of running) {
      if (w.epoch > 0 && Atomics.load(w.call.view.ctl, Ctl.KSTATE) === 1) {
        this.schedule();
        break;
      }
    }
  }

  private take(w: Watched): void {
    const ctl = w.call.view.ctl;
    Atomics.store(ctl, Ctl.KSTATE, 0);
    const p = w.p;
    p.syscalls++;
    if (p.state === ProcState.Stopped) {
      // A stopped process runs no further syscall until it is continued.
      const remove = p.contQueue.add(() => w.epoch > 0 && this.run(w));
      p.inflight = { nr: w.call.nr, interrupt: remove };
      return;
    }
    this.run(w);
  }

  private run(w: Watched): void {
    const { p, call } = w;
    const nr = call.nr;
    const inLen = call.inLen;
    let answer: SysAnswer;
    if (!(nr >= 0 && nr <= SYS_MAX) || handlers[nr] === undefined) answer = E.ENOSYS;
    else if (!(inLen >= 0 && inLen <= DATA_SIZE)) answer = E.EINVAL;
    else if (!p.allows(nr)) {
      this.k.klog.log(`audit: pid ${p.pid} (${p.argv[0] ?? p.path}) called ${sysNames[nr]} outside its syscall filter: killed by ${signalName(Sig.SIGSYS)}`);
      this.k.exit(p, WaitStatus.signaled(Sig.SIGSYS));
      return;
    } else {
      call.setOut(0);
      try {
        answer = handlers[nr]!(this.k, p, call);
      } catch (e) {
        // A throw is a kernel bug; it fails this call and nothing else.
        this.k.klog.log(`BUG: ${sysNames[nr]} from pid ${p.pid} threw: ${(e as Error).stack ?? String(e)}`);
        answer = E.EIO;
      }
    }
    this.settle(w, answer);
  }

  private settle(w: Watched, answer: SysAnswer): void {
    if (answer instanceof WouldBlock) {
      // A short wait is spun only where the thread that ends it has a core of its own.
      if (answer.wait === Wait.Long || !this.coreEach) Atomics.store(w.call.view.ctl, Ctl.SLOW, 1);
      return this.park(w, answer);
    }
    if (answer instanceof Completion) {
      // A daemon's answer arrives inside its write, while this loop runs: with a core for each
      // thread the caller spins for it as for a kernel call (unless the daemon is in a long
      // wait itself).
      if (!this.coreEach || this.serverSlow(answer.server)) Atomics.store(w.call.view.ctl, Ctl.SLOW, 1);
      const done = this.later(w, answer);
      answer.listen(done);
      return;
    }
    if (answer instanceof Promise) {
      Atomics.store(w.call.view.ctl, Ctl.SLOW, 1);
      this.microtasksWaiting = true;
      const done = this.later(w, answer);
      answer.then(done, (e: unknown) => done(new KernelBug(e)));
      return;
    }
    this.reply(w, answer);
  }

  /** Whether the daemon serving a call is in a long wait (or gone, or stopped). */
  private serverSlow(pid: number): boolean {
    const d = this.watched.get(pid);
    return d === undefined || d.p.state === ProcState.Stopped || Atomics.load(d.call.view.ctl, Ctl.SLOW) !== 0;
  }

  /**
   * Puts the caller to sleep until an answer comes, and returns what delivers it: at most
   * once, and not after a signal has interrupted the call or the process has changed.
   */
  private later(w: Watched, answer: Promise<unknown> & { cancel?: () => void }): (v: number | Err) => void {
    const { p } = w;
    const epoch = w.epoch;
    let done = false;
    p.state = ProcState.Sleeping;
    p.inflight = {
      nr: w.call.nr,
      interrupt: () => {
        if (done) return;
        done = true;
        answer.cancel?.();
        if (w.epoch === epoch) this.reply(w, E.EINTR);
      },
    };
    this.interruptIfOwed(p);
    return (v) => {
      if (done || w.epoch !== epoch) return;
      done = true;
      if (v instanceof KernelBug) {
        const e = v.error as Error | undefined;
        this.k.klog.log(`BUG: ${sysNames[w.call.nr]} from pid ${p.pid} failed: ${e?.stack ?? String(e)}`);
      }
      this.reply(w, v);
    };
  }

  private park(w: Watched, wb: WouldBlock): void {
    const { p } = w;
    const epoch = w.epoch;
    const removers: (() => void)[] = [];
    const unpark = (): void => {
      for (const r of removers) r();
      removers.length = 0;
    };
    const retry = (): void => {
      unpark();
      if (w.epoch !== epoch) return;
      p.inflight = null;
      this.run(w);
    };
    for (const q of wb.queues) removers.push(q.add(retry));
    p.state = ProcState.Sleeping;
    p.inflight = {
      nr: w.call.nr,
      interrupt: () => {
        unpark();
        if (w.epoch === epoch) this.reply(w, E.EINTR);
      },
    };
    this.interruptIfOwed(p);
  }

  /**
   * A signal that came while the process had no parked call interrupts the wait it starts now
   * (a daemon's next read, say, posted before init's SIGTERM and taken after), as a sleep
   * that begins with a signal pending ends at once in Linux. Once: a handler's own waits then
   * park as usual.
   */
  private interruptIfOwed(p: Process): void {
    if (!p.interruptOwed) return;
    p.interruptOwed = false;
    if ((p.sigpending & ~p.sigblocked) === 0) return;
    const inflight = p.inflight;
    p.inflight = null;
    inflight?.interrupt?.();
  }

  private reply(w: Watched, v: number | Err): void {
    const { p, call } = w;
    if (w.epoch <= 0 || !p.channel) return;
    p.inflight = null;
    if (p.state === ProcState.Sleeping) p.state = ProcState.Running;
    const view = call.view;
    view.ctl[Ctl.SLOW] = 0;
    if (v instanceof Err) {
      view.result[0] = -v.errno;
      view.ctl[Ctl.OUT_LEN] = 0;
    } else {
      view.result[0] = v;
    }
    Atomics.store(view.ctl, Ctl.USTATE, 1);
    Atomics.notify(view.ctl, Ctl.USTATE);
  }
}
