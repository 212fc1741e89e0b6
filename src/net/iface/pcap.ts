// A device wrapper that records every frame it passes, both ways, in the classic pcap format
// (libpcap 2.4, microsecond timestamps, LINKTYPE_ETHERNET) so Wireshark or tcpdump can read
// a test's traffic. Records go to a sink function; a test keeps them in memory, a tool can
// write them to a file.
//
//   global header: magic a1b2c3d4, version 2.4, thiszone 0, sigfigs 0, snaplen, linktype 1
//   record: ts_sec, ts_usec, incl_len, orig_len, then the frame
import type { Device, DeviceCaps } from './device.js';

const LINKTYPE_ETHERNET = 1;

export class PcapWriter implements Device {
  readonly caps: DeviceCaps;
  private readonly header = new Uint8Array(16);
  private readonly view = new DataView(this.header.buffer);
  frames = 0;

  constructor(readonly inner: Device, private readonly sink: (chunk: Uint8Array) => void, readonly snaplen = 65_535) {
    this.caps = inner.caps;
    const g = new Uint8Array(24);
    const v = new DataView(g.buffer);
    // Written little-endian; readers detect byte order from the magic number.
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, snaplen, true);
    v.setUint32(20, LINKTYPE_ETHERNET, true);
    sink(g);
  }

  private record(now: number, frame: Uint8Array): void {
    const usec = Math.round(now * 1000);
    const incl = Math.min(frame.length, this.snaplen);
    this.view.setUint32(0, Math.floor(usec / 1e6), true);
    this.view.setUint32(4, usec % 1e6, true);
    this.view.setUint32(8, incl, true);
    this.view.setUint32(12, frame.length, true);
    this.sink(this.header.slice());
    this.sink(frame.slice(0, incl));
    this.frames++;
  }

  receive(now: number): Uint8Array | null {
    const f = this.inner.receive(now);
    if (f) this.record(now, f);
    return f;
  }

  transmit(now: number, frame: Uint8Array): boolean {
    this.record(now, frame);
    return this.inner.transmit(now, frame);
  }
}
