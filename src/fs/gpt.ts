// GUID Partition Table (UEFI 2.x, chapter 5) for MACROHARD disks, on 512-byte logical sectors:
//
//   LBA 0            protective MBR: one partition of type 0xEE covering the disk
//   LBA 1            primary GPT header (92 bytes used)
//   LBA 2..33        primary partition entry array: 128 entries of 128 bytes
//   LBA 2048..       partitions, 1 MiB aligned, sizes a multiple of 4 KiB
//   LBA last-32..-1  backup partition entry array
//   LBA last         backup GPT header
//
// Header: "EFI PART", revision 1.0, header size, CRC32 of the header (that field zeroed), my LBA,
// alternate LBA, first/last usable LBA, disk GUID, entry array LBA, entry count, entry size,
// CRC32 of the entry array. Entry: type GUID, unique GUID, first LBA, last LBA (inclusive),
// attributes, name (36 UTF-16LE code units). GUIDs are stored mixed-endian: the first three
// fields little-endian, the last two as bytes.
import { randomBytes } from './entropy.js';
import { BLOCK_SIZE, PartitionBlockDevice, type BlockDevice } from './blockdev.js';
import { crc32 } from './crc32.js';
import { FsError } from './errors.js';

export const SECTOR = 512;
const SECTORS_PER_BLOCK = BLOCK_SIZE / SECTOR;
export const ENTRY_COUNT = 128;
export const ENTRY_SIZE = 128;
const ARRAY_SECTORS = (ENTRY_COUNT * ENTRY_SIZE) / SECTOR; // 32
export const FIRST_PARTITION_LBA = 2048;

/** The partition type of MHFS, chosen for MACROHARD. */
export const MHFS_PARTITION_TYPE = 'e625b07e-3b9e-4dd2-8cc8-d5a5da8b5aa2';

// GPT header field offsets.
const H = {
  signature: 0, revision: 8, headerSize: 12, headerCrc: 16, reserved: 20, myLba: 24, alternateLba: 32,
  firstUsable: 40, lastUsable: 48, diskGuid: 56, entryLba: 72, entryCount: 80, entrySize: 84, entryCrc: 88,
} as const;
const HEADER_SIZE = 92;
const SIGNATURE = 'EFI PART';
const REVISION = 0x00010000;
// Partition entry field offsets.
const E = { type: 0, guid: 16, firstLba: 32, lastLba: 40, attributes: 48, name: 56 } as const;
const NAME_UNITS = 36;

