// The pieces of name resolution that need no system: the two text files it reads, parsed —
// /etc/hosts (ADDRESS NAME... lines, `#` comments; IPv4 and IPv6 addresses) and
// /etc/resolv.conf (`nameserver ADDRESS` lines) — the A and AAAA queries and their answers as
// bytes, and the text of an endpoint. Both the libmh resolver (resolve.ts) and the WASI
// runtime's getaddrinfo use them.

import { formatIp, ipv4, parseIp } from '../wire/address.js';
import { ipv6Value } from '../wire/ipv6.js';
import { DnsPacket, DnsType, dnsBufferLen, dnsQuery, emitDns, parseDns } from '../wire/dns.js';

/** Which addresses a lookup wants: IPv4, IPv6, or either (the first found). */
export type Family = 4 | 6 | 0;

/** The family of an address's text (4 or 6), or null if it is not an address. */
export function familyOf(text: string): 4 | 6 | null {
  const a = parseIp(text);
  return a === null ? null : typeof a === 'bigint' ? 6 : 4;
}

/** The address /etc/hosts gives `name` in that family (IPv4 unless told), or null. */
export function hostsLookup(name: string, text: string, family: Family = 4): string | null {
  for (const line of text.split('\n')) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f.length < 2 || !f.slice(1).includes(name)) continue;
    const fam = familyOf(f[0]!);
    if (fam !== null && (family === 0 || fam === family)) return f[0]!;
  }
  return null;
}

/** HOST:PORT as netd's tcp: and udp: take it: an IPv6 address in brackets. */
export function endpointText(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** The IPv4 name servers of /etc/resolv.conf, in order. */
export function resolvNameservers(text: string): string[] {
  return text.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((x): x is string => !!x && ipv4(x) !== null);
}

/** An A query (AAAA with `family` 6) for `name` with identifier `id`, as bytes to send. */
export function aQuery(id: number, name: string, family: 4 | 6 = 4): Uint8Array {
  const q = dnsQuery(id, name, family === 6 ? DnsType.AAAA : DnsType.A);
  const out = new Uint8Array(dnsBufferLen(q));
  emitDns(q, out);
  return out;
}

/** The AAAA addresses, as text, in the response to query `id` (none for "no such name"); null for other bytes. */
export function aaaaAnswers(bytes: Uint8Array, id: number): string[] | null {
  const p = DnsPacket.checked(bytes);
  if (typeof p === 'string') return null;
  const r = parseDns(p);
  if (typeof r === 'string' || r.id !== id || !r.response) return null;
  return r.answers.flatMap((a) => (a.data.type === DnsType.AAAA ? [formatIp(ipv6Value((a.data as { address: Uint8Array }).address))] : []));
}

/** The A addresses in the response to query `id` (none for "no such name"); null for other bytes. */
export function aAnswers(bytes: Uint8Array, id: number): number[] | null {
  const p = DnsPacket.checked(bytes);
  if (typeof p === 'string') return null;
  const r = parseDns(p);
  if (typeof r === 'string' || r.id !== id || !r.response) return null;
  return r.answers.flatMap((a) => (a.data.type === DnsType.A ? [(a.data as { address: number }).address >>> 0] : []));
}
