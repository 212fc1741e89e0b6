// Guest RAM as the device layer sees it: one contiguous block of guest physical memory backed by
// an ArrayBuffer the engine owns (a slice of the RISC-V core's WebAssembly memory; for KVM, the
// mmap'd buffer handed to KVM_SET_USER_MEMORY_REGION). Devices do DMA through it (virtio rings,
// disk buffers), loaders copy kernels into it; neither needs to know which engine runs the CPU.

export class GuestRam {
  readonly view: DataView;

  /** `bytes` must stay valid for the machine's life; an engine whose buffer can move rebuilds the GuestRam. */
  constructor(readonly base: number, readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  get end(): number {
    return this.base + this.bytes.byteLength;
  }

  contains(pa: number, len = 1): boolean {
    return pa >= this.base && len >= 0 && pa + len <= this.end;
  }

  /** Offset of `pa` inside `bytes`; throws a RangeError for a range outside RAM (a bug or a bad guest request the caller must refuse first). */
  offset(pa: number, len = 1): number {
    if (!this.contains(pa, len)) throw new RangeError(`guest physical 0x${pa.toString(16)}+${len} is outside RAM`);
    return pa - this.base;
  }

  /** A view (not a copy) of `len` bytes at `pa`. */
  slice(pa: number, len: number): Uint8Array {
    const o = this.offset(pa, len);
    return this.bytes.subarray(o, o + len);
  }

  write(pa: number, data: Uint8Array): void {
    this.bytes.set(data, this.offset(pa, data.byteLength));
  }

  read(pa: number, len: number): Uint8Array {
    return this.slice(pa, len).slice();
  }

  u8(pa: number): number { return this.view.getUint8(this.offset(pa, 1)); }
  u16(pa: number): number { return this.view.getUint16(this.offset(pa, 2), true); }
  u32(pa: number): number { return this.view.getUint32(this.offset(pa, 4), true); }
  u64(pa: number): bigint { return this.view.getBigUint64(this.offset(pa, 8), true); }
  setU8(pa: number, v: number): void { this.view.setUint8(this.offset(pa, 1), v); }
  setU16(pa: number, v: number): void { this.view.setUint16(this.offset(pa, 2), v, true); }
  setU32(pa: number, v: number): void { this.view.setUint32(this.offset(pa, 4), v, true); }
  setU64(pa: number, v: bigint): void { this.view.setBigUint64(this.offset(pa, 8), v, true); }
}
