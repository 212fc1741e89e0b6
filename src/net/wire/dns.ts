// DNS messages (RFC 1035): header, questions and resource records, with name compression
// on parse (pointers are followed with a hop limit, so a loop is 'malformed', never a hang).
// Emitted names are never compressed: our messages are small queries and test answers.
//
//   0 id  2 flags (QR opcode AA TC RD RA Z RCODE)  4 qdcount  6 ancount  8 nscount  10 arcount
//   12 questions, then answer, authority and additional records
import { get16, get32, put16, put32, type WireError } from './bytes.js';
import type { Ipv4Address } from './address.js';

export const DNS_HEADER_LEN = 12;
export const DNS_PORT = 53;
const MAX_NAME_LEN = 255;
const MAX_POINTER_HOPS = 16;
/** More records than this in one message is not a message we want to build objects for. */
const MAX_RECORDS = 256;

export enum DnsType {
  A = 1,
  NS = 2,
  CNAME = 5,
  SOA = 6,
  PTR = 12,
  MX = 15,
  TXT = 16,
  AAAA = 28,
}

export enum DnsRcode {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NXDomain = 3,
  NotImp = 4,
  Refused = 5,
}

export const DNS_CLASS_IN = 1;

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export type DnsRecordData =
  | { type: DnsType.A; address: Ipv4Address }
  | { type: DnsType.AAAA; address: Uint8Array }
  | { type: DnsType.CNAME | DnsType.NS | DnsType.PTR; name: string }
  | { type: number; raw: Uint8Array };

export interface DnsRecord {
  name: string;
  class: number;
  ttl: number;
  data: DnsRecordData;
}

export interface DnsRepr {
  id: number;
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

export class DnsPacket {
  private constructor(readonly buffer: Uint8Array) {}

  static checked(buffer: Uint8Array): DnsPacket | WireError {
    if (buffer.length < DNS_HEADER_LEN) return 'truncated';
    return new DnsPacket(buffer);
  }

