// Addresses as plain numbers: an IPv4 address is its 32-bit value (unsigned), a MAC address
// its 48-bit value. Numbers compare with ===, key Maps without allocation and cost nothing to
// copy, which matters on the per-packet path. Text forms are for people and tests only.
import { formatIpv6, ipv6, ipv6Bytes, ipv6Value } from './ipv6.js';

export type Ipv4Address = number;
/**
 * Either family's address as a value: a number is IPv4, a bigint IPv6 (its 128 bits; the wire
 * views hand out 16-byte arrays, wire/ipv6.ts converts). Both compare with === and key Maps, so
 * sockets and tables hold either without caring which; 0 and 0n are the unspecified addresses.
 */
export type IpAddress = Ipv4Address | bigint;
export type EthernetAddress = number;

export const IPV4_UNSPECIFIED: Ipv4Address = 0;
export const IPV4_BROADCAST: Ipv4Address = 0xffff_ffff;
export const ETHERNET_BROADCAST: EthernetAddress = 0xffff_ffff_ffff;

export function isIpv6(a: IpAddress): a is bigint {
  return typeof a === 'bigint';
}

/** 0.0.0.0 or :: (both falsy). */
export function isUnspecified(a: IpAddress): boolean {
  return !a;
}

/** ::1 or 127/8. */
export function isLoopbackIp(a: IpAddress): boolean {
  return typeof a === 'bigint' ? a === 1n : isLoopback(a);
}

/** Either family's text: a dotted quad or an IPv6 address (no brackets); null for anything else. */
export function parseIp(text: string): IpAddress | null {
  if (text.includes(':')) {
    const b = ipv6(text);
    return b === null ? null : ipv6Value(b);
  }
  return ipv4(text);
}

export function formatIp(a: IpAddress): string {
  return typeof a === 'bigint' ? formatIpv6(ipv6Bytes(a)) : formatIpv4(a);
}

/** ADDR:PORT, with the IPv6 address in brackets (RFC 3986): [fe80::1]:80. */
export function formatEndpoint(a: IpAddress, port: number): string {
  return typeof a === 'bigint' ? `[${formatIp(a)}]:${port}` : `${formatIp(a)}:${port}`;
}

/** Parses dotted-quad text; returns null for anything else. */
export function ipv4(text: string): Ipv4Address | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

/** Like ipv4() but for literals in code and tests, where a typo is a bug. */
export function ip(text: string): Ipv4Address {
  const v = ipv4(text);
  if (v === null) throw new Error(`not an IPv4 address: ${text}`);
  return v;
}

export function formatIpv4(a: Ipv4Address): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function isMulticast(a: Ipv4Address): boolean {
  return a >>> 28 === 0xe;
}

export function isLoopback(a: Ipv4Address): boolean {
  return a >>> 24 === 127;
}

export function mac(text: string): EthernetAddress {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new Error(`not a MAC address: ${text}`);
  return parts.reduce((v, p) => v * 256 + parseInt(p, 16), 0);
}

export function formatMac(a: EthernetAddress): string {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) out.push((Math.floor(a / 2 ** (8 * i)) & 255).toString(16).padStart(2, '0'));
  return out.join(':');
}

export function isUnicastMac(a: EthernetAddress): boolean {
  return (Math.floor(a / 2 ** 40) & 1) === 0;
}

/** An address with its prefix length: 10.0.2.15/24. */
export class Ipv4Cidr {
  readonly mask: number;
  constructor(readonly address: Ipv4Address, readonly prefixLen: number) {
    if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) throw new RangeError(`bad prefix length ${prefixLen}`);
    this.mask = prefixLen === 0 ? 0 : (0xffff_ffff << (32 - prefixLen)) >>> 0;
  }

  static parse(text: string): Ipv4Cidr | null {
    const [a, p] = text.split('/');
    const addr = a === undefined ? null : ipv4(a);
    const len = p === undefined ? 32 : Number(p);
    if (addr === null || !Number.isInteger(len) || len < 0 || len > 32) return null;
    return new Ipv4Cidr(addr, len);
  }

  get network(): Ipv4Address {
    return (this.address & this.mask) >>> 0;
  }

  get broadcast(): Ipv4Address {
    return (this.address | ~this.mask) >>> 0;
  }

  contains(a: Ipv4Address): boolean {
    return ((a & this.mask) >>> 0) === this.network;
  }

  toString(): string {
    return `${formatIpv4(this.address)}/${this.prefixLen}`;
  }
}
