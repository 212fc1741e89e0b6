// ARP for IPv4 over Ethernet (RFC 826). Only this hardware/protocol pair is accepted; any
// other is 'unsupported'.
//
//   0 htype(2) 2 ptype(2) 4 hlen(1) 5 plen(1) 6 oper(2)
//   8 sha(6) 14 spa(4) 18 tha(6) 24 tpa(4)   28 bytes in all
import { get16, get32, get48, put16, put32, put48, type WireError } from './bytes.js';
import type { EthernetAddress, Ipv4Address } from './address.js';

export const ARP_LEN = 28;

export enum ArpOperation {
  Request = 1,
  Reply = 2,
}

export class ArpPacket {
  private constructor(readonly buffer: Uint8Array) {}

  static checked(buffer: Uint8Array): ArpPacket | WireError {
    if (buffer.length < 8) return 'truncated';
    const p = new ArpPacket(buffer);
    // The address lengths decide the layout, so check them before the total length.
    if (p.hardwareType !== 1 || p.protocolType !== 0x0800 || p.hardwareLen !== 6 || p.protocolLen !== 4) return 'unsupported';
    if (buffer.length < ARP_LEN) return 'truncated';
    return p;
  }

  static unchecked(buffer: Uint8Array): ArpPacket {
    return new ArpPacket(buffer);
  }

  get hardwareType(): number {
    return get16(this.buffer, 0);
  }
  get protocolType(): number {
    return get16(this.buffer, 2);
  }
  get hardwareLen(): number {
    return this.buffer[4]!;
  }
  get protocolLen(): number {
    return this.buffer[5]!;
  }
  get operation(): number {
    return get16(this.buffer, 6);
  }
  get senderHardware(): EthernetAddress {
    return get48(this.buffer, 8);
  }
  get senderProtocol(): Ipv4Address {
    return get32(this.buffer, 14);
  }
  get targetHardware(): EthernetAddress {
    return get48(this.buffer, 18);
  }
  get targetProtocol(): Ipv4Address {
    return get32(this.buffer, 24);
  }
}

export class ArpRepr {
  constructor(
    public operation: ArpOperation,
    public senderHardware: EthernetAddress,
    public senderProtocol: Ipv4Address,
    public targetHardware: EthernetAddress,
    public targetProtocol: Ipv4Address,
  ) {}

  static parse(p: ArpPacket): ArpRepr | WireError {
    const op = p.operation;
    if (op !== ArpOperation.Request && op !== ArpOperation.Reply) return 'unsupported';
    return new ArpRepr(op, p.senderHardware, p.senderProtocol, p.targetHardware, p.targetProtocol);
  }

  get bufferLen(): number {
    return ARP_LEN;
  }

  emit(b: Uint8Array): void {
    put16(b, 0, 1);
    put16(b, 2, 0x0800);
    b[4] = 6;
    b[5] = 4;
    put16(b, 6, this.operation);
    put48(b, 8, this.senderHardware);
    put32(b, 14, this.senderProtocol);
    put48(b, 18, this.targetHardware);
    put32(b, 24, this.targetProtocol);
  }
}
