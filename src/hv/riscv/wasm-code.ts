// A small WebAssembly writer for code generated at run time: the opcodes the block translator
// (jit.ts) uses, LEB128 immediates, and the module around one function. Format: the
// WebAssembly 1.0 binary encoding plus the sign-extension operators (i64.extend8_s and
// friends), which every engine MACROHARD runs on has.

export const OP = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, brTable: 0x0e, return: 0x0f, call: 0x10,
  drop: 0x1a, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29,
  i64Load8S: 0x30, i64Load8U: 0x31, i64Load16S: 0x32, i64Load16U: 0x33, i64Load32S: 0x34, i64Load32U: 0x35,
  i32Store: 0x36, i64Store: 0x37, i64Store8: 0x3c, i64Store16: 0x3d, i64Store32: 0x3e,
  i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32Eq: 0x46, i32LtU: 0x49, i32LeU: 0x4d,
  i64Eqz: 0x50, i64Eq: 0x51, i64Ne: 0x52, i64LtS: 0x53, i64LtU: 0x54, i64GeS: 0x59, i64GeU: 0x5a,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Or: 0x72, i32Shl: 0x74, i32ShrS: 0x75, i32ShrU: 0x76,
  i64Add: 0x7c, i64Sub: 0x7d, i64Mul: 0x7e, i64And: 0x83, i64Or: 0x84, i64Xor: 0x85,
  i64Shl: 0x86, i64ShrS: 0x87, i64ShrU: 0x88,
  i32WrapI64: 0xa7, i64ExtendI32S: 0xac, i64ExtendI32U: 0xad,
  i64Extend8S: 0xc2, i64Extend16S: 0xc3, i64Extend32S: 0xc4,
} as const;

export const I32 = 0x7f;
export const I64 = 0x7e;
/** Block type of an `if` or `block` that leaves nothing on the stack. */
export const VOID = 0x40;

/**
 * The bytes of one function body (or any section), appended in order to a buffer that doubles
 * when full: a translated batch is tens of kilobytes, and growing arrays of numbers would leave
 * that much garbage per batch for the collector.
 */
export class Code {
  private buf = new Uint8Array(256);
  length = 0;

  /** The bytes written so far (a view, valid until the next write). */
  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  private push(b: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = b;
  }

  append(other: Code): this {
    const n = other.length;
    while (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf.set(other.bytes, this.length);
    this.length += n;
    return this;
  }

  op(...ops: number[]): this {
    for (const o of ops) this.push(o);
    return this;
  }

  uleb(v: number): this {
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.push(b);
    } while (v !== 0);
    return this;
  }

  /** A signed LEB128 of an integer in the safe range (constants here are at most 32 bits and pc offsets). */
  sleb(v: number): this {
    for (;;) {
      const b = v & 0x7f;
      v = Math.floor(v / 128);
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.push(b);
        return this;
      }
      this.push(b | 0x80);
    }
  }

  i32(v: number): this {
    return this.op(OP.i32Const).sleb(v);
  }

  i64(v: number): this {
    return this.op(OP.i64Const).sleb(v);
  }

  get(local: number): this {
    return this.op(OP.localGet).uleb(local);
  }

  set(local: number): this {
    return this.op(OP.localSet).uleb(local);
  }

  tee(local: number): this {
    return this.op(OP.localTee).uleb(local);
  }

  /** A load or store with its memory immediate (alignment hint 0: guest accesses may be misaligned). */
  mem(op: number, offset: number): this {
    return this.op(op, 0).uleb(offset);
  }

  name(s: string): this {
    const b = new TextEncoder().encode(s);
    this.uleb(b.length);
    for (const x of b) this.push(x);
    return this;
  }

  section(id: number, body: Code): this {
    return this.op(id).uleb(body.length).append(body);
  }
}

export interface FuncType {
  params: number[];
  results: number[];
}

/**
 * A module that imports memory `c.m` and the functions `c.f0`, `c.f1`, ... (types `imports`),
 * and exports functions "0", "1", ... of type `type`, one per body in `bodies` (each without
 * its final `end`), all with the locals `locals` (value types, after the parameters).
 */
export function moduleBytes(imports: FuncType[], type: FuncType, locals: number[], bodies: Code[]): Uint8Array {
  const out = new Code().op(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  const types = new Code().uleb(imports.length + 1);
  for (const t of [...imports, type]) {
    types.op(0x60).uleb(t.params.length).op(...t.params).uleb(t.results.length).op(...t.results);
  }
  out.section(1, types);
  const imp = new Code().uleb(imports.length + 1);
  imp.name('c').name('m').op(0x02, 0x00).uleb(0);
  imports.forEach((_, i) => imp.name('c').name(`f${i}`).op(0x00).uleb(i));
  out.section(2, imp);
  const funcs = new Code().uleb(bodies.length);
  const exports = new Code().uleb(bodies.length);
  bodies.forEach((_, i) => {
    funcs.uleb(imports.length);
    exports.name(String(i)).op(0x00).uleb(imports.length + i);
  });
  out.section(3, funcs);
  out.section(7, exports);
  // Locals as runs of one type.
  const runs: Array<[number, number]> = [];
  for (const t of locals) {
    const last = runs.at(-1);
    if (last && last[1] === t) last[0]++;
    else runs.push([1, t]);
  }
  const code = new Code().uleb(bodies.length);
  for (const body of bodies) {
    const fn = new Code().uleb(runs.length);
    for (const [n, t] of runs) fn.uleb(n).op(t);
    fn.append(body).op(OP.end);
    code.uleb(fn.length).append(fn);
  }
  out.section(10, code);
  return out.bytes;
}
