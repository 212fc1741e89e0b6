// AssemblyScript: the F and D extensions' computational instructions (OP-FP and the fused
// multiply-add group). Loads and stores of f registers are in core.as with the other memory ops.
//
// Single-precision values are NaN-boxed in the 64-bit f registers: a single read from a register
// whose upper half is not all ones is the canonical NaN. NaN results are canonical.
// WebAssembly arithmetic always rounds to nearest-even and reports no exceptions, so: the
// rounding mode is honoured by conversions to integers (where C's casts use RTZ) but not by
// arithmetic; the flags are worked out from the operands: NV (signalling NaN inputs, NaN from
// non-NaN inputs, out-of-range conversions), DZ, and NX/OF/UF by checking whether the rounded
// result equals the exact one (error-free transformations: Knuth's two-sum, Dekker's product),
// with tininess detected after rounding. Fused multiply-add is exact for singles (the product of
// two singles fits a double) but rounds twice for doubles.
import * as S from "./state";
import { fsDirty } from "./csr";

const NAN_F32: u32 = 0x7fc00000;
const NAN_F64: i64 = 0x7ff8000000000000;
const BOX: i64 = <i64>0xffffffff00000000;
const FLAG_NV: i32 = 16;
const FLAG_DZ: i32 = 8;
const FLAG_OF: i32 = 4;
const FLAG_UF: i32 = 2;
const FLAG_NX: i32 = 1;
const MIN_NORMAL_F64: f64 = 2.2250738585072014e-308;
const MIN_NORMAL_F32: f64 = 1.1754943508222875e-38;

/** The exact error of s = fl(a + b): a + b = s + error (Knuth's two-sum; exact barring overflow). */
@inline function addError(a: f64, b: f64, s: f64): f64 {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}

@inline function splitHigh(a: f64): f64 {
  const c = 134217729.0 * a; // 2^27 + 1
  return c - (c - a);
}

