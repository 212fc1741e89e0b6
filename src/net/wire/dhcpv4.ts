// DHCPv4 messages (RFC 2131, options RFC 2132): the fixed BOOTP header, the magic cookie and
// the options a client and a small server need. Unknown options are skipped.
//
//   0 op  1 htype  2 hlen  3 hops  4 xid  8 secs  10 flags  12 ciaddr  16 yiaddr  20 siaddr
//   24 giaddr  28 chaddr(16)  44 sname(64)  108 file(128)  236 cookie 63 82 53 63  240 options
import { get16, get32, get48, put16, put32, put48, type WireError } from './bytes.js';
import type { EthernetAddress, Ipv4Address } from './address.js';

export const DHCP_FIXED_LEN = 240;
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
const MAGIC_COOKIE = 0x63825363;

export enum DhcpMessageType {
  Discover = 1,
  Offer = 2,
  Request = 3,
  Decline = 4,
  Ack = 5,
  Nak = 6,
  Release = 7,
  Inform = 8,
}

const OPT_PAD = 0;
const OPT_SUBNET_MASK = 1;
const OPT_ROUTER = 3;
const OPT_DNS = 6;
const OPT_HOSTNAME = 12;
const OPT_REQUESTED_IP = 50;
const OPT_LEASE_TIME = 51;
const OPT_MESSAGE_TYPE = 53;
const OPT_SERVER_ID = 54;
const OPT_PARAMETER_LIST = 55;
const OPT_RENEWAL_TIME = 58;
const OPT_REBINDING_TIME = 59;
const OPT_CLIENT_ID = 61;
const OPT_END = 255;

export class DhcpPacket {
  private constructor(readonly buffer: Uint8Array) {}

  static checked(buffer: Uint8Array): DhcpPacket | WireError {
    if (buffer.length < DHCP_FIXED_LEN) return 'truncated';
    if (get32(buffer, 236) !== MAGIC_COOKIE) return 'malformed';
    return new DhcpPacket(buffer);
  }

  get op(): number {
    return this.buffer[0]!;
  }
  get hardwareType(): number {
    return this.buffer[1]!;
  }
  get hardwareLen(): number {
    return this.buffer[2]!;
  }
  get xid(): number {
    return get32(this.buffer, 4);
  }
  get secs(): number {
    return get16(this.buffer, 8);
  }
  get broadcastFlag(): boolean {
    return (get16(this.buffer, 10) & 0x8000) !== 0;
  }
  get ciaddr(): Ipv4Address {
    return get32(this.buffer, 12);
  }
  get yiaddr(): Ipv4Address {
    return get32(this.buffer, 16);
  }
  get siaddr(): Ipv4Address {
    return get32(this.buffer, 20);
  }
  get giaddr(): Ipv4Address {
    return get32(this.buffer, 24);
  }
  get chaddr(): EthernetAddress {
    return get48(this.buffer, 28);
  }
  get options(): Uint8Array {
    return this.buffer.subarray(DHCP_FIXED_LEN);
  }
}

export interface DhcpRepr {
  /** 1 = BOOTREQUEST (client to server), 2 = BOOTREPLY. */
  op: 1 | 2;
  messageType: DhcpMessageType;
  xid: number;
  secs: number;
  broadcast: boolean;
  clientHardware: EthernetAddress;
  clientIp: Ipv4Address;
  yourIp: Ipv4Address;
  serverIp: Ipv4Address;
  relayIp: Ipv4Address;
  subnetMask?: Ipv4Address;
  routers?: Ipv4Address[];
  dnsServers?: Ipv4Address[];
  requestedIp?: Ipv4Address;
  serverIdentifier?: Ipv4Address;
  leaseTime?: number;
  renewalTime?: number;
  rebindingTime?: number;
  parameterRequestList?: number[];
  clientIdentifier?: Uint8Array;
  hostname?: string;
}

function addressList(b: Uint8Array, o: number, len: number): Ipv4Address[] | null {
  if (len === 0 || len % 4 !== 0) return null;
  const out: Ipv4Address[] = [];
  for (let k = 0; k < len; k += 4) out.push(get32(b, o + k));
  return out;
}

