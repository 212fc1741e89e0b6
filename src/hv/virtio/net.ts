// virtio-net (Virtio 1.2 §5.1, device ID 1), one queue pair on a switch port (FrameSwitch):
// queue 0 receiveq, queue 1 transmitq. Every buffer starts with struct virtio_net_hdr_v1
// (12 bytes: flags u8, gso_type u8, hdr_len u16, gso_size u16, csum_start u16, csum_offset u16,
// num_buffers u16). Checksum offload both ways: with CSUM the driver may hand frames whose
// TCP/UDP checksum holds only the pseudo-header sum (flags NEEDS_CSUM, csum_start,
// csum_offset), and the device completes it — the host's JavaScript sums faster than an
// interpreted guest; with GUEST_CSUM received frames are marked DATA_VALID, since nothing
// between the switch and the guest can corrupt them (the stacks behind the switch send full
// checksums, and guests' frames are completed here before they leave). No segmentation
// offloads. Configuration space: mac[6] @0, status u16 @6.
// Frames that arrive while the guest has no receive buffers wait in a short host-side queue and
// are dropped beyond it, as a NIC drops when its ring is full.
import type { AccessSize, DeviceState } from '../device.js';
import type { FrameSwitch, SwitchPort } from '../ethernet-switch.js';
import type { VirtioContext, VirtioDevice } from './mmio.js';
import { readChain, writeToChain } from './queue.js';
import { fold, sum16 } from '../../net/wire/bytes.js';

export const VIRTIO_NET_F_CSUM = 1n << 0n;
export const VIRTIO_NET_F_GUEST_CSUM = 1n << 1n;
export const VIRTIO_NET_F_MAC = 1n << 5n;
export const VIRTIO_NET_F_STATUS = 1n << 16n;
const VIRTIO_NET_S_LINK_UP = 1;
const NET_HDR_SIZE = 12;
const HDR_FLAGS = 0;
const HDR_CSUM_START = 6;
const HDR_CSUM_OFFSET = 8;
const HDR_NUM_BUFFERS = 10;
const HDR_F_NEEDS_CSUM = 1;
const HDR_F_DATA_VALID = 2;
const CFG_MAC = 0;
const CFG_STATUS = 6;
const RECEIVEQ = 0;
const TRANSMITQ = 1;
const BACKLOG = 64;

export class VirtioNet implements VirtioDevice {
  readonly deviceId = 1;
  readonly features = VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS;
  readonly queueSizes = [256, 256];
  private ctx: VirtioContext | undefined;
  private readonly port: SwitchPort;
  private backlog: Uint8Array[] = [];
  private readonly config = new Uint8Array(8);
  rxDropped = 0;

  constructor(sw: FrameSwitch, readonly mac: Uint8Array) {
    if (mac.byteLength !== 6 || mac[0]! & 1) throw new RangeError('a NIC needs a 6-byte unicast MAC address');
    this.config.set(mac, CFG_MAC);
    new DataView(this.config.buffer).setUint16(CFG_STATUS, VIRTIO_NET_S_LINK_UP, true);
    this.port = sw.attach((frame) => this.receive(frame));
  }

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
    this.deliver();
  }

  notify(q: number): void {
    if (q === RECEIVEQ) {
      this.deliver();
      return;
    }
    const queue = this.ctx?.queues[TRANSMITQ];
    if (q !== TRANSMITQ || !queue) return;
    let any = false;
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      const bytes = readChain(chain);
      if (bytes.byteLength > NET_HDR_SIZE) this.port.send(this.completeChecksum(bytes));
      queue.push(chain.head, 0);
      any = true;
    }
    if (any) this.ctx!.interrupt(TRANSMITQ);
  }

  /** The frame of a transmitted buffer, its checksum completed when the driver asked. */
  private completeChecksum(buf: Uint8Array): Uint8Array {
    const frame = buf.subarray(NET_HDR_SIZE);
    if (!(buf[HDR_FLAGS]! & HDR_F_NEEDS_CSUM) || !(this.ctx!.features & VIRTIO_NET_F_CSUM)) return frame;
    const hdr = new DataView(buf.buffer, buf.byteOffset, NET_HDR_SIZE);
    const start = hdr.getUint16(HDR_CSUM_START, true);
    const at = start + hdr.getUint16(HDR_CSUM_OFFSET, true);
    if (at + 2 > frame.byteLength) return frame; // a nonsense offset: send as is, the peer drops it
    // The buffer is the driver's: complete a copy. 0 is sent as 0xffff (the same in ones' complement).
    const out = frame.slice();
    const sum = fold(sum16(out, start, out.byteLength)) || 0xffff;
    out[at] = sum >> 8;
    out[at + 1] = sum & 0xff;
    return out;
  }

  private receive(frame: Uint8Array): void {
    if (this.backlog.length >= BACKLOG) {
      this.rxDropped++;
      return;
    }
    // The frame is borrowed: a switch may reuse its buffer once this returns.
    this.backlog.push(frame.slice());
    this.deliver();
  }

  private deliver(): void {
    const queue = this.ctx?.queues[RECEIVEQ];
    if (!queue) return;
    let any = false;
    while (this.backlog.length && queue.hasWork) {
      const chain = queue.pop()!;
      const frame = this.backlog.shift()!;
      const packet = new Uint8Array(NET_HDR_SIZE + frame.byteLength);
      new DataView(packet.buffer).setUint16(HDR_NUM_BUFFERS, 1, true);
      if (this.ctx!.features & VIRTIO_NET_F_GUEST_CSUM) packet[HDR_FLAGS] = HDR_F_DATA_VALID;
      packet.set(frame, NET_HDR_SIZE);
      const n = writeToChain(chain, packet);
      if (n < packet.byteLength) this.rxDropped++; // buffer too small: the guest sees a truncated frame it will discard
      queue.push(chain.head, n);
      any = true;
    }
    if (any) this.ctx!.interrupt(RECEIVEQ);
  }

  configRead(offset: number, size: AccessSize): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | (this.config[offset + i] ?? 0);
    return v >>> 0;
  }

  reset(): void {
    this.ctx = undefined;
    this.backlog = [];
  }

  save(): DeviceState {
    return { backlog: this.backlog.map((f) => Array.from(f)) };
  }

  restore(s: DeviceState): void {
    this.backlog = ((s['backlog'] as number[][]) ?? []).map((f) => Uint8Array.from(f));
  }
}
