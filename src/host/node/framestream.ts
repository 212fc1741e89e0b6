// Ethernet frames over a byte stream (a Unix or TCP socket), so a guest's virtio-net in one
// process can plug into a switch in another: `macrohard boot --switch PATH` listens on PATH,
// `macrohard vm run --switch PATH` connects to it. The format is the one QEMU's stream
// netdev speaks: each frame is a 4-byte big-endian length followed by that many bytes.
// A length of 0 or above MAX_FRAME is a broken peer: the connection is closed.

import * as net from 'node:net';
import type { FrameSwitch, SwitchPort } from '../../hv/ethernet-switch.js';

const LEN = 4;
/** Largest frame accepted: an Ethernet frame with a VLAN tag and room to spare. */
export const MAX_FRAME = 9216;

/** Prefixes a frame with its length, ready to write. */
export function encodeFrame(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(LEN + frame.byteLength);
  new DataView(out.buffer).setUint32(0, frame.byteLength);
  out.set(frame, LEN);
  return out;
}

/** Splits a stream back into frames; `push` returns false once the stream is malformed. */
export class FrameDecoder {
  private pending = new Uint8Array(0);

  constructor(private readonly onFrame: (frame: Uint8Array) => void) {}

  push(chunk: Uint8Array): boolean {
    let buf = this.pending.byteLength ? concat(this.pending, chunk) : chunk;
    while (buf.byteLength >= LEN) {
      const n = new DataView(buf.buffer, buf.byteOffset, LEN).getUint32(0);
      if (n === 0 || n > MAX_FRAME) return false;
      if (buf.byteLength < LEN + n) break;
      this.onFrame(buf.subarray(LEN, LEN + n));
      buf = buf.subarray(LEN + n);
    }
    this.pending = buf.slice();
    return true;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

/** Wires a connected socket to a frame sink; returns the function that sends frames down it. */
export function frameSocket(sock: net.Socket, onFrame: (frame: Uint8Array) => void): (frame: Uint8Array) => void {
  const dec = new FrameDecoder(onFrame);
  sock.on('data', (b: Buffer) => {
    if (!dec.push(b)) sock.destroy(new Error('malformed frame stream'));
  });
  sock.on('error', () => {}); // the close event follows; callers watch that
  return (frame) => {
    if (!sock.destroyed) sock.write(encodeFrame(frame));
  };
}

/**
 * One port of a remote switch, reached through a stream socket: what a VMM plugs its
 * virtio-net into. Connect first; the port then carries frames both ways until closed.
 */
export class StreamSwitchPort implements FrameSwitch {
  private receive: ((frame: Uint8Array) => void) | null = null;
  private send: ((frame: Uint8Array) => void) | null = null;

  private constructor(private readonly sock: net.Socket) {}

  static connect(path: string): Promise<StreamSwitchPort> {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection(path);
      const fail = (e: Error): void => reject(new Error(`cannot reach the switch at ${path}: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      sock.once('error', fail);
      sock.once('connect', () => {
        sock.off('error', fail);
        sock.setNoDelay?.(true);
        const p = new StreamSwitchPort(sock);
        // If the switch goes away the guest runs on without a network: frames are dropped.
        p.send = frameSocket(sock, (f) => p.receive?.(f));
        resolve(p);
      });
    });
  }

  attach(receive: (frame: Uint8Array) => void): SwitchPort {
    this.receive = receive;
    return {
      send: (frame) => this.send?.(frame),
      close: () => this.close(),
    };
  }

  close(): void {
    this.receive = null;
    this.sock.destroy();
  }
}
