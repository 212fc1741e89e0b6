// AssemblyScript: the C extension, as a table. Every 16-bit instruction of RV64C expands to one
// 32-bit instruction with the same effect; buildRvcTable() computes that expansion for all 65536
// parcels once, so the run loop decodes a compressed instruction with one load. A parcel that is
// reserved or illegal (including the all-zero parcel) maps to 0, which is itself illegal.
import * as S from "./state";

@inline function bits(x: u32, hi: u32, lo: u32): u32 {
  return (x >> lo) & ((1 << (hi - lo + 1)) - 1);
}

@inline function sext(x: u32, width: u32): i32 {
  return (<i32>(x << (32 - width))) >> (32 - width);
}

function encI(op: u32, rd: u32, f3: u32, rs1: u32, imm: i32): u32 {
  return ((<u32>imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}

function encS(op: u32, f3: u32, rs1: u32, rs2: u32, imm: i32): u32 {
  const u = <u32>imm;
  return (((u >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 31) << 7) | op;
}

function encR(op: u32, f3: u32, f7: u32, rd: u32, rs1: u32, rs2: u32): u32 {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}

function encB(f3: u32, rs1: u32, rs2: u32, imm: i32): u32 {
  const u = <u32>imm;
  return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    (((u >> 1) & 0xf) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}

function encJ(rd: u32, imm: i32): u32 {
  const u = <u32>imm;
  return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3ff) << 21) | (((u >> 11) & 1) << 20) | (((u >> 12) & 0xff) << 12) |
    (rd << 7) | 0x6f;
}

/** The 32-bit instruction a compressed parcel stands for, or 0 when it is illegal. */
export function expand(c: u32): u32 {
  const quadrant = c & 3;
  const f3 = bits(c, 15, 13);
  const rdp = bits(c, 4, 2) + 8; // rd' / rs2'
  const rs1p = bits(c, 9, 7) + 8; // rs1' / rd'
  const rd = bits(c, 11, 7);
  const rs2 = bits(c, 6, 2);
  const imm6 = sext((bits(c, 12, 12) << 5) | bits(c, 6, 2), 6);
  if (quadrant == 0) {
    const uLd = (bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6); // ld, sd, fld, fsd
    const uLw = (bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6); // lw, sw
    switch (f3) {
      case 0: {
        const nz = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 3);
        return nz == 0 ? 0 : encI(0x13, rdp, 0, 2, nz); // C.ADDI4SPN
      }
      case 1: return encI(0x07, rdp, 3, rs1p, uLd); // C.FLD
      case 2: return encI(0x03, rdp, 2, rs1p, uLw); // C.LW
      case 3: return encI(0x03, rdp, 3, rs1p, uLd); // C.LD
      case 5: return encS(0x27, 3, rs1p, rdp, uLd); // C.FSD
      case 6: return encS(0x23, 2, rs1p, rdp, uLw); // C.SW
      case 7: return encS(0x23, 3, rs1p, rdp, uLd); // C.SD
      default: return 0;
    }
  }
  if (quadrant == 1) {
    switch (f3) {
      case 0: return encI(0x13, rd, 0, rd, imm6); // C.ADDI (C.NOP when rd = 0)
      case 1: return rd == 0 ? 0 : encI(0x1b, rd, 0, rd, imm6); // C.ADDIW
      case 2: return encI(0x13, rd, 0, 0, imm6); // C.LI
      case 3: {
        if (rd == 2) { // C.ADDI16SP
          const nz = sext((bits(c, 12, 12) << 9) | (bits(c, 6, 6) << 4) | (bits(c, 5, 5) << 6) | (bits(c, 4, 3) << 7) |
            (bits(c, 2, 2) << 5), 10);
          return nz == 0 ? 0 : encI(0x13, 2, 0, 2, nz);
        }
        if (imm6 == 0) return 0;
        return ((<u32>imm6 << 12) & 0xfffff000) | (rd << 7) | 0x37; // C.LUI
      }
      case 4: {
        const f2 = bits(c, 11, 10);
        const shamt = (bits(c, 12, 12) << 5) | bits(c, 6, 2);
        if (f2 == 0) return encI(0x13, rs1p, 5, rs1p, <i32>shamt); // C.SRLI
        if (f2 == 1) return encI(0x13, rs1p, 5, rs1p, <i32>(shamt | 0x400)); // C.SRAI
        if (f2 == 2) return encI(0x13, rs1p, 7, rs1p, imm6); // C.ANDI
        const sel = bits(c, 6, 5);
        if (bits(c, 12, 12) == 0) {
          if (sel == 0) return encR(0x33, 0, 0x20, rs1p, rs1p, rdp); // C.SUB
          if (sel == 1) return encR(0x33, 4, 0, rs1p, rs1p, rdp); // C.XOR
          if (sel == 2) return encR(0x33, 6, 0, rs1p, rs1p, rdp); // C.OR
          return encR(0x33, 7, 0, rs1p, rs1p, rdp); // C.AND
        }
        if (sel == 0) return encR(0x3b, 0, 0x20, rs1p, rs1p, rdp); // C.SUBW
        if (sel == 1) return encR(0x3b, 0, 0, rs1p, rs1p, rdp); // C.ADDW
        return 0;
      }
      case 5: { // C.J
        const off = sext((bits(c, 12, 12) << 11) | (bits(c, 11, 11) << 4) | (bits(c, 10, 9) << 8) | (bits(c, 8, 8) << 10) |
          (bits(c, 7, 7) << 6) | (bits(c, 6, 6) << 7) | (bits(c, 5, 3) << 1) | (bits(c, 2, 2) << 5), 12);
        return encJ(0, off);
      }
      default: { // C.BEQZ, C.BNEZ
        const off = sext((bits(c, 12, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6) | (bits(c, 4, 3) << 1) |
          (bits(c, 2, 2) << 5), 9);
        return encB(f3 == 6 ? 0 : 1, rs1p, 0, off);
      }
    }
  }
  if (quadrant == 2) {
    switch (f3) {
      case 0: return encI(0x13, rd, 1, rd, <i32>((bits(c, 12, 12) << 5) | bits(c, 6, 2))); // C.SLLI
      case 1: // C.FLDSP
        return encI(0x07, rd, 3, 2, <i32>((bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6)));
      case 2: // C.LWSP
        if (rd == 0) return 0;
        return encI(0x03, rd, 2, 2, <i32>((bits(c, 12, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6)));
      case 3: // C.LDSP
        if (rd == 0) return 0;
        return encI(0x03, rd, 3, 2, <i32>((bits(c, 12, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6)));
      case 4:
        if (bits(c, 12, 12) == 0) {
          if (rs2 == 0) return rd == 0 ? 0 : encI(0x67, 0, 0, rd, 0); // C.JR
          return encR(0x33, 0, 0, rd, 0, rs2); // C.MV
        }
        if (rs2 == 0) {
          if (rd == 0) return 0x00100073; // C.EBREAK
          return encI(0x67, 1, 0, rd, 0); // C.JALR
        }
        return encR(0x33, 0, 0, rd, rd, rs2); // C.ADD
      case 5: // C.FSDSP
        return encS(0x27, 3, 2, rs2, <i32>((bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6)));
      case 6: // C.SWSP
        return encS(0x23, 2, 2, rs2, <i32>((bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6)));
      default: // C.SDSP
        return encS(0x23, 3, 2, rs2, <i32>((bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6)));
    }
  }
  return 0;
}

export function buildRvcTable(): void {
  for (let c: u32 = 0; c < 65536; c++) {
    store<u32>(S.RVC_TABLE + (<usize>c << 2), (c & 3) == 3 ? 0 : expand(c));
  }
}