  get id(): number {
    return get16(this.buffer, 0);
  }
  get flags(): number {
    return get16(this.buffer, 2);
  }
  get questionCount(): number {
    return get16(this.buffer, 4);
  }
  get answerCount(): number {
    return get16(this.buffer, 6);
  }
  get authorityCount(): number {
    return get16(this.buffer, 8);
  }
  get additionalCount(): number {
    return get16(this.buffer, 10);
  }
}

/** Reads a (possibly compressed) name at o; returns the name and where the caller resumes. */
function readName(b: Uint8Array, o: number): { name: string; next: number } | WireError {
  const labels: string[] = [];
  let total = 0;
  let next = -1;
  let hops = 0;
  for (;;) {
    if (o >= b.length) return 'truncated';
    const len = b[o]!;
    if (len === 0) {
      if (next < 0) next = o + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (o + 1 >= b.length) return 'truncated';
      if (++hops > MAX_POINTER_HOPS) return 'malformed';
      if (next < 0) next = o + 2;
      o = ((len & 0x3f) << 8) | b[o + 1]!;
      continue;
    }
    if ((len & 0xc0) !== 0) return 'malformed'; // the reserved label types
    if (o + 1 + len > b.length) return 'truncated';
    total += len + 1;
    if (total > MAX_NAME_LEN) return 'malformed';
    labels.push(String.fromCharCode(...b.subarray(o + 1, o + 1 + len)));
    o += 1 + len;
  }
  return { name: labels.join('.'), next };
}

function readRecord(b: Uint8Array, o: number): { record: DnsRecord; next: number } | WireError {
  const n = readName(b, o);
  if (typeof n === 'string') return n;
  o = n.next;
  if (o + 10 > b.length) return 'truncated';
  const type = get16(b, o);
  const cls = get16(b, o + 2);
  const ttl = get32(b, o + 4);
  const rdlen = get16(b, o + 8);
  const rd = o + 10;
  if (rd + rdlen > b.length) return 'truncated';
  let data: DnsRecordData;
  switch (type) {
    case DnsType.A:
      if (rdlen !== 4) return 'malformed';
      data = { type, address: get32(b, rd) };
      break;
    case DnsType.AAAA:
      if (rdlen !== 16) return 'malformed';
      data = { type, address: b.slice(rd, rd + 16) };
      break;
    case DnsType.CNAME:
    case DnsType.NS:
    case DnsType.PTR: {
      const target = readName(b, rd);
      if (typeof target === 'string') return target;
      if (target.next > rd + rdlen) return 'malformed';
      data = { type, name: target.name };
      break;
    }
    default:
      data = { type, raw: b.slice(rd, rd + rdlen) };
  }
  return { record: { name: n.name, class: cls, ttl, data }, next: rd + rdlen };
}

export function parseDns(p: DnsPacket): DnsRepr | WireError {
  const b = p.buffer;
  const f = p.flags;
  const counts = [p.questionCount, p.answerCount, p.authorityCount, p.additionalCount];
  if (counts.reduce((a, c) => a + c, 0) > MAX_RECORDS) return 'unsupported';
  const r: DnsRepr = {
    id: p.id,
    response: (f & 0x8000) !== 0,
    opcode: (f >>> 11) & 0xf,
    authoritative: (f & 0x0400) !== 0,
    truncated: (f & 0x0200) !== 0,
    recursionDesired: (f & 0x0100) !== 0,
    recursionAvailable: (f & 0x0080) !== 0,
    rcode: f & 0xf,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  };
  let o = DNS_HEADER_LEN;
  for (let k = 0; k < counts[0]!; k++) {
    const n = readName(b, o);
    if (typeof n === 'string') return n;
    if (n.next + 4 > b.length) return 'truncated';
    r.questions.push({ name: n.name, type: get16(b, n.next), class: get16(b, n.next + 2) });
    o = n.next + 4;
  }
  const sections = [r.answers, r.authorities, r.additionals];
  for (let s = 0; s < 3; s++) {
    for (let k = 0; k < counts[s + 1]!; k++) {
      const rec = readRecord(b, o);
      if (typeof rec === 'string') return rec;
      sections[s]!.push(rec.record);
      o = rec.next;
    }
  }
  return r;
}

function nameLen(name: string): number {
  return name === '' ? 1 : name.length + 2;
}

/** Checks a name can be emitted: labels of 1-63 bytes of ASCII, 255 bytes in all. */
export function validDnsName(name: string): boolean {
  if (name === '') return true;
  if (nameLen(name) > MAX_NAME_LEN) return false;
  return name.split('.').every((l) => l.length >= 1 && l.length <= 63 && /^[\x21-\x7e]+$/.test(l));
}

function writeName(b: Uint8Array, o: number, name: string): number {
  if (name !== '') {
    for (const label of name.split('.')) {
      b[o++] = label.length;
      for (let i = 0; i < label.length; i++) b[o++] = label.charCodeAt(i);
    }
  }
  b[o++] = 0;
  return o;
}

function rdataLen(d: DnsRecordData): number {
  if ('raw' in d) return d.raw.length;
  if ('name' in d) return nameLen(d.name);
  return d.type === DnsType.A ? 4 : 16;
}

export function dnsBufferLen(r: DnsRepr): number {
  let n = DNS_HEADER_LEN;
  for (const q of r.questions) n += nameLen(q.name) + 4;
  for (const rec of [...r.answers, ...r.authorities, ...r.additionals]) n += nameLen(rec.name) + 10 + rdataLen(rec.data);
  return n;
}

/** Writes the message into b (dnsBufferLen(r) bytes). Names must pass validDnsName. */
export function emitDns(r: DnsRepr, b: Uint8Array): void {
  put16(b, 0, r.id);
  const f =
    (r.response ? 0x8000 : 0) | ((r.opcode & 0xf) << 11) | (r.authoritative ? 0x0400 : 0) | (r.truncated ? 0x0200 : 0) |
    (r.recursionDesired ? 0x0100 : 0) | (r.recursionAvailable ? 0x0080 : 0) | (r.rcode & 0xf);
  put16(b, 2, f);
  put16(b, 4, r.questions.length);
  put16(b, 6, r.answers.length);
  put16(b, 8, r.authorities.length);
  put16(b, 10, r.additionals.length);
  let o = DNS_HEADER_LEN;
  for (const q of r.questions) {
    o = writeName(b, o, q.name);
    put16(b, o, q.type);
    put16(b, o + 2, q.class);
    o += 4;
  }
  for (const rec of [...r.answers, ...r.authorities, ...r.additionals]) {
    o = writeName(b, o, rec.name);
    put16(b, o, rec.data.type);
    put16(b, o + 2, rec.class);
    put32(b, o + 4, rec.ttl);
    const len = rdataLen(rec.data);
    put16(b, o + 8, len);
    o += 10;
    const d = rec.data;
    if ('raw' in d) b.set(d.raw, o);
    else if ('name' in d) writeName(b, o, d.name);
    else if (d.type === DnsType.A) put32(b, o, d.address as number);
    else b.set(d.address as Uint8Array, o);
    o += len;
  }
}

/** A standard recursive query for one name: what a resolver sends. */
export function dnsQuery(id: number, name: string, type: DnsType = DnsType.A): DnsRepr {
  return {
    id, response: false, opcode: 0, authoritative: false, truncated: false, recursionDesired: true,
    recursionAvailable: false, rcode: 0, questions: [{ name, type, class: DNS_CLASS_IN }], answers: [], authorities: [], additionals: [],
  };
}
