// A kernel booted for a benchmark, with the test programs, and the one number a benchmark
// program prints.
import { bootKernel, type TestKernel } from '../tests/kernel-harness.js';

export class Session {
  k: TestKernel | null = null;
  start(poolSize = 4): void {
    this.k = bootKernel(poolSize);
  }
  async measure(args: string[]): Promise<number> {
    const r = await this.k!.run('bench', ['bench', ...args]);
    const v = Number(r.stdout.trim());
    if (r.code !== 0 || !Number.isFinite(v)) throw new Error(`bench ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
    return v;
  }
  stop(): void {
    this.k?.shutdown();
    this.k = null;
  }
}
