// Flattened device tree (DTB) writer and reader, per the Devicetree Specification v0.4 ch. 5.
//
// Layout of a blob, all integers big-endian:
//   header (40 bytes, fields at the FDT_HDR_* offsets below)
//   memory reservation block: {address u64, size u64} pairs ending in a zero pair (8-aligned)
//   structure block: FDT_BEGIN_NODE name\0 (padded to 4), FDT_PROP len nameoff value (padded),
//                    FDT_END_NODE, ..., FDT_END
//   strings block: the property names, NUL-terminated, each stored once
// The hypervisor builds a tree with FdtNode and the value helpers (cells, u64s, str, strs), then
// serializes it with buildDtb; parseDtb reads a blob back (tests, and guests' own blobs).

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_BEGIN_NODE = 1;
export const FDT_END_NODE = 2;
export const FDT_PROP = 3;
export const FDT_NOP = 4;
export const FDT_END = 9;
const FDT_VERSION = 17;
const FDT_LAST_COMP_VERSION = 16;

// Header field offsets.
const FDT_HDR_MAGIC = 0;
const FDT_HDR_TOTALSIZE = 4;
const FDT_HDR_OFF_DT_STRUCT = 8;
const FDT_HDR_OFF_DT_STRINGS = 12;
const FDT_HDR_OFF_MEM_RSVMAP = 16;
const FDT_HDR_VERSION = 20;
const FDT_HDR_LAST_COMP_VERSION = 24;
const FDT_HDR_BOOT_CPUID_PHYS = 28;
const FDT_HDR_SIZE_DT_STRINGS = 32;
const FDT_HDR_SIZE_DT_STRUCT = 36;
const FDT_HEADER_SIZE = 40;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A property value of 32-bit cells. */
export function cells(...v: number[]): Uint8Array {
  const out = new Uint8Array(4 * v.length);
  const dv = new DataView(out.buffer);
  v.forEach((x, i) => dv.setUint32(4 * i, x >>> 0));
  return out;
}

/** 64-bit values, each as two cells (high first): addresses and sizes with #address-cells = 2. */
export function u64s(...v: Array<number | bigint>): Uint8Array {
  const out = new Uint8Array(8 * v.length);
  const dv = new DataView(out.buffer);
  v.forEach((x, i) => dv.setBigUint64(8 * i, BigInt(x)));
  return out;
}

export function str(s: string): Uint8Array {
  return strs(s);
}

/** A string list: each string NUL-terminated, back to back. */
export function strs(...list: string[]): Uint8Array {
  return enc.encode(list.map((s) => s + '\0').join(''));
}

/** An empty property (a flag such as `interrupt-controller`). */
export const EMPTY = new Uint8Array(0);

export class FdtNode {
  readonly props = new Map<string, Uint8Array>();
  readonly children: FdtNode[] = [];

  constructor(readonly name: string) {}

  prop(name: string, value: Uint8Array): this {
    this.props.set(name, value);
    return this;
  }

  /** Adds a child node and returns it. */
  child(name: string): FdtNode {
    const n = new FdtNode(name);
    this.children.push(n);
    return n;
  }

  find(path: string): FdtNode | undefined {
    let n: FdtNode | undefined = this;
    for (const part of path.split('/').filter(Boolean)) {
      n = n.children.find((c) => c.name === part);
      if (!n) return undefined;
    }
    return n;
  }

  /** A property as cells, string or string list, for readers. */
  getCells(name: string): number[] | undefined {
    const v = this.props.get(name);
    if (!v) return undefined;
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    return Array.from({ length: v.byteLength >> 2 }, (_, i) => dv.getUint32(4 * i));
  }

  getStrings(name: string): string[] | undefined {
    const v = this.props.get(name);
    if (!v) return undefined;
    return dec.decode(v).split('\0').slice(0, -1);
  }
}

