// netd's names for the far end of a socket: HOST for icmp:, HOST:PORT for tcp: and udp:.
// HOST is a dotted quad, `localhost`, or an IPv6 address in brackets (icmp: also takes one
// bare), with an optional zone naming the link (`[fe80::1%eth0]`). A zone belongs to an IPv6
// address only; brackets hold an IPv6 address only and must pair up. A v4-mapped address
// (`[::ffff:10.0.2.2]`) is the IPv4 one, as the WASI sockets take it. An empty HOST (`:80`)
// or `[::]` is the unspecified address: any, to a listener.

import { ipv4, parseIp, type IpAddress } from '../../net/wire/address.js';

export interface Host {
  addr: IpAddress;
  zone?: string;
}

export interface Endpoint extends Host {
  port: number;
}

const ZONE = /^\w+$/;

/** ADDR or ADDR%ZONE for an IPv6 address (a v4-mapped one is its IPv4 address); null for anything else. */
function ipv6Host(text: string): Host | null {
  const pct = text.indexOf('%');
  const a = parseIp(pct < 0 ? text : text.slice(0, pct));
  if (typeof a !== 'bigint') return null;
  // ::ffff:a.b.c.d is IPv4 as an IPv6 socket names it (RFC 4291 2.5.5.2); it has no zone.
  if (a >> 32n === 0xffffn) return pct < 0 ? { addr: Number(a & 0xffff_ffffn) } : null;
  if (pct < 0) return { addr: a };
  const zone = text.slice(pct + 1);
  return ZONE.test(zone) ? { addr: a, zone } : null;
}

/** Parses HOST; `bare6` lets an IPv6 address go without brackets (icmp:'s `fe80::1%eth0`). */
export function parseHost(text: string, bare6 = true): Host | null {
  if (text === 'localhost') return { addr: 0x7f00_0001 };
  if (text.startsWith('[')) return text.endsWith(']') ? ipv6Host(text.slice(1, -1)) : null;
  if (text.includes(':')) return bare6 ? ipv6Host(text) : null;
  const a = ipv4(text);
  return a === null ? null : { addr: a };
}

/** Parses HOST:PORT (HOST may be empty: any); null for anything else, or a port past 65535. */
export function parseEndpoint(ref: string): Endpoint | null {
  const m = /^(.*):(\d{1,5})$/.exec(ref);
  if (!m) return null;
  const port = Number(m[2]);
  const host = m[1] === '' ? { addr: 0 } : parseHost(m[1]!, false);
  if (host === null || port > 65535) return null;
  return { ...host, port };
}
