// The pool of process threads. Starting a worker takes tens of milliseconds; a process should
// start in well under one, so threads are kept ready — each with its sandbox context built and
// libmh evaluated — and reused: a process that ends inside a syscall hands its thread back,
// which rebuilds a fresh context and reports ready again. A thread that does not come back in
// time, or has served many processes, is terminated and replaced.

import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Ctl } from '../../abi/channel.js';
import type { ProcessThread, StartInfo } from '../../kernel/host.js';

const workerUrl = new URL('../../../worker.js', import.meta.url);
const libmhUrl = new URL('../../../libmh.js', import.meta.url);

/** How long a released thread may take to come back clean before it is terminated (ms). */
const RECYCLE_DEADLINE = 1000;
/** Processes one thread serves before it is replaced (bounds what a V8 isolate accumulates). */
const MAX_USES = 200;

class PooledWorker {
  uses = 0;
  current: NodeProcessThread | null = null;
  deadline: NodeJS.Timeout | null = null;
  dead = false;
  constructor(readonly worker: Worker) {}
}

class NodeProcessThread implements ProcessThread {
  onDeath: ((reason: string) => void) | null = null;
  private ended = false;
  /**
   * @param warm the key of the WebAssembly image the thread has instantiated ahead for its next
   *   process (the one it ran last), if any
   */
  constructor(private readonly pw: PooledWorker, readonly channel: SharedArrayBuffer, private readonly pool: ThreadPool, readonly warm: string | null) {}

  died(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.onDeath?.(reason);
  }
  start(info: StartInfo): void {
    this.pw.uses++;
    this.pw.worker.postMessage({ type: 'start', info });
  }
  post(kind: 'ring' | 'region', id: number, buffer: SharedArrayBuffer): void {
    if (!this.ended) this.pw.worker.postMessage({ type: kind, id, buffer });
  }
  terminate(): void {
    if (this.ended) return;
    this.ended = true;
    this.pool.kill(this.pw);
  }
  release(): void {
    if (this.ended) return;
    this.ended = true;
    const ctl = new Int32Array(this.channel, 0, 16);
    Atomics.store(ctl, Ctl.DEAD, 1);
    Atomics.notify(ctl, Ctl.USTATE);
    this.pool.recycle(this.pw);
  }
}

export class ThreadPool {
  private ready: NodeProcessThread[] = [];
  private starting = 0;
  /** Threads on their way back from a finished process. */
  private recycling = 0;
  private waiters: ((t: NodeProcessThread) => void)[] = [];
  private workers = new Set<PooledWorker>();
  private closed = false;
  private readonly libmhSource: string;

  constructor(private readonly size: number, private readonly resourceLimits?: { maxOldGenerationSizeMb?: number }) {
    this.libmhSource = readFileSync(libmhUrl, 'utf8');
    this.fill();
  }

  /**
   * Starts threads until the pool is full. At first only one starts, and the rest once it is
   * ready: on a small machine threads starting together slow each other, and the first one is
   * the one boot waits for (it runs init).
   */
  private fill(): void {
    const want = this.warm ? this.size + this.waiters.length : 1;
    while (!this.closed && this.ready.length + this.starting + this.recycling < want) this.startOne();
  }

  private warm = false;

  private startOne(): void {
    this.starting++;
    const worker = new Worker(workerUrl, { workerData: { libmhSource: this.libmhSource }, resourceLimits: this.resourceLimits, stdout: false, stderr: false });
    const pw = new PooledWorker(worker);
    this.workers.add(pw);
    let first = true;
    worker.on('message', (m: { type: string; channel?: SharedArrayBuffer; warm?: string | null }) => {
      if (m.type !== 'ready' || !m.channel) return;
      if (first) {
        first = false;
        this.starting--;
      }
      if (pw.deadline) {
        clearTimeout(pw.deadline);
        pw.deadline = null;
        this.recycling--;
      }
      if (this.closed || pw.dead) return;
      this.warm = true;
      const t = new NodeProcessThread(pw, m.channel, this, m.warm ?? null);
      pw.current = t;
      const waiter = this.waiters.shift();
      if (waiter) waiter(t);
      else this.ready.push(t);
      this.fill();
    });
    const gone = (reason: string): void => {
      if (pw.dead) return;
      pw.dead = true;
      this.workers.delete(pw);
      if (first) {
        first = false;
        this.starting--;
      }
      this.clearDeadline(pw);
      this.ready = this.ready.filter((t) => t !== pw.current);
      pw.current?.died(reason);
      this.fill();
    };
    worker.on('error', (e) => gone(`uncaught ${e.name}: ${e.message}`));
    worker.on('exit', (code) => gone(`thread exited with code ${code}`));
  }

  kill(pw: PooledWorker): void {
    if (pw.dead) return;
    pw.dead = true;
    this.workers.delete(pw);
    this.clearDeadline(pw);
    void pw.worker.terminate();
    this.fill();
  }

  recycle(pw: PooledWorker): void {
    if (pw.dead) return;
    if (this.closed || pw.uses >= MAX_USES) return this.kill(pw);
    pw.current = null;
    this.recycling++;
    pw.deadline = setTimeout(() => this.kill(pw), RECYCLE_DEADLINE);
    pw.worker.postMessage({ type: 'recycle' });
  }

  private clearDeadline(pw: PooledWorker): void {
    if (!pw.deadline) return;
    clearTimeout(pw.deadline);
    pw.deadline = null;
    this.recycling--;
  }

  /** A ready thread: one warm for the image `warm` names if there is one, else the oldest. */
  acquire(warm: string | null = null): Promise<ProcessThread> {
    if (this.closed) return Promise.reject(new Error('the thread pool is closed'));
    const i = warm === null ? -1 : this.ready.findIndex((r) => r.warm === warm);
    const t = i > 0 ? this.ready.splice(i, 1)[0] : this.ready.shift();
    if (t) {
      this.fill();
      return Promise.resolve(t);
    }
    const p = new Promise<ProcessThread>((resolve) => this.waiters.push(resolve));
    this.fill();
    return p;
  }

  close(): void {
    this.closed = true;
    for (const pw of [...this.workers]) this.kill(pw);
    this.ready = [];
  }
}
