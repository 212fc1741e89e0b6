// RV64 instruction encoders: the base formats (R, I, S, B, U, J) and the mnemonics the machine's
// boot stub and the toolchain-free tests use. Immediates are checked against their field widths,
// so a test cannot silently encode something other than what it says.

export type Reg = number;

function checkReg(r: Reg): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`bad register x${r}`);
  return r;
}

function checkImm(imm: number, bits: number, align = 1): number {
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** (bits - 1) - 1;
  if (!Number.isInteger(imm) || imm < lo || imm > hi || imm % align !== 0) {
    throw new RangeError(`immediate ${imm} does not fit ${bits} bits (alignment ${align})`);
  }
  return imm;
}

export function rType(op: number, f3: number, f7: number, rd: Reg, rs1: Reg, rs2: Reg): number {
  return ((f7 << 25) | (checkReg(rs2) << 20) | (checkReg(rs1) << 15) | (f3 << 12) | (checkReg(rd) << 7) | op) >>> 0;
}

export function iType(op: number, f3: number, rd: Reg, rs1: Reg, imm: number): number {
  checkImm(imm, 12);
  return (((imm & 0xfff) << 20) | (checkReg(rs1) << 15) | (f3 << 12) | (checkReg(rd) << 7) | op) >>> 0;
}

export function sType(op: number, f3: number, rs1: Reg, rs2: Reg, imm: number): number {
  checkImm(imm, 12);
  return ((((imm >> 5) & 0x7f) << 25) | (checkReg(rs2) << 20) | (checkReg(rs1) << 15) | (f3 << 12) | ((imm & 31) << 7) | op) >>> 0;
}

export function bType(f3: number, rs1: Reg, rs2: Reg, imm: number): number {
  checkImm(imm, 13, 2);
  return ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (checkReg(rs2) << 20) | (checkReg(rs1) << 15) |
    (f3 << 12) | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;
}

export function uType(op: number, rd: Reg, imm20: number): number {
  return (((imm20 & 0xfffff) << 12) | (checkReg(rd) << 7) | op) >>> 0;
}

export function jType(rd: Reg, imm: number): number {
  checkImm(imm, 21, 2);
  return ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) | (((imm >> 12) & 0xff) << 12) |
    (checkReg(rd) << 7) | 0x6f) >>> 0;
}

export const addi = (rd: Reg, rs1: Reg, imm: number) => iType(0x13, 0, rd, rs1, imm);
export const slli = (rd: Reg, rs1: Reg, sh: number) => iType(0x13, 1, rd, rs1, sh);
export const srli = (rd: Reg, rs1: Reg, sh: number) => iType(0x13, 5, rd, rs1, sh);
export const srai = (rd: Reg, rs1: Reg, sh: number) => iType(0x13, 5, rd, rs1, sh | 0x400);
export const addiw = (rd: Reg, rs1: Reg, imm: number) => iType(0x1b, 0, rd, rs1, imm);
export const add = (rd: Reg, rs1: Reg, rs2: Reg) => rType(0x33, 0, 0, rd, rs1, rs2);
export const sub = (rd: Reg, rs1: Reg, rs2: Reg) => rType(0x33, 0, 0x20, rd, rs1, rs2);
export const mul = (rd: Reg, rs1: Reg, rs2: Reg) => rType(0x33, 0, 1, rd, rs1, rs2);
export const mulhu = (rd: Reg, rs1: Reg, rs2: Reg) => rType(0x33, 3, 1, rd, rs1, rs2);
export const div = (rd: Reg, rs1: Reg, rs2: Reg) => rType(0x33, 4, 1, rd, rs1, rs2);
export const lui = (rd: Reg, imm20: number) => uType(0x37, rd, imm20);
export const auipc = (rd: Reg, imm20: number) => uType(0x17, rd, imm20);
export const jal = (rd: Reg, off: number) => jType(rd, off);
export const jalr = (rd: Reg, rs1: Reg, off: number) => iType(0x67, 0, rd, rs1, off);
export const beq = (rs1: Reg, rs2: Reg, off: number) => bType(0, rs1, rs2, off);
export const bne = (rs1: Reg, rs2: Reg, off: number) => bType(1, rs1, rs2, off);
export const blt = (rs1: Reg, rs2: Reg, off: number) => bType(4, rs1, rs2, off);
export const ld = (rd: Reg, rs1: Reg, off: number) => iType(0x03, 3, rd, rs1, off);
export const lw = (rd: Reg, rs1: Reg, off: number) => iType(0x03, 2, rd, rs1, off);
export const lbu = (rd: Reg, rs1: Reg, off: number) => iType(0x03, 4, rd, rs1, off);
export const sd = (rs2: Reg, rs1: Reg, off: number) => sType(0x23, 3, rs1, rs2, off);
export const sw = (rs2: Reg, rs1: Reg, off: number) => sType(0x23, 2, rs1, rs2, off);
export const sb = (rs2: Reg, rs1: Reg, off: number) => sType(0x23, 0, rs1, rs2, off);
export const csrrw = (rd: Reg, csr: number, rs1: Reg) => iType(0x73, 1, rd, rs1, csr >= 0x800 ? csr - 0x1000 : csr);
export const csrrs = (rd: Reg, csr: number, rs1: Reg) => iType(0x73, 2, rd, rs1, csr >= 0x800 ? csr - 0x1000 : csr);
export const csrr = (rd: Reg, csr: number) => csrrs(rd, csr, 0);
export const csrw = (csr: number, rs1: Reg) => csrrw(0, csr, rs1);
export const ECALL = 0x00000073;
export const EBREAK = 0x00100073;
export const MRET = 0x30200073;
export const SRET = 0x10200073;
export const WFI = 0x10500073;
export const NOP = 0x00000013;

/** Instructions that load a 64-bit constant into `rd` (lui/addiw/slli/addi, as `li` expands). */
export function li(rd: Reg, value: bigint | number): number[] {
  const v = BigInt.asIntN(64, BigInt(value));
  if (v >= -2048n && v < 2048n) return [addi(rd, 0, Number(v))];
  if (v >= -(2n ** 31n) && v < 2n ** 31n) {
    const lo = Number(BigInt.asIntN(12, v));
    const hi = Number(BigInt.asIntN(32, v - BigInt(lo))) >> 12;
    const out = [lui(rd, hi & 0xfffff)];
    if (lo !== 0) out.push(addiw(rd, rd, lo));
    return out;
  }
  // Peel off the low 12 bits, load the rest shifted down, shift back and add.
  const lo = Number(BigInt.asIntN(12, v));
  const rest = (v - BigInt(lo)) >> 12n;
  let shift = 12;
  let r = rest;
  while ((r & 1n) === 0n && shift < 60) {
    r >>= 1n;
    shift++;
  }
  const out = [...li(rd, r), slli(rd, rd, shift)];
  if (lo !== 0) out.push(addi(rd, rd, lo));
  return out;
}

/** Little-endian bytes of a list of 32-bit instructions. */
export function toBytes(words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
}
