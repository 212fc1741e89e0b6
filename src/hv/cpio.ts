// The "newc" cpio archive format (SVR4 without CRC), as the Linux kernel unpacks an initramfs:
// each entry is a 110-byte ASCII header — the magic "070701" and thirteen 8-digit hex fields —
// then the NUL-terminated name padded to 4 bytes, then the data padded to 4 bytes; the archive
// ends with an entry named "TRAILER!!!". Field offsets in the header are named once below.

const MAGIC = '070701';
const HEADER_SIZE = 110;
// Field order after the magic; each field is 8 hex digits.
const FIELDS = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check'] as const;

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

export interface CpioEntry {
  name: string;
  mode: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  data?: Uint8Array;
  /** For device nodes. */
  rdev?: { major: number; minor: number };
}

const enc = new TextEncoder();
const pad4 = (n: number): number => (4 - (n & 3)) & 3;

function header(fields: Record<(typeof FIELDS)[number], number>): Uint8Array {
  const text = MAGIC + FIELDS.map((f) => (fields[f] >>> 0).toString(16).padStart(8, '0')).join('');
  return enc.encode(text);
}

/** Builds an archive; inode numbers are assigned in order, mtimes default to 0 for reproducibility. */
export function buildCpio(entries: CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    size += b.byteLength;
  };
  const all = [...entries, { name: 'TRAILER!!!', mode: 0 }];
  all.forEach((e, i) => {
    const name = enc.encode(e.name + '\0');
    const data = e.data ?? new Uint8Array(0);
    const trailer = i === all.length - 1;
    push(header({
      ino: trailer ? 0 : i + 1, mode: e.mode, uid: e.uid ?? 0, gid: e.gid ?? 0, nlink: (e.mode & 0o170000) === S_IFDIR ? 2 : 1,
      mtime: e.mtime ?? 0, filesize: data.byteLength, devmajor: 0, devminor: 0,
      rdevmajor: e.rdev?.major ?? 0, rdevminor: e.rdev?.minor ?? 0, namesize: name.byteLength, check: 0,
    }));
    push(name);
    push(new Uint8Array(pad4(HEADER_SIZE + name.byteLength)));
    push(data);
    push(new Uint8Array(pad4(data.byteLength)));
  });
  const out = new Uint8Array(size);
  let p = 0;
  for (const b of parts) {
    out.set(b, p);
    p += b.byteLength;
  }
  return out;
}

/** Reads a newc archive back into entries (tests; inspecting guest images). Throws on malformed input. */
export function parseCpio(buf: Uint8Array): CpioEntry[] {
  const dec = new TextDecoder();
  const out: CpioEntry[] = [];
  let p = 0;
  for (;;) {
    if (p + HEADER_SIZE > buf.byteLength) throw new Error('cpio: truncated header');
    const h = dec.decode(buf.subarray(p, p + HEADER_SIZE));
    if (!h.startsWith(MAGIC)) throw new Error(`cpio: bad magic at ${p}`);
    const f = (i: number): number => parseInt(h.slice(6 + 8 * i, 14 + 8 * i), 16);
    const mode = f(1), filesize = f(6), namesize = f(11);
    const nameStart = p + HEADER_SIZE;
    if (nameStart + namesize > buf.byteLength) throw new Error('cpio: truncated name');
    const name = dec.decode(buf.subarray(nameStart, nameStart + namesize - 1));
    const dataStart = nameStart + namesize + pad4(HEADER_SIZE + namesize);
    if (dataStart + filesize > buf.byteLength) throw new Error('cpio: truncated data');
    if (name === 'TRAILER!!!') return out;
    out.push({ name, mode, uid: f(2), gid: f(3), mtime: f(5), data: buf.slice(dataStart, dataStart + filesize), rdev: { major: f(9), minor: f(10) } });
    p = dataStart + filesize + pad4(filesize);
  }
}
