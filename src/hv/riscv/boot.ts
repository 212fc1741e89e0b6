// Loading a guest per the RISC-V Linux boot convention (Documentation/riscv/boot.rst and
// boot-image-header.rst): the kernel Image at RAM base + text_offset (2 MiB for RV64), the device
// tree and initrd at the top of RAM, and the boot hart entered in S-mode with a0 = its hart id,
// a1 = the device tree's physical address, satp = 0 and interrupts off.
//
// Image header (64 bytes, little-endian), offsets named once:
//   0x00 code0 u32, 0x04 code1 u32, 0x08 text_offset u64, 0x10 image_size u64, 0x18 flags u64,
//   0x20 version u32, 0x24 res1 u32, 0x28 res2 u64, 0x30 magic "RISCV\0\0\0" (deprecated),
//   0x38 magic2 "RSC\x05", 0x3c res3 u32
export const IMAGE_HEADER_SIZE = 64;
const HDR_TEXT_OFFSET = 0x08;
const HDR_IMAGE_SIZE = 0x10;
const HDR_VERSION = 0x20;
const HDR_MAGIC = 0x30;
const HDR_MAGIC2 = 0x38;
const MAGIC = 0x5643534952n; // "RISCV"
const MAGIC2 = 0x05435352; // "RSC\x05"

const MiB = 1 << 20;

export class BootError extends Error {}

export interface ImageHeader {
  textOffset: number;
  imageSize: number;
  version: number;
}

/** Validates a kernel Image and reads its header; throws BootError with the reason when it is not one. */
export function parseImageHeader(kernel: Uint8Array): ImageHeader {
  if (kernel.byteLength < IMAGE_HEADER_SIZE) throw new BootError(`kernel is ${kernel.byteLength} bytes: too short for a RISC-V Image header`);
  const dv = new DataView(kernel.buffer, kernel.byteOffset, kernel.byteLength);
  const magicOk = dv.getUint32(HDR_MAGIC2, true) === MAGIC2 || (dv.getBigUint64(HDR_MAGIC, true) & 0xffffffffffn) === MAGIC;
  if (!magicOk) {
    const elf = kernel[0] === 0x7f && kernel[1] === 0x45 && kernel[2] === 0x4c && kernel[3] === 0x46;
    throw new BootError(elf ? 'kernel is an ELF file (vmlinux); pass arch/riscv/boot/Image' : 'kernel has no RISC-V Image magic ("RSC\\x05" at 0x38)');
  }
  const textOffset = Number(dv.getBigUint64(HDR_TEXT_OFFSET, true));
  const imageSize = Number(dv.getBigUint64(HDR_IMAGE_SIZE, true));
  return { textOffset: textOffset || 2 * MiB, imageSize: Math.max(imageSize, kernel.byteLength), version: dv.getUint32(HDR_VERSION, true) };
}

export interface BootPlan {
  kernelAddr: number;
  kernelEnd: number;
  dtbAddr: number;
  initrd?: { start: number; end: number };
}

/**
 * Places kernel, initrd and device tree in RAM. The device tree goes in the top 2 MiB-aligned
 * block that holds it, the initrd page-aligned below it, both above the kernel's image_size.
 */
export function planBoot(ramBase: number, ramSize: number, header: ImageHeader, initrdSize: number | undefined, dtbSize: number): BootPlan {
  const kernelAddr = ramBase + header.textOffset;
  const kernelEnd = kernelAddr + header.imageSize;
  const ramEnd = ramBase + ramSize;
  const dtbAddr = Math.floor((ramEnd - dtbSize - 64) / (2 * MiB)) * 2 * MiB;
  let initrd: BootPlan['initrd'];
  let low = dtbAddr;
  if (initrdSize !== undefined) {
    const start = Math.floor((dtbAddr - initrdSize) / 4096) * 4096;
    initrd = { start, end: start + initrdSize };
    low = start;
  }
  if (low < kernelEnd) {
    throw new BootError(`guest RAM of ${ramSize / MiB} MiB cannot hold the kernel (${header.imageSize} bytes at +0x${header.textOffset.toString(16)})` +
      `${initrdSize !== undefined ? `, the initrd (${initrdSize} bytes)` : ''} and the device tree`);
  }
  return { kernelAddr, kernelEnd, dtbAddr, initrd };
}

// Leading bytes of what Linux unpacks as an initramfs: a newc cpio archive, or one compressed
// with a decompressor the kernel may have (gzip, bzip2, xz, lzma, lzo, lz4, zstd).
const INITRD_MAGICS: Array<[string, number[]]> = [
  ['cpio (newc)', [0x30, 0x37, 0x30, 0x37, 0x30, 0x31]],
  ['cpio (crc)', [0x30, 0x37, 0x30, 0x37, 0x30, 0x32]],
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['lzma', [0x5d, 0x00, 0x00]],
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f]],
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** Names the initrd's format, or throws BootError when it is none Linux can unpack. */
export function checkInitrd(initrd: Uint8Array): string {
  for (const [name, magic] of INITRD_MAGICS) {
    if (magic.every((b, i) => initrd[i] === b)) return name;
  }
  throw new BootError('initrd is neither a newc cpio archive nor a compressed one (gzip, bzip2, xz, lzma, lzo, lz4, zstd)');
}
