// An in-process Ethernet switch: the back end that virtio-net devices plug into until the
// network stack (src/net) offers the host's network. It learns which port each source MAC
// address came from and forwards a frame to the port of its destination, or floods it to every
// other port when the destination is unknown, broadcast or multicast. Ports are plain callbacks,
// so a test harness can be a port as well as a guest.
//
// Frame layout used here: destination MAC bytes 0-5, source MAC bytes 6-11 (the rest is opaque).

const ETH_DST = 0;
const ETH_SRC = 6;
const ETH_HEADER = 14;

export interface SwitchPort {
  /** Sends a frame into the switch from this port. */
  send(frame: Uint8Array): void;
  /** Detaches the port; frames are no longer delivered to it. */
  close(): void;
}

/**
 * Anything a virtio-net device can plug into: this in-process switch, a port of MACROHARD's
 * switch reached over a stream socket (src/host/node/framestream.ts), a kernel nic link.
 * `receive` gets frames borrowed for the call.
 */
export interface FrameSwitch {
  attach(receive: (frame: Uint8Array) => void): SwitchPort;
}

const macKey = (f: Uint8Array, at: number): string => Array.from(f.subarray(at, at + 6), (b) => b.toString(16).padStart(2, '0')).join(':');

export class EthernetSwitch implements FrameSwitch {
  private readonly ports = new Map<number, (frame: Uint8Array) => void>();
  private readonly table = new Map<string, number>();
  private nextId = 1;
  /** Frames forwarded and dropped (malformed), for tests and statistics. */
  forwarded = 0;
  dropped = 0;

  /** Attaches a receiver; returns the port it sends through. */
  attach(receive: (frame: Uint8Array) => void): SwitchPort {
    const id = this.nextId++;
    this.ports.set(id, receive);
    return {
      send: (frame) => this.forward(id, frame),
      close: () => {
        this.ports.delete(id);
        for (const [mac, port] of this.table) if (port === id) this.table.delete(mac);
      },
    };
  }

  private forward(from: number, frame: Uint8Array): void {
    if (frame.byteLength < ETH_HEADER) {
      this.dropped++;
      return;
    }
    const src = macKey(frame, ETH_SRC);
    if ((frame[ETH_SRC]! & 1) === 0) this.table.set(src, from);
    // Receivers get their own copy: the sender's buffer is guest memory it will reuse.
    const copy = frame.slice();
    const dst = (frame[ETH_DST]! & 1) === 0 ? this.table.get(macKey(frame, ETH_DST)) : undefined;
    if (dst !== undefined) {
      if (dst !== from) this.ports.get(dst)?.(copy);
    } else {
      for (const [id, receive] of this.ports) if (id !== from) receive(copy);
    }
    this.forwarded++;
  }
}
