// virtio-blk (Virtio 1.2 §5.2, device ID 2) over a BlockBackend. One queue; each request is
//   header (readable, 16 bytes): type u32 @0, reserved u32 @4, sector u64 @8
//   data buffers (readable for OUT, writable for IN and GET_ID)
//   status (the last writable byte): OK 0, IOERR 1, UNSUPP 2
// Configuration space: capacity u64 @0 (512-byte sectors), size_max u32 @8, seg_max u32 @12,
// geometry @16, blk_size u32 @20. Offered features: SEG_MAX, BLK_SIZE, FLUSH, and RO for a
// read-only backend.
import type { AccessSize } from '../device.js';
import type { VirtioContext, VirtioDevice } from './mmio.js';
import type { Chain } from './queue.js';

export const VIRTIO_BLK_F_SEG_MAX = 1n << 2n;
export const VIRTIO_BLK_F_RO = 1n << 5n;
export const VIRTIO_BLK_F_BLK_SIZE = 1n << 6n;
export const VIRTIO_BLK_F_FLUSH = 1n << 9n;

export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

const HDR_TYPE = 0;
const HDR_SECTOR = 8;
const HDR_SIZE = 16;
const CFG_CAPACITY = 0;
const CFG_SEG_MAX = 12;
const CFG_BLK_SIZE = 20;
const SECTOR = 512;
const QUEUE_SIZE = 128;

/** Storage behind a virtual disk; offsets and lengths in bytes. Errors throw. */
export interface BlockBackend {
  readonly size: number;
  readonly readOnly: boolean;
  read(offset: number, into: Uint8Array): void;
  write(offset: number, data: Uint8Array): void;
  flush(): void;
}

/** A disk held in memory (tests, scratch disks). */
export class MemoryDisk implements BlockBackend {
  readonly readOnly = false;
  flushes = 0;
  constructor(readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.byteLength;
  }
  read(offset: number, into: Uint8Array): void {
    into.set(this.bytes.subarray(offset, offset + into.byteLength));
  }
  write(offset: number, data: Uint8Array): void {
    this.bytes.set(data, offset);
  }
  flush(): void {
    this.flushes++;
  }
}

export class VirtioBlk implements VirtioDevice {
  readonly deviceId = 2;
  readonly queueSizes = [QUEUE_SIZE];
  readonly features: bigint;
  private ctx: VirtioContext | undefined;
  private readonly config = new DataView(new ArrayBuffer(24));

  constructor(private readonly disk: BlockBackend, private readonly id = 'macrohard-disk') {
    this.features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | (disk.readOnly ? VIRTIO_BLK_F_RO : 0n);
    this.config.setBigUint64(CFG_CAPACITY, BigInt(Math.floor(disk.size / SECTOR)), true);
    this.config.setUint32(CFG_SEG_MAX, QUEUE_SIZE - 2, true);
    this.config.setUint32(CFG_BLK_SIZE, SECTOR, true);
  }

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
  }

  notify(q: number): void {
    const queue = this.ctx?.queues[q];
    if (!queue) return;
    let any = false;
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      queue.push(chain.head, this.serve(chain));
      any = true;
    }
    if (any) this.ctx!.interrupt(q);
  }

  /** Executes one request; returns the bytes written into the chain (data and status). */
  private serve(chain: Chain): number {
    const status = chain.writable[chain.writable.length - 1];
    if (!status || status.byteLength < 1) return 0;
    const statusAt = status.byteLength - 1;
    const hdr = chain.readable[0];
    if (!hdr || hdr.byteLength < HDR_SIZE) {
      status[statusAt] = VIRTIO_BLK_S_IOERR;
      return 1;
    }
    const dv = new DataView(hdr.buffer, hdr.byteOffset, hdr.byteLength);
    const type = dv.getUint32(HDR_TYPE, true);
    const offset = Number(dv.getBigUint64(HDR_SECTOR, true)) * SECTOR;
    // Data buffers: the writable ones minus the status byte (which may share the last buffer).
    const dataOut = [...chain.writable.slice(0, -1), status.subarray(0, statusAt)].filter((b) => b.byteLength);
    const dataIn = chain.readable.slice(1);
    let written = 0;
    let s = VIRTIO_BLK_S_OK;
    try {
      switch (type) {
        case VIRTIO_BLK_T_IN: {
          let at = offset;
          for (const b of dataOut) {
            if (at + b.byteLength > this.disk.size) throw new RangeError('read past the end of the disk');
            this.disk.read(at, b);
            at += b.byteLength;
            written += b.byteLength;
          }
          break;
        }
        case VIRTIO_BLK_T_OUT: {
          if (this.disk.readOnly) { s = VIRTIO_BLK_S_IOERR; break; }
          let at = offset;
          for (const b of dataIn) {
            if (at + b.byteLength > this.disk.size) throw new RangeError('write past the end of the disk');
            this.disk.write(at, b);
            at += b.byteLength;
          }
          break;
        }
        case VIRTIO_BLK_T_FLUSH:
          this.disk.flush();
          break;
        case VIRTIO_BLK_T_GET_ID: {
          const id = new TextEncoder().encode(this.id.slice(0, 20));
          const b = dataOut[0];
          if (b) {
            b.fill(0);
            b.set(id.subarray(0, b.byteLength));
            written = b.byteLength;
          }
          break;
        }
        default:
          s = VIRTIO_BLK_S_UNSUPP;
      }
    } catch {
      s = VIRTIO_BLK_S_IOERR;
    }
    status[statusAt] = s;
    return written + 1;
  }

  configRead(offset: number, size: AccessSize): number {
    if (offset + size > this.config.byteLength) return 0;
    return size === 1 ? this.config.getUint8(offset) : size === 2 ? this.config.getUint16(offset, true) : this.config.getUint32(offset, true);
  }

  reset(): void {
    this.ctx = undefined;
  }
}