/** The exact error of p = fl(a * b): a * b = p + error (Dekker; NaN when a split overflows, taken as inexact). */
function mulError(a: f64, b: f64, p: f64): f64 {
  const ah = splitHigh(a), al = a - ah, bh = splitHigh(b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** Sets NX, OF and UF for a finite-input result `r` that is `inexact`. */
function roundingFlags(r: f64, inexact: bool, single: bool, finiteInputs: bool): void {
  if (isNaN(r)) return;
  if (!isFinite(r)) {
    if (finiteInputs) flag(FLAG_OF | FLAG_NX);
    return;
  }
  if (!inexact) return;
  flag(FLAG_NX);
  if (Math.abs(r) < (single ? MIN_NORMAL_F32 : MIN_NORMAL_F64)) flag(FLAG_UF);
}

@inline function flag(f: i32): void {
  S.fcsr |= f;
}

@inline function getS(r: u32): f32 {
  const v = S.fget(r);
  return (v & BOX) == BOX ? reinterpret<f32>(<u32>v) : reinterpret<f32>(NAN_F32);
}

@inline function getSBits(r: u32): u32 {
  const v = S.fget(r);
  return (v & BOX) == BOX ? <u32>v : NAN_F32;
}

@inline function setSBits(r: u32, b: u32): void {
  S.fset(r, BOX | <i64>b);
}

@inline function setS(r: u32, x: f32): void {
  setSBits(r, isNaN(x) ? NAN_F32 : reinterpret<u32>(x));
}

@inline function getD(r: u32): f64 {
  return reinterpret<f64>(S.fget(r));
}

@inline function setD(r: u32, x: f64): void {
  S.fset(r, isNaN(x) ? NAN_F64 : reinterpret<i64>(x));
}

@inline function isSNaN32(b: u32): bool {
  return (b & 0x7f800000) == 0x7f800000 && (b & 0x7fffff) != 0 && (b & 0x400000) == 0;
}

@inline function isSNaN64(b: i64): bool {
  return (b & 0x7ff0000000000000) == 0x7ff0000000000000 && (b & 0xfffffffffffff) != 0 && (b & 0x8000000000000) == 0;
}

/** NV for a NaN made from non-NaN inputs, or for any signalling input. */
function arithFlags(res: f64, a: f64, b: f64, sigA: bool, sigB: bool): void {
  if (sigA || sigB || (isNaN(res) && !isNaN(a) && !isNaN(b))) flag(FLAG_NV);
}

function roundRm(x: f64, rm: i32): f64 {
  switch (rm) {
    case 1: return Math.trunc(x);
    case 2: return Math.floor(x);
    case 3: return Math.ceil(x);
    case 4: {
      const t = Math.trunc(x);
      return Math.abs(x - t) >= 0.5 ? t + (x < 0 ? -1.0 : 1.0) : t;
    }
    default: return nearest<f64>(x);
  }
}

/** Float to integer with saturation as RISC-V defines it. kind: 0 W, 1 WU, 2 L, 3 LU. */
function toInt(x: f64, rm: i32, kind: u32): i64 {
  if (isNaN(x)) {
    flag(FLAG_NV);
    return kind == 0 ? 0x7fffffff : kind == 1 ? -1 : kind == 2 ? 0x7fffffffffffffff : -1;
  }
  const r = roundRm(x, rm);
  let lo: f64, hi: f64;
  if (kind == 0) { lo = -2147483648.0; hi = 2147483647.0; }
  else if (kind == 1) { lo = 0.0; hi = 4294967295.0; }
  else if (kind == 2) { lo = -9223372036854775808.0; hi = 9223372036854775807.0; }
  else { lo = 0.0; hi = 18446744073709551615.0; }
  if (r < lo) {
    flag(FLAG_NV);
    return kind == 0 ? -2147483648 : kind == 2 ? <i64>0x8000000000000000 : 0;
  }
  if (r > hi || (kind >= 2 && r == hi)) {
    // 2^63 and 2^64 are the doubles nearest the 64-bit limits and are already out of range.
    flag(FLAG_NV);
    return kind == 0 ? 0x7fffffff : kind == 1 ? -1 : kind == 2 ? 0x7fffffffffffffff : -1;
  }
  if (r != x) flag(FLAG_NX);
  if (kind == 0) return <i64><i32>r;
  if (kind == 1) return <i64><i32><u32>r;
  if (kind == 2) return <i64>r;
  return <i64><u64>r;
}

function classify(sign: bool, expAllOnes: bool, expZero: bool, mantZero: bool, quiet: bool): i64 {
  if (expAllOnes) {
    if (mantZero) return sign ? 1 << 0 : 1 << 7;
    return quiet ? 1 << 9 : 1 << 8;
  }
  if (expZero) {
    if (mantZero) return sign ? 1 << 3 : 1 << 4;
    return sign ? 1 << 2 : 1 << 5;
  }
  return sign ? 1 << 1 : 1 << 6;
}

function minMax(a: f64, b: f64, max: bool, sig: bool): f64 {
  if (sig) flag(FLAG_NV);
  if (isNaN(a) && isNaN(b)) return NaN;
  if (isNaN(a)) return b;
  if (isNaN(b)) return a;
  return max ? Math.max(a, b) : Math.min(a, b);
}

/** Executes one OP-FP or fused multiply-add instruction. Returns false when it is illegal. */
export function execFp(insn: u32, xrs1: i64): bool {
  const op = insn & 0x7f;
  const rd = (insn >> 7) & 31;
  const rs1 = (insn >> 15) & 31;
  const rs2 = (insn >> 20) & 31;
  let rm = <i32>((insn >> 12) & 7);
  if (rm == 7) rm = (S.fcsr >> 5) & 7;
  if (op != 0x53) {
    const rs3 = insn >> 27;
    const fmt = (insn >> 25) & 3;
    const negProd = op == 0x4b || op == 0x4f; // FNMSUB, FNMADD
    const negAdd = op == 0x47 || op == 0x4f; // FMSUB, FNMADD
    if (fmt == 0) {
      const a = <f64>getS(rs1), b = <f64>getS(rs2), c = <f64>getS(rs3);
      let p = a * b; // exact: two 24-bit significands
      if (negProd) p = -p;
      const addend = negAdd ? -c : c;
      const sum = p + addend;
      const r32 = <f32>sum;
      if (isNaN(sum) && !isNaN(a) && !isNaN(b) && !isNaN(c)) flag(FLAG_NV);
      roundingFlags(<f64>r32, addError(p, addend, sum) != 0 || <f64>r32 != sum, true, isFinite(a) && isFinite(b) && isFinite(c));
      setS(rd, r32);
    } else if (fmt == 1) {
      const a = getD(rs1), b = getD(rs2), c = getD(rs3);
      let p = a * b;
      const pErr = mulError(a, b, p);
      if (negProd) p = -p;
      const addend = negAdd ? -c : c;
      const r = p + addend;
      if (isNaN(r) && !isNaN(a) && !isNaN(b) && !isNaN(c)) flag(FLAG_NV);
      roundingFlags(r, pErr != 0 || addError(p, addend, r) != 0, false, isFinite(a) && isFinite(b) && isFinite(c));
      setD(rd, r);
    } else return false;
    fsDirty();
    return true;
  }
  const f7 = insn >> 25;
  const dbl = (f7 & 1) != 0;
  const a = dbl ? getD(rs1) : <f64>getS(rs1);
  const b = dbl ? getD(rs2) : <f64>getS(rs2);
  const sigA = dbl ? isSNaN64(S.fget(rs1)) : isSNaN32(getSBits(rs1));
  const sigB = dbl ? isSNaN64(S.fget(rs2)) : isSNaN32(getSBits(rs2));
  let r: f64 = 0;
  switch (f7 & ~1) {
    case 0x00: case 0x04: {
      const bb = (f7 & ~1) == 0x04 ? -b : b;
      const sum = a + bb; // exact for singles' sum up to the error addError measures
      r = dbl ? sum : <f64>(<f32>a + <f32>bb);
      arithFlags(r, a, b, sigA, sigB);
      roundingFlags(r, addError(a, bb, sum) != 0 || r != sum, !dbl, isFinite(a) && isFinite(b));
      break;
    }
    case 0x08: {
      const prod = a * b; // exact for singles
      r = dbl ? prod : <f64>(<f32>a * <f32>b);
      arithFlags(r, a, b, sigA, sigB);
      roundingFlags(r, dbl ? mulError(a, b, prod) != 0 : r != prod, !dbl, isFinite(a) && isFinite(b));
      break;
    }
    case 0x0c: {
      r = dbl ? a / b : <f64>(<f32>a / <f32>b);
      arithFlags(r, a, b, sigA, sigB);
      if (b == 0 && !isNaN(a) && a != 0 && isFinite(a)) flag(FLAG_DZ);
      else if (isFinite(r) && r != 0 && isFinite(b)) {
        // Exact when the quotient times the divisor gives the dividend back exactly.
        const back = r * b;
        roundingFlags(r, back != a || mulError(r, b, back) != 0, !dbl, isFinite(a));
      } else if (isFinite(a) && isFinite(b) && b != 0) roundingFlags(r, a != 0, !dbl, true);
      break;
    }
    case 0x2c: {
      r = dbl ? Math.sqrt(a) : <f64>Mathf.sqrt(<f32>a);
      if (sigA || (isNaN(r) && !isNaN(a))) flag(FLAG_NV);
      else if (isFinite(r)) {
        const sq = r * r;
        roundingFlags(r, sq != a || mulError(r, r, sq) != 0, !dbl, true);
      }
      break;
    }
    case 0x10: {
      // Sign injection works on the raw bits (of the unboxed single).
      if (rm > 2) return false;
      if (dbl) {
        const x = S.fget(rs1), y = S.fget(rs2);
        const sign = rm == 0 ? y : rm == 1 ? ~y : x ^ y;
        S.fset(rd, (x & 0x7fffffffffffffff) | (sign & <i64>0x8000000000000000));
      } else {
        const x = getSBits(rs1), y = getSBits(rs2);
        const sign = rm == 0 ? y : rm == 1 ? ~y : x ^ y;
        setSBits(rd, (x & 0x7fffffff) | (sign & 0x80000000));
      }
      fsDirty();
      return true;
    }
    case 0x14:
      if (rm > 1) return false;
      r = minMax(a, b, rm == 1, sigA || sigB);
      break;
    case 0x20: // FCVT.S.D and FCVT.D.S
      if (dbl) { if (rs2 != 0) return false; if (sigA) flag(FLAG_NV); setD(rd, <f64>getS(rs1)); }
      else {
        if (rs2 != 1) return false;
        const x = getD(rs1);
        if (isSNaN64(S.fget(rs1))) flag(FLAG_NV);
        const r32 = <f32>x;
        roundingFlags(<f64>r32, isFinite(x) && <f64>r32 != x, true, isFinite(x));
        setS(rd, r32);
      }
      fsDirty();
      return true;
    case 0x50: {
      let v: bool;
      if (rm == 2) {
        if (sigA || sigB) flag(FLAG_NV);
        v = a == b;
      } else if (rm == 1 || rm == 0) {
        if (isNaN(a) || isNaN(b)) flag(FLAG_NV);
        v = rm == 1 ? a < b : a <= b;
      } else return false;
      S.xset(rd, v ? 1 : 0);
      return true;
    }
    case 0x60:
      if (rs2 > 3) return false;
      S.xset(rd, toInt(a, rm, rs2));
      return true;
    case 0x68: {
      if (rs2 > 3) return false;
      const signed = rs2 == 0 || rs2 == 2;
      const iv: i64 = rs2 == 0 ? <i64><i32>xrs1 : rs2 == 1 ? <i64><u32>xrs1 : xrs1;
      // Convert once, then check the result against the integer for NX.
      let f: f64;
      if (dbl) f = signed ? <f64>iv : <f64><u64>iv;
      else f = <f64>(signed ? <f32>iv : <f32><u64>iv);
      let exact: bool;
      if (signed) exact = f < 9223372036854775808.0 && f >= -9223372036854775808.0 && <i64>f == iv;
      else exact = f < 18446744073709551616.0 && <u64>f == <u64>iv;
      if (!exact) flag(FLAG_NX);
      if (dbl) setD(rd, f); else setS(rd, <f32>f);
      fsDirty();
      return true;
    }
    case 0x70:
      if (rs2 != 0) return false;
      if (rm == 0) {
        S.xset(rd, dbl ? S.fget(rs1) : <i64><i32>S.fget(rs1));
      } else if (rm == 1) {
        if (dbl) {
          const x = S.fget(rs1);
          const e = (x >> 52) & 0x7ff, m = x & 0xfffffffffffff;
          S.xset(rd, classify(x < 0, e == 0x7ff, e == 0, m == 0, (m & 0x8000000000000) != 0));
        } else {
          const x = getSBits(rs1);
          const e = (x >> 23) & 0xff, m = x & 0x7fffff;
          S.xset(rd, classify((x >> 31) != 0, e == 0xff, e == 0, m == 0, (m & 0x400000) != 0));
        }
      } else return false;
      return true;
    case 0x78:
      if (rs2 != 0 || rm != 0) return false;
      if (dbl) S.fset(rd, xrs1); else setSBits(rd, <u32>xrs1);
      fsDirty();
      return true;
    default:
      return false;
  }
  if (dbl) setD(rd, r); else setS(rd, <f32>r);
  fsDirty();
  return true;
}
