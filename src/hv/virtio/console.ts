// virtio-console (Virtio 1.2 §5.3, device ID 3), a single port: queue 0 `receiveq` carries host
// input to the guest (/dev/hvc0), queue 1 `transmitq` guest output to the host. Input that
// arrives while the driver has posted no buffers waits in a host-side queue and is delivered
// when it posts some (its notify on receiveq).
import type { AccessSize, DeviceState } from '../device.js';
import type { VirtioContext, VirtioDevice } from './mmio.js';
import { readChain } from './queue.js';

const RECEIVEQ = 0;
const TRANSMITQ = 1;

export class VirtioConsole implements VirtioDevice {
  readonly deviceId = 3;
  readonly features = 0n;
  readonly queueSizes = [64, 64];
  private ctx: VirtioContext | undefined;
  private pending: number[] = [];

  constructor(private readonly output: (bytes: Uint8Array) => void) {}

  /** Host input for the guest. */
  input(bytes: Uint8Array): void {
    for (const b of bytes) this.pending.push(b);
    this.deliver();
  }

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
    this.deliver();
  }

  notify(q: number): void {
    const queue = this.ctx?.queues[q];
    if (!queue) return;
    if (q === RECEIVEQ) {
      this.deliver();
      return;
    }
    if (q !== TRANSMITQ) return;
    let any = false;
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      this.output(readChain(chain).slice());
      queue.push(chain.head, 0);
      any = true;
    }
    if (any) this.ctx!.interrupt(q);
  }

  private deliver(): void {
    const queue = this.ctx?.queues[RECEIVEQ];
    if (!queue || !this.pending.length) return;
    let any = false;
    while (this.pending.length && queue.hasWork) {
      const chain = queue.pop()!;
      let n = 0;
      for (const b of chain.writable) {
        const k = Math.min(b.byteLength, this.pending.length);
        b.set(this.pending.splice(0, k));
        n += k;
        if (!this.pending.length) break;
      }
      queue.push(chain.head, n);
      any = true;
    }
    if (any) this.ctx!.interrupt(RECEIVEQ);
  }

  configRead(_offset: number, _size: AccessSize): number {
    return 0;
  }

  reset(): void {
    this.ctx = undefined;
  }

  save(): DeviceState {
    return { pending: [...this.pending] };
  }

  restore(s: DeviceState): void {
    this.pending = [...((s['pending'] as number[]) ?? [])];
  }
}
