// The pool of pre-started process threads. Starting a worker takes some 15 ms; a process
// should start in well under one, so a few threads are kept ready — each with its sandbox
// context built and libmh evaluated — and a replacement starts as soon as one is taken.

import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ProcessThread, StartInfo } from '../../kernel/host.js';

const workerUrl = new URL('../../runtime/worker.js', import.meta.url);
const libmhUrl = new URL('../../../libmh.js', import.meta.url);

class NodeProcessThread implements ProcessThread {
  onDeath: ((reason: string) => void) | null = null;
  private ended = false;
  constructor(private readonly worker: Worker, readonly channel: SharedArrayBuffer) {
    worker.on('error', (e) => this.die(`uncaught ${e.name}: ${e.message}`));
    worker.on('exit', (code) => this.die(`thread exited with code ${code}`));
  }
  private die(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.onDeath?.(reason);
  }
  start(info: StartInfo): void {
    this.worker.postMessage({ type: 'start', info });
  }
  post(kind: 'ring' | 'region', id: number, buffer: SharedArrayBuffer): void {
    if (!this.ended) this.worker.postMessage({ type: kind, id, buffer });
  }
  terminate(): void {
    if (this.ended) return;
    this.ended = true;
    void this.worker.terminate();
  }
}

export class ThreadPool {
  private ready: NodeProcessThread[] = [];
  private starting = 0;
  private waiters: ((t: NodeProcessThread) => void)[] = [];
  private all = new Set<Worker>();
  private closed = false;
  private readonly libmhSource: string;

  constructor(private readonly size: number, private readonly resourceLimits?: { maxOldGenerationSizeMb?: number }) {
    this.libmhSource = readFileSync(libmhUrl, 'utf8');
    this.fill();
  }

  private fill(): void {
    while (!this.closed && this.ready.length + this.starting < this.size + this.waiters.length) this.startOne();
  }

  private startOne(): void {
    this.starting++;
    const w = new Worker(workerUrl, { workerData: { libmhSource: this.libmhSource }, resourceLimits: this.resourceLimits, stdout: false, stderr: false });
    this.all.add(w);
    w.once('exit', () => this.all.delete(w));
    w.once('message', (m: { type: string; channel: SharedArrayBuffer }) => {
      this.starting--;
      if (this.closed) {
        void w.terminate();
        return;
      }
      const t = new NodeProcessThread(w, m.channel);
      const waiter = this.waiters.shift();
      if (waiter) waiter(t);
      else this.ready.push(t);
      this.fill();
    });
    w.once('error', () => {
      this.starting--;
      this.fill();
    });
  }

  acquire(): Promise<ProcessThread> {
    if (this.closed) return Promise.reject(new Error('the thread pool is closed'));
    const t = this.ready.shift();
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
    for (const w of this.all) void w.terminate();
    this.ready = [];
  }
}