export interface DtbOptions {
  bootCpuid?: number;
  /** Memory reservation entries: [address, size]. */
  reserved?: Array<[bigint | number, bigint | number]>;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Serializes a tree into a DTB blob. */
export function buildDtb(root: FdtNode, opts: DtbOptions = {}): Uint8Array {
  // Strings block: each name once, in first-use order.
  const strOffsets = new Map<string, number>();
  const strParts: Uint8Array[] = [];
  let strSize = 0;
  const nameOff = (name: string): number => {
    let off = strOffsets.get(name);
    if (off === undefined) {
      off = strSize;
      strOffsets.set(name, off);
      const b = enc.encode(name + '\0');
      strParts.push(b);
      strSize += b.byteLength;
    }
    return off;
  };
  // Structure block: size first, then fill.
  const structSize = (n: FdtNode): number => {
    let s = 4 + align4(enc.encode(n.name).byteLength + 1);
    for (const v of n.props.values()) s += 12 + align4(v.byteLength);
    for (const c of n.children) s += structSize(c);
    return s + 4;
  };
  const sizeStruct = structSize(root) + 4;
  const reserved = opts.reserved ?? [];
  const offRsv = FDT_HEADER_SIZE; // already 8-aligned
  const offStruct = offRsv + 16 * (reserved.length + 1);
  const offStrings = offStruct + sizeStruct;
  // Assign string offsets in traversal order before sizing the strings block.
  const walkNames = (n: FdtNode): void => {
    for (const k of n.props.keys()) nameOff(k);
    n.children.forEach(walkNames);
  };
  walkNames(root);
  const total = offStrings + strSize;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(FDT_HDR_MAGIC, FDT_MAGIC);
  dv.setUint32(FDT_HDR_TOTALSIZE, total);
  dv.setUint32(FDT_HDR_OFF_DT_STRUCT, offStruct);
  dv.setUint32(FDT_HDR_OFF_DT_STRINGS, offStrings);
  dv.setUint32(FDT_HDR_OFF_MEM_RSVMAP, offRsv);
  dv.setUint32(FDT_HDR_VERSION, FDT_VERSION);
  dv.setUint32(FDT_HDR_LAST_COMP_VERSION, FDT_LAST_COMP_VERSION);
  dv.setUint32(FDT_HDR_BOOT_CPUID_PHYS, opts.bootCpuid ?? 0);
  dv.setUint32(FDT_HDR_SIZE_DT_STRINGS, strSize);
  dv.setUint32(FDT_HDR_SIZE_DT_STRUCT, sizeStruct);
  reserved.forEach(([a, s], i) => {
    dv.setBigUint64(offRsv + 16 * i, BigInt(a));
    dv.setBigUint64(offRsv + 16 * i + 8, BigInt(s));
  });
  let p = offStruct;
  const emit = (n: FdtNode): void => {
    dv.setUint32(p, FDT_BEGIN_NODE);
    p += 4;
    const nb = enc.encode(n.name);
    out.set(nb, p);
    p += align4(nb.byteLength + 1);
    for (const [k, v] of n.props) {
      dv.setUint32(p, FDT_PROP);
      dv.setUint32(p + 4, v.byteLength);
      dv.setUint32(p + 8, strOffsets.get(k)!);
      out.set(v, p + 12);
      p += 12 + align4(v.byteLength);
    }
    n.children.forEach(emit);
    dv.setUint32(p, FDT_END_NODE);
    p += 4;
  };
  emit(root);
  dv.setUint32(p, FDT_END);
  let q = offStrings;
  for (const part of strParts) {
    out.set(part, q);
    q += part.byteLength;
  }
  return out;
}

export class FdtError extends Error {}

export interface ParsedDtb {
  root: FdtNode;
  bootCpuid: number;
  reserved: Array<[bigint, bigint]>;
}

/** Reads a DTB; throws FdtError on a malformed blob (bad magic, offsets outside it, bad tokens). */
export function parseDtb(blob: Uint8Array): ParsedDtb {
  if (blob.byteLength < FDT_HEADER_SIZE) throw new FdtError('blob shorter than the header');
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (dv.getUint32(FDT_HDR_MAGIC) !== FDT_MAGIC) throw new FdtError('bad magic');
  const total = dv.getUint32(FDT_HDR_TOTALSIZE);
  if (total > blob.byteLength) throw new FdtError('totalsize beyond the blob');
  if (dv.getUint32(FDT_HDR_LAST_COMP_VERSION) > FDT_VERSION) throw new FdtError('incompatible version');
  const offStruct = dv.getUint32(FDT_HDR_OFF_DT_STRUCT);
  const offStrings = dv.getUint32(FDT_HDR_OFF_DT_STRINGS);
  const sizeStrings = dv.getUint32(FDT_HDR_SIZE_DT_STRINGS);
  const sizeStruct = dv.getUint32(FDT_HDR_SIZE_DT_STRUCT);
  const offRsv = dv.getUint32(FDT_HDR_OFF_MEM_RSVMAP);
  if (offStruct + sizeStruct > total || offStrings + sizeStrings > total || offRsv + 16 > total) throw new FdtError('block outside the blob');
  const reserved: Array<[bigint, bigint]> = [];
  for (let p = offRsv; ; p += 16) {
    if (p + 16 > total) throw new FdtError('unterminated reservation block');
    const a = dv.getBigUint64(p), s = dv.getBigUint64(p + 8);
    if (a === 0n && s === 0n) break;
    reserved.push([a, s]);
  }
  const end = offStruct + sizeStruct;
  let p = offStruct;
  const u32 = (): number => {
    if (p + 4 > end) throw new FdtError('structure block truncated');
    const v = dv.getUint32(p);
    p += 4;
    return v;
  };
  const cstr = (from: number, limit: number): string => {
    const z = blob.indexOf(0, from);
    if (z < 0 || z >= limit) throw new FdtError('unterminated string');
    return dec.decode(blob.subarray(from, z));
  };
  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  for (;;) {
    const tok = u32();
    if (tok === FDT_BEGIN_NODE) {
      const name = cstr(p, end);
      p += align4(enc.encode(name).byteLength + 1);
      const n = stack.length ? stack[stack.length - 1]!.child(name) : new FdtNode(name);
      if (!stack.length) {
        if (root) throw new FdtError('two root nodes');
        root = n;
      }
      stack.push(n);
    } else if (tok === FDT_PROP) {
      const len = u32();
      const nameoff = u32();
      if (!stack.length || p + len > end || nameoff >= sizeStrings) throw new FdtError('bad property');
      stack[stack.length - 1]!.prop(cstr(offStrings + nameoff, offStrings + sizeStrings), blob.slice(p, p + len));
      p += align4(len);
    } else if (tok === FDT_END_NODE) {
      if (!stack.pop()) throw new FdtError('unbalanced end of node');
    } else if (tok === FDT_NOP) {
      continue;
    } else if (tok === FDT_END) {
      break;
    } else throw new FdtError(`bad token ${tok}`);
  }
  if (!root || stack.length) throw new FdtError('unbalanced tree');
  return { root, bootCpuid: dv.getUint32(FDT_HDR_BOOT_CPUID_PHYS), reserved };
}
