// The Node.js host: the kernel's clock, entropy, timers and process threads on Node.

import { randomFillSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Host, ProcessThread, ProgramImage } from '../../kernel/host.js';
import { ThreadPool } from './pool.js';

export interface NodeHostOptions {
  /** Process threads kept ready (default 4). */
  poolSize?: number;
  /** Heap limit of each process thread, in MiB. */
  processHeapMb?: number;
}

export class NodeHost implements Host {
  private readonly pool: ThreadPool;
  private readonly wasmCache = new Map<string, WebAssembly.Module>();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly cores = availableParallelism();

  constructor(opts: NodeHostOptions = {}) {
    this.pool = new ThreadPool(opts.poolSize ?? 4, { maxOldGenerationSizeMb: opts.processHeapMb ?? 1024 });
  }

  now(): number {
    return performance.now();
  }
  wallClock(): number {
    return Date.now();
  }
  randomFill(dst: Uint8Array): void {
    for (let off = 0; off < dst.length; off += 65536) randomFillSync(dst.subarray(off, Math.min(dst.length, off + 65536)));
  }
  acquireThread(image?: ProgramImage): Promise<ProcessThread> {
    return this.pool.acquire(image?.kind === 'wasm' ? image.key : null);
  }
  async compileWasm(bytes: Uint8Array): Promise<WebAssembly.Module> {
    const { createHash } = await import('node:crypto');
    const key = createHash('sha256').update(bytes).digest('hex');
    let m = this.wasmCache.get(key);
    if (!m) {
      m = await WebAssembly.compile(bytes);
      this.wasmCache.set(key, m);
    }
    return m;
  }
  memory(): { rss: number; heapUsed: number } {
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed };
  }
  setTimer(ms: number, fn: () => void): () => void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }
  shutdown(): void {
    this.pool.close();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