export function parseDhcp(p: DhcpPacket): DhcpRepr | WireError {
  const op = p.op;
  if (op !== 1 && op !== 2) return 'malformed';
  if (p.hardwareType !== 1 || p.hardwareLen !== 6) return 'unsupported';
  const r: Partial<DhcpRepr> & Pick<DhcpRepr, 'op'> = {
    op,
    xid: p.xid,
    secs: p.secs,
    broadcast: p.broadcastFlag,
    clientHardware: p.chaddr,
    clientIp: p.ciaddr,
    yourIp: p.yiaddr,
    serverIp: p.siaddr,
    relayIp: p.giaddr,
  };
  const b = p.buffer;
  let i = DHCP_FIXED_LEN;
  let ended = false;
  while (i < b.length) {
    const code = b[i]!;
    if (code === OPT_PAD) {
      i++;
      continue;
    }
    if (code === OPT_END) {
      ended = true;
      break;
    }
    if (i + 1 >= b.length) return 'truncated';
    const len = b[i + 1]!;
    const o = i + 2;
    if (o + len > b.length) return 'truncated';
    switch (code) {
      case OPT_MESSAGE_TYPE:
        if (len !== 1 || b[o]! < 1 || b[o]! > 8) return 'malformed';
        r.messageType = b[o]!;
        break;
      case OPT_SUBNET_MASK:
        if (len !== 4) return 'malformed';
        r.subnetMask = get32(b, o);
        break;
      case OPT_ROUTER:
      case OPT_DNS: {
        const list = addressList(b, o, len);
        if (!list) return 'malformed';
        if (code === OPT_ROUTER) r.routers = list;
        else r.dnsServers = list;
        break;
      }
      case OPT_REQUESTED_IP:
      case OPT_SERVER_ID:
        if (len !== 4) return 'malformed';
        if (code === OPT_REQUESTED_IP) r.requestedIp = get32(b, o);
        else r.serverIdentifier = get32(b, o);
        break;
      case OPT_LEASE_TIME:
      case OPT_RENEWAL_TIME:
      case OPT_REBINDING_TIME: {
        if (len !== 4) return 'malformed';
        const v = get32(b, o);
        if (code === OPT_LEASE_TIME) r.leaseTime = v;
        else if (code === OPT_RENEWAL_TIME) r.renewalTime = v;
        else r.rebindingTime = v;
        break;
      }
      case OPT_PARAMETER_LIST:
        r.parameterRequestList = Array.from(b.subarray(o, o + len));
        break;
      case OPT_CLIENT_ID:
        r.clientIdentifier = b.slice(o, o + len);
        break;
      case OPT_HOSTNAME:
        r.hostname = String.fromCharCode(...b.subarray(o, o + len));
        break;
      default:
        break;
    }
    i = o + len;
  }
  if (!ended) return 'truncated';
  // Without a message type this is plain BOOTP, which we do not serve.
  if (r.messageType === undefined) return 'unsupported';
  return r as DhcpRepr;
}

export function dhcpBufferLen(r: DhcpRepr): number {
  let n = DHCP_FIXED_LEN + 3 + 1; // message type, end
  if (r.subnetMask !== undefined) n += 6;
  if (r.routers) n += 2 + 4 * r.routers.length;
  if (r.dnsServers) n += 2 + 4 * r.dnsServers.length;
  if (r.requestedIp !== undefined) n += 6;
  if (r.serverIdentifier !== undefined) n += 6;
  if (r.leaseTime !== undefined) n += 6;
  if (r.renewalTime !== undefined) n += 6;
  if (r.rebindingTime !== undefined) n += 6;
  if (r.parameterRequestList) n += 2 + r.parameterRequestList.length;
  if (r.clientIdentifier) n += 2 + r.clientIdentifier.length;
  if (r.hostname !== undefined) n += 2 + r.hostname.length;
  return n;
}

/** Writes the message into b, which must be dhcpBufferLen(r) long and zeroed. */
export function emitDhcp(r: DhcpRepr, b: Uint8Array): void {
  b[0] = r.op;
  b[1] = 1;
  b[2] = 6;
  b[3] = 0;
  put32(b, 4, r.xid);
  put16(b, 8, r.secs);
  put16(b, 10, r.broadcast ? 0x8000 : 0);
  put32(b, 12, r.clientIp);
  put32(b, 16, r.yourIp);
  put32(b, 20, r.serverIp);
  put32(b, 24, r.relayIp);
  put48(b, 28, r.clientHardware);
  put32(b, 236, MAGIC_COOKIE);
  let i = DHCP_FIXED_LEN;
  const opt = (code: number, bytes: ArrayLike<number>) => {
    b[i] = code;
    b[i + 1] = bytes.length;
    b.set(bytes, i + 2);
    i += 2 + bytes.length;
  };
  const addr = (code: number, list: Ipv4Address[]) => {
    b[i] = code;
    b[i + 1] = 4 * list.length;
    i += 2;
    for (const a of list) {
      put32(b, i, a);
      i += 4;
    }
  };
  opt(OPT_MESSAGE_TYPE, [r.messageType]);
  if (r.serverIdentifier !== undefined) addr(OPT_SERVER_ID, [r.serverIdentifier]);
  if (r.requestedIp !== undefined) addr(OPT_REQUESTED_IP, [r.requestedIp]);
  if (r.subnetMask !== undefined) addr(OPT_SUBNET_MASK, [r.subnetMask]);
  if (r.routers) addr(OPT_ROUTER, r.routers);
  if (r.dnsServers) addr(OPT_DNS, r.dnsServers);
  if (r.leaseTime !== undefined) addr(OPT_LEASE_TIME, [r.leaseTime]);
  if (r.renewalTime !== undefined) addr(OPT_RENEWAL_TIME, [r.renewalTime]);
  if (r.rebindingTime !== undefined) addr(OPT_REBINDING_TIME, [r.rebindingTime]);
  if (r.parameterRequestList) opt(OPT_PARAMETER_LIST, r.parameterRequestList);
  if (r.clientIdentifier) opt(OPT_CLIENT_ID, r.clientIdentifier);
  if (r.hostname !== undefined) opt(OPT_HOSTNAME, Array.from(r.hostname, (c) => c.charCodeAt(0) & 0xff));
  b[i] = OPT_END;
}