export function parseGuid(s: string): Uint8Array {
  const hex = s.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new FsError('EINVAL', `not a GUID: ${s}`);
  const b = Uint8Array.from(hex.match(/../g)!.map((x) => parseInt(x, 16)));
  // Mixed endian: reverse the first three fields.
  return Uint8Array.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

export function formatGuid(g: Uint8Array): string {
  const b = [g[3]!, g[2]!, g[1]!, g[0]!, g[5]!, g[4]!, g[7]!, g[6]!, ...g.subarray(8, 16)];
  const h = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function randomGuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface GptPartition {
  type: string;
  guid: string;
  firstLba: number;
  lastLba: number; // inclusive
  attributes: bigint;
  name: string;
}

export interface GptTable {
  diskGuid: string;
  sectors: number;
  partitions: GptPartition[];
  /** Set when the primary header or array was bad and the backup was used. */
  usedBackup: boolean;
}

function u64(v: DataView, off: number): number {
  const n = v.getBigUint64(off, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new FsError('EIO', `GPT: 64-bit field at byte ${off} too large`);
  return Number(n);
}

/** Reads `count` sectors starting at `lba` (through whole blocks). */
function readSectors(dev: BlockDevice, lba: number, count: number): Uint8Array {
  const first = Math.floor(lba / SECTORS_PER_BLOCK);
  const last = Math.floor((lba + count - 1) / SECTORS_PER_BLOCK);
  const buf = new Uint8Array((last - first + 1) * BLOCK_SIZE);
  dev.read(first, buf);
  const off = (lba - first * SECTORS_PER_BLOCK) * SECTOR;
  return buf.slice(off, off + count * SECTOR);
}

function writeSectors(dev: BlockDevice, lba: number, data: Uint8Array): void {
  const count = data.length / SECTOR;
  const first = Math.floor(lba / SECTORS_PER_BLOCK);
  const last = Math.floor((lba + count - 1) / SECTORS_PER_BLOCK);
  const buf = new Uint8Array((last - first + 1) * BLOCK_SIZE);
  dev.read(first, buf);
  buf.set(data, (lba - first * SECTORS_PER_BLOCK) * SECTOR);
  dev.write(first, buf);
}

export function protectiveMbr(sectors: number): Uint8Array {
  const mbr = new Uint8Array(SECTOR);
  const v = new DataView(mbr.buffer);
  const p = 446; // first partition record
  mbr[p + 0] = 0x00; // not bootable
  mbr.set([0x00, 0x02, 0x00], p + 1); // CHS of LBA 1
  mbr[p + 4] = 0xee; // GPT protective
  mbr.set([0xff, 0xff, 0xff], p + 5); // CHS unrepresentable
  v.setUint32(p + 8, 1, true);
  v.setUint32(p + 12, Math.min(sectors - 1, 0xffffffff), true);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  return mbr;
}

export function encodeEntries(parts: GptPartition[]): Uint8Array {
  if (parts.length > ENTRY_COUNT) throw new FsError('EINVAL', `at most ${ENTRY_COUNT} partitions`);
  const arr = new Uint8Array(ENTRY_COUNT * ENTRY_SIZE);
  const v = new DataView(arr.buffer);
  parts.forEach((p, i) => {
    const o = i * ENTRY_SIZE;
    arr.set(parseGuid(p.type), o + E.type);
    arr.set(parseGuid(p.guid), o + E.guid);
    v.setBigUint64(o + E.firstLba, BigInt(p.firstLba), true);
    v.setBigUint64(o + E.lastLba, BigInt(p.lastLba), true);
    v.setBigUint64(o + E.attributes, p.attributes, true);
    for (let k = 0; k < Math.min(p.name.length, NAME_UNITS); k++) v.setUint16(o + E.name + 2 * k, p.name.charCodeAt(k), true);
  });
  return arr;
}

export function encodeHeader(sectors: number, diskGuid: string, entries: Uint8Array, backup: boolean): Uint8Array {
  const last = sectors - 1;
  const h = new Uint8Array(SECTOR);
  const v = new DataView(h.buffer);
  h.set(new TextEncoder().encode(SIGNATURE), H.signature);
  v.setUint32(H.revision, REVISION, true);
  v.setUint32(H.headerSize, HEADER_SIZE, true);
  v.setBigUint64(H.myLba, BigInt(backup ? last : 1), true);
  v.setBigUint64(H.alternateLba, BigInt(backup ? 1 : last), true);
  v.setBigUint64(H.firstUsable, BigInt(2 + ARRAY_SECTORS), true);
  v.setBigUint64(H.lastUsable, BigInt(last - 1 - ARRAY_SECTORS), true);
  h.set(parseGuid(diskGuid), H.diskGuid);
  v.setBigUint64(H.entryLba, BigInt(backup ? last - ARRAY_SECTORS : 2), true);
  v.setUint32(H.entryCount, ENTRY_COUNT, true);
  v.setUint32(H.entrySize, ENTRY_SIZE, true);
  v.setUint32(H.entryCrc, crc32(entries), true);
  v.setUint32(H.headerCrc, crc32(h.subarray(0, HEADER_SIZE)), true);
  return h;
}

/** Writes a protective MBR and both GPT copies describing `parts`. */
export function writeGpt(dev: BlockDevice, diskGuid: string, parts: GptPartition[]): void {
  const sectors = dev.blockCount * SECTORS_PER_BLOCK;
  if (sectors < FIRST_PARTITION_LBA + 2 * ARRAY_SECTORS + 8) throw new FsError('EINVAL', `disk of ${sectors} sectors is too small for GPT`);
  const entries = encodeEntries(parts);
  writeSectors(dev, 0, protectiveMbr(sectors));
  writeSectors(dev, 1, encodeHeader(sectors, diskGuid, entries, false));
  writeSectors(dev, 2, entries);
  writeSectors(dev, sectors - 1 - ARRAY_SECTORS, entries);
  writeSectors(dev, sectors - 1, encodeHeader(sectors, diskGuid, entries, true));
}

/** The largest 4 KiB-aligned partition that fits after the first MiB. */
export function defaultPartitionRange(sectors: number): { firstLba: number; lastLba: number } {
  const lastUsable = sectors - 2 - ARRAY_SECTORS;
  const end = Math.floor((lastUsable + 1) / SECTORS_PER_BLOCK) * SECTORS_PER_BLOCK; // exclusive
  return { firstLba: FIRST_PARTITION_LBA, lastLba: end - 1 };
}

function parseHeaderAt(dev: BlockDevice, lba: number, sectors: number): { diskGuid: string; parts: GptPartition[] } {
  const where = `GPT header at LBA ${lba}`;
  const h = readSectors(dev, lba, 1);
  const v = new DataView(h.buffer);
  if (new TextDecoder().decode(h.subarray(0, 8)) !== SIGNATURE) throw new FsError('EIO', `${where}: no "EFI PART" signature`);
  const size = v.getUint32(H.headerSize, true);
  if (size < HEADER_SIZE || size > SECTOR) throw new FsError('EIO', `${where}: header size ${size} invalid`);
  const stored = v.getUint32(H.headerCrc, true);
  const copy = h.slice(0, size);
  new DataView(copy.buffer).setUint32(H.headerCrc, 0, true);
  if (crc32(copy) !== stored) throw new FsError('EIO', `${where}: header CRC32 mismatch`);
  if (u64(v, H.myLba) !== lba) throw new FsError('EIO', `${where}: says it is at LBA ${u64(v, H.myLba)}`);
  const count = v.getUint32(H.entryCount, true);
  const esize = v.getUint32(H.entrySize, true);
  const entryLba = u64(v, H.entryLba);
  if (esize < 128 || esize % 8 !== 0 || count > 1024 || count * esize > 1024 * 1024) throw new FsError('EIO', `${where}: entry array ${count}x${esize} invalid`);
  const arraySectors = Math.ceil((count * esize) / SECTOR);
  if (entryLba < 1 || entryLba + arraySectors > sectors) throw new FsError('EIO', `${where}: entry array at LBA ${entryLba} outside the disk`);
  const arr = readSectors(dev, entryLba, arraySectors).subarray(0, count * esize);
  if (crc32(arr) !== v.getUint32(H.entryCrc, true)) throw new FsError('EIO', `${where}: partition array CRC32 mismatch`);
  const av = new DataView(arr.buffer, arr.byteOffset, arr.byteLength);
  const parts: GptPartition[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * esize;
    if (arr.subarray(o, o + 16).every((b) => b === 0)) continue;
    let name = '';
    for (let k = 0; k < NAME_UNITS; k++) {
      const c = av.getUint16(o + E.name + 2 * k, true);
      if (c === 0) break;
      name += String.fromCharCode(c);
    }
    const p: GptPartition = {
      type: formatGuid(arr.subarray(o + E.type, o + E.type + 16)),
      guid: formatGuid(arr.subarray(o + E.guid, o + E.guid + 16)),
      firstLba: u64(av, o + E.firstLba),
      lastLba: u64(av, o + E.lastLba),
      attributes: av.getBigUint64(o + E.attributes, true),
      name,
    };
    if (p.firstLba > p.lastLba || p.lastLba >= sectors) throw new FsError('EIO', `${where}: partition ${i + 1} spans LBA ${p.firstLba}..${p.lastLba}, outside the disk`);
    parts.push(p);
  }
  return { diskGuid: formatGuid(h.subarray(H.diskGuid, H.diskGuid + 16)), parts };
}

/** Reads the partition table, falling back to the backup header when the primary is bad. */
export function readGpt(dev: BlockDevice): GptTable {
  const sectors = dev.blockCount * SECTORS_PER_BLOCK;
  if (sectors < 3) throw new FsError('EIO', 'disk too small to hold a GPT');
  try {
    const p = parseHeaderAt(dev, 1, sectors);
    return { diskGuid: p.diskGuid, sectors, partitions: p.parts, usedBackup: false };
  } catch (primary) {
    try {
      const b = parseHeaderAt(dev, sectors - 1, sectors);
      return { diskGuid: b.diskGuid, sectors, partitions: b.parts, usedBackup: true };
    } catch (backup) {
      throw new FsError('EIO', `no valid GPT: primary: ${(primary as Error).message}; backup: ${(backup as Error).message}`);
    }
  }
}

/** Has this device a GPT (primary or backup signature)? Cheap test used to tell disks from bare
 *  partitions: an MHFS partition's first bytes are its header ring, never "EFI PART". */
export function hasGpt(dev: BlockDevice): boolean {
  if (dev.blockCount < 1) return false;
  const sig = (lba: number) => new TextDecoder().decode(readSectors(dev, lba, 1).subarray(0, 8)) === SIGNATURE;
  return sig(1) || sig(dev.blockCount * SECTORS_PER_BLOCK - 1);
}

/** The MHFS partition of a GPT disk as a block device. */
export function openMhfsPartition(disk: BlockDevice): PartitionBlockDevice {
  const t = readGpt(disk);
  const p = t.partitions.find((x) => x.type === MHFS_PARTITION_TYPE);
  if (!p) throw new FsError('ENOENT', `no MHFS partition (type ${MHFS_PARTITION_TYPE}) in the GPT`);
  if (p.firstLba % SECTORS_PER_BLOCK !== 0 || (p.lastLba + 1) % SECTORS_PER_BLOCK !== 0) {
    throw new FsError('EINVAL', `MHFS partition at LBA ${p.firstLba}..${p.lastLba} is not 4 KiB aligned`);
  }
  return new PartitionBlockDevice(disk, p.firstLba / SECTORS_PER_BLOCK, (p.lastLba + 1 - p.firstLba) / SECTORS_PER_BLOCK);
}
