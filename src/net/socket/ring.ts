// A byte ring buffer over storage the caller allocates once. Sockets keep their send and
// receive data here; TCP also writes out-of-order data into the free space past the
// occupied part ("unallocated" writes) and commits it when the gap before it fills.
//
// Layout: bytes [read, read + length) modulo capacity are occupied; the rest is free.

export class RingBuffer {
  private read = 0;
  private len = 0;

  constructor(readonly storage: Uint8Array) {}

  static withCapacity(n: number): RingBuffer {
    return new RingBuffer(new Uint8Array(n));
  }

  get capacity(): number {
    return this.storage.length;
  }
  get length(): number {
    return this.len;
  }
  /** Free space. */
  get window(): number {
    return this.storage.length - this.len;
  }
  get isEmpty(): boolean {
    return this.len === 0;
  }
  get isFull(): boolean {
    return this.len === this.storage.length;
  }

  clear(): void {
    this.read = 0;
    this.len = 0;
  }

  /** Appends as much of src as fits; returns how much. */
  enqueue(src: Uint8Array): number {
    const n = this.writeUnallocated(0, src);
    this.len += n;
    return n;
  }

  /** Copies up to dst.length bytes out and consumes them. */
  dequeue(dst: Uint8Array): number {
    const n = this.peek(0, dst);
    this.discard(n);
    return n;
  }

  /** Copies bytes starting `offset` past the read position into dst, without consuming. */
  peek(offset: number, dst: Uint8Array, dstOffset = 0, count = dst.length - dstOffset): number {
    const cap = this.storage.length;
    const n = Math.max(0, Math.min(count, this.len - offset));
    if (n === 0) return 0;
    let at = this.read + offset;
    if (at >= cap) at -= cap;
    const first = Math.min(n, cap - at);
    dst.set(this.storage.subarray(at, at + first), dstOffset);
    if (first < n) dst.set(this.storage.subarray(0, n - first), dstOffset + first);
    return n;
  }

  /** Drops n bytes from the front. */
  discard(n: number): void {
    n = Math.min(n, this.len);
    this.read += n;
    if (this.read >= this.storage.length) this.read -= this.storage.length;
    this.len -= n;
    // The read position is not rewound when the ring empties: TCP may hold out-of-order
    // bytes in the free space just past the occupied part.
  }

  /**
   * Writes src into free space `offset` bytes past the occupied part, without making it
   * occupied. Returns how many bytes fit.
   */
  writeUnallocated(offset: number, src: Uint8Array): number {
    const cap = this.storage.length;
    const free = cap - this.len;
    const n = Math.max(0, Math.min(src.length, free - offset));
    if (n === 0) return 0;
    let at = this.read + this.len + offset;
    if (at >= cap) at -= cap;
    if (at >= cap) at -= cap;
    const first = Math.min(n, cap - at);
    this.storage.set(src.subarray(0, first), at);
    if (first < n) this.storage.set(src.subarray(first, n), 0);
    return n;
  }

  /** Makes n bytes written by writeUnallocated occupied. */
  enqueueUnallocated(n: number): void {
    this.len = Math.min(this.storage.length, this.len + n);
  }
}
