// virtio-rng (Virtio 1.2 §5.4, device ID 4): one queue, `requestq`; every writable buffer the
// driver posts is filled with bytes from the host's cryptographic generator.
import type { AccessSize } from '../device.js';
import type { VirtioContext, VirtioDevice } from './mmio.js';

export class VirtioRng implements VirtioDevice {
  readonly deviceId = 4;
  readonly features = 0n;
  readonly queueSizes = [64];
  private ctx: VirtioContext | undefined;

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
  }

  notify(q: number): void {
    const queue = this.ctx?.queues[q];
    if (!queue) return;
    let any = false;
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      let n = 0;
      for (const b of chain.writable) {
        // getRandomValues fills at most 65536 bytes per call.
        for (let off = 0; off < b.byteLength; off += 65536) crypto.getRandomValues(b.subarray(off, Math.min(off + 65536, b.byteLength)));
        n += b.byteLength;
      }
      queue.push(chain.head, n);
      any = true;
    }
    if (any) this.ctx!.interrupt(q);
  }

  configRead(_offset: number, _size: AccessSize): number {
    return 0;
  }

  reset(): void {
    this.ctx = undefined;
  }
}
