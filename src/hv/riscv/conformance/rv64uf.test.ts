// RV64F and RV64D conformance: arithmetic, square root, min/max with NaNs and signed zeros,
// sign injection, conversions in every rounding mode with saturation, compares, classification,
// fused multiply-add, loads/stores, NaN-boxing of singles, fflags (NV, DZ) and mstatus.FS.
// Expected bit patterns come from the host's IEEE 754 doubles and Math.fround.
import { test } from 'node:test';
import { Program, needsToolchain, s64, s32 } from './suite.js';

const dv = new DataView(new ArrayBuffer(8));
function bitsD(x: number): bigint {
  dv.setFloat64(0, x, true);
  return dv.getBigInt64(0, true);
}
function bitsS(x: number): bigint {
  dv.setFloat32(0, x, true);
  return BigInt(dv.getUint32(0, true));
}
const NAN_D = 0x7ff8000000000000n;
const NAN_S = 0x7fc00000n;
const boxed = (b: bigint): bigint => s64(0xffffffff00000000n | b);

const loadD = (f: string, x: number) => [`li t0, ${bitsD(x)}`, `fmv.d.x ${f}, t0`];
const loadS = (f: string, x: number) => [`li t0, ${s32(bitsS(x))}`, `fmv.w.x ${f}, t0`];
const checkDBits = (f: string, b: bigint) => [`fmv.x.d a0, ${f}`, `CHECK a0, ${s64(b)}`];
const checkD = (f: string, x: number) => checkDBits(f, Number.isNaN(x) ? NAN_D : bitsD(x));
const checkS = (f: string, x: number) => [`fmv.x.d a0, ${f}`, `CHECK a0, ${boxed(Number.isNaN(x) ? NAN_S : bitsS(x))}`];

const RM = ['rne', 'rtz', 'rdn', 'rup', 'rmm'] as const;
function round(x: number, rm: (typeof RM)[number]): number {
  switch (rm) {
    case 'rtz': return Math.trunc(x);
    case 'rdn': return Math.floor(x);
    case 'rup': return Math.ceil(x);
    case 'rmm': return Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
    default: {
      const f = Math.floor(x);
      const d = x - f;
      return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    }
  }
}
function toInt(x: number, rm: (typeof RM)[number], kind: 'w' | 'wu' | 'l' | 'lu'): bigint {
  const [lo, hi] = kind === 'w' ? [-(2n ** 31n), 2n ** 31n - 1n] : kind === 'wu' ? [0n, 2n ** 32n - 1n] : kind === 'l' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
  let v: bigint;
  if (Number.isNaN(x)) v = hi;
  else {
    const r = round(x, rm);
    v = r === Infinity ? hi : r === -Infinity ? lo : BigInt(r);
    if (v < lo) v = lo;
    if (v > hi) v = hi;
  }
  // Word results are sign-extended from 32 bits, whatever their signedness.
  return kind === 'w' || kind === 'wu' ? s32(v) : s64(v);
}

test('rv64ud: double-precision arithmetic, min/max, sign injection, compares, classes', needsToolchain(), async () => {
  const p = new Program();
  const pairs: Array<[number, number]> = [[1.5, 2.25], [0.1, 0.2], [1e308, 1e308], [-0, 0], [3, -7.5], [Infinity, 1], [5e-324, 2], [1, 3]];
  const ops: Record<string, (a: number, b: number) => number> = { fadd: (a, b) => a + b, fsub: (a, b) => a - b, fmul: (a, b) => a * b, fdiv: (a, b) => a / b };
  for (const [name, op] of Object.entries(ops)) {
    for (const [a, b] of pairs) p.check(`${name}.d ${a}, ${b}`, [...loadD('fa1', a), ...loadD('fa2', b), `${name}.d fa0, fa1, fa2`, ...checkD('fa0', op(a, b))]);
  }
  p.check('inf - inf is the canonical NaN and raises NV', ['fsflags zero', ...loadD('fa1', Infinity), 'fsub.d fa0, fa1, fa1', ...checkDBits('fa0', NAN_D), 'frflags a1', 'CHECK a1, 16']);
  p.check('1/0 is inf and raises DZ', ['fsflags zero', ...loadD('fa1', 1), 'fmv.d.x fa2, zero', 'fdiv.d fa0, fa1, fa2', ...checkD('fa0', Infinity), 'frflags a1', 'CHECK a1, 8']);
  for (const x of [2, 0.25, 1e-300, 0]) p.check(`fsqrt.d ${x}`, [...loadD('fa1', x), 'fsqrt.d fa0, fa1', ...checkD('fa0', Math.sqrt(x))]);
  p.check('fsqrt.d -1 is NaN with NV', ['fsflags zero', ...loadD('fa1', -1), 'fsqrt.d fa0, fa1', ...checkDBits('fa0', NAN_D), 'frflags a1', 'CHECK a1, 16']);
  const mm: Array<[number, number]> = [[1, 2], [-0, 0], [0, -0], [NaN, 3], [3, NaN], [NaN, NaN], [-Infinity, 5]];
  for (const [a, b] of mm) {
    const min = Number.isNaN(a) ? (Number.isNaN(b) ? NaN : b) : Number.isNaN(b) ? a : a === 0 && b === 0 ? (Object.is(a, -0) || Object.is(b, -0) ? -0 : 0) : Math.min(a, b);
    const max = Number.isNaN(a) ? (Number.isNaN(b) ? NaN : b) : Number.isNaN(b) ? a : a === 0 && b === 0 ? (Object.is(a, 0) || Object.is(b, 0) ? 0 : -0) : Math.max(a, b);
    p.check(`fmin.d/fmax.d ${a}, ${b}`, [...loadD('fa1', a), ...loadD('fa2', b), 'fmin.d fa0, fa1, fa2', ...checkD('fa0', min), 'fmax.d fa0, fa1, fa2', ...checkD('fa0', max)]);
  }
  p.check('fsgnj.d, fsgnjn.d, fsgnjx.d', [...loadD('fa1', 2.5), ...loadD('fa2', -1), 'fsgnj.d fa0, fa1, fa2', ...checkD('fa0', -2.5),
    'fsgnjn.d fa0, fa1, fa2', ...checkD('fa0', 2.5), 'fsgnjx.d fa0, fa2, fa2', ...checkD('fa0', 1), 'fneg.d fa0, fa1', ...checkD('fa0', -2.5), 'fabs.d fa0, fa2', ...checkD('fa0', 1)]);
  const cmp: Array<[number, number]> = [[1, 2], [2, 1], [2, 2], [NaN, 1], [-0, 0]];
  for (const [a, b] of cmp) {
    p.check(`feq/flt/fle.d ${a}, ${b}`, [...loadD('fa1', a), ...loadD('fa2', b), 'feq.d a1, fa1, fa2', `CHECK a1, ${a === b ? 1 : 0}`,
      'flt.d a1, fa1, fa2', `CHECK a1, ${a < b ? 1 : 0}`, 'fle.d a1, fa1, fa2', `CHECK a1, ${a <= b ? 1 : 0}`]);
  }
  const classes: Array<[bigint, number]> = [[bitsD(-Infinity), 0], [bitsD(-1), 1], [bitsD(-5e-324), 2], [bitsD(-0), 3], [bitsD(0), 4], [bitsD(5e-324), 5],
    [bitsD(1), 6], [bitsD(Infinity), 7], [0x7ff0000000000001n, 8], [NAN_D, 9]];
  for (const [b, bit] of classes) p.check(`fclass.d 0x${b.toString(16)}`, [`li t0, ${s64(b)}`, 'fmv.d.x fa1, t0', 'fclass.d a1, fa1', `CHECK a1, ${1 << bit}`]);
  p.check('fmadd.d, fmsub.d, fnmsub.d, fnmadd.d', [...loadD('fa1', 2), ...loadD('fa2', 3), ...loadD('fa3', 1),
    'fmadd.d fa0, fa1, fa2, fa3', ...checkD('fa0', 7), 'fmsub.d fa0, fa1, fa2, fa3', ...checkD('fa0', 5),
    'fnmsub.d fa0, fa1, fa2, fa3', ...checkD('fa0', -5), 'fnmadd.d fa0, fa1, fa2, fa3', ...checkD('fa0', -7)]);
  p.check('fld/fsd round trip', ['li a1, SCRATCH', ...loadD('fa1', Math.PI), 'fsd fa1, 8(a1)', 'fld fa2, 8(a1)', ...checkD('fa2', Math.PI), 'ld a2, 8(a1)', `CHECK a2, ${bitsD(Math.PI)}`]);
  await p.runInEveryMode();
});

test('rv64ud: conversions in every rounding mode, with saturation', needsToolchain(), async () => {
  const p = new Program();
  const xs = [1.5, 2.5, -1.5, -2.5, 0.5, -0.5, 1e10, -1e10, 3e19, -3e19, NaN, 123.456];
  for (const x of xs) {
    for (const rm of RM) {
      for (const kind of ['w', 'wu', 'l', 'lu'] as const) {
        p.check(`fcvt.${kind}.d ${x} ${rm}`, [...loadD('fa1', x), `fcvt.${kind}.d a1, fa1, ${rm}`, `CHECK a1, ${toInt(x, rm, kind)}`]);
      }
    }
  }
  p.check('out-of-range conversion raises NV, exact one raises nothing', ['fsflags zero', ...loadD('fa1', -1), 'fcvt.wu.d a1, fa1, rtz', 'frflags a2', 'CHECK a2, 16',
    'fsflags zero', ...loadD('fa1', 4), 'fcvt.w.d a1, fa1, rtz', 'frflags a2', 'CHECK a2, 0', 'fsflags zero', ...loadD('fa1', 4.5), 'fcvt.w.d a1, fa1, rtz', 'frflags a2', 'CHECK a2, 1']);
  const ints: bigint[] = [0n, 1n, -1n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n];
  for (const v of ints) {
    p.check(`fcvt.d.l ${v}`, [`li a1, ${v}`, 'fcvt.d.l fa0, a1', ...checkD('fa0', Number(v))]);
    p.check(`fcvt.d.lu ${v}`, [`li a1, ${v}`, 'fcvt.d.lu fa0, a1', ...checkD('fa0', Number(BigInt.asUintN(64, v)))]);
    p.check(`fcvt.d.w ${v}`, [`li a1, ${v}`, 'fcvt.d.w fa0, a1', ...checkD('fa0', Number(s32(v)))]);
    p.check(`fcvt.d.wu ${v}`, [`li a1, ${v}`, 'fcvt.d.wu fa0, a1', ...checkD('fa0', Number(BigInt.asUintN(32, v)))]);
    p.check(`fcvt.s.l ${v}`, [`li a1, ${v}`, 'fcvt.s.l fa0, a1', ...checkS('fa0', Math.fround(Number(v)))]);
  }
  p.check('fcvt.s.d and fcvt.d.s', [...loadD('fa1', 0.1), 'fcvt.s.d fa0, fa1', ...checkS('fa0', Math.fround(0.1)), 'fcvt.d.s fa2, fa0', ...checkD('fa2', Math.fround(0.1))]);
  await p.runInEveryMode();
});

test('rv64uf: single precision, NaN-boxing, fcsr and mstatus.FS', needsToolchain(), async () => {
  const p = new Program();
  const f = Math.fround;
  const pairs: Array<[number, number]> = [[1.5, 2.25], [0.1, 0.2], [3e38, 3e38], [1, 3], [-0, 0]];
  const ops: Record<string, (a: number, b: number) => number> = { fadd: (a, b) => a + b, fsub: (a, b) => a - b, fmul: (a, b) => a * b, fdiv: (a, b) => a / b };
  for (const [name, op] of Object.entries(ops)) {
    for (const [a, b] of pairs) p.check(`${name}.s ${a}, ${b}`, [...loadS('fa1', f(a)), ...loadS('fa2', f(b)), `${name}.s fa0, fa1, fa2`, ...checkS('fa0', f(op(f(a), f(b))))]);
  }
  p.check('fsqrt.s 2', [...loadS('fa1', 2), 'fsqrt.s fa0, fa1', ...checkS('fa0', f(Math.sqrt(2)))]);
  p.check('fmadd.s is exact for singles', [...loadS('fa1', f(1 + 2 ** -23)), ...loadS('fa2', f(1 - 2 ** -23)), ...loadS('fa3', -1),
    'fmadd.s fa0, fa1, fa2, fa3', ...checkS('fa0', f(-(2 ** -46)))]);
  p.check('a single from an unboxed register is the canonical NaN', ['li t0, 0x3f800000', 'fmv.d.x fa1, t0', 'fadd.s fa0, fa1, fa1', ...checkS('fa0', NaN)]);
  p.check('fmv.x.w sign-extends and fmv.w.x boxes', ['li t0, 0xbf800000', 'fmv.w.x fa1, t0', 'fmv.x.w a1, fa1', `CHECK a1, ${s32(0xbf800000n)}`,
    'fmv.x.d a2, fa1', `CHECK a2, ${boxed(0xbf800000n)}`]);
  p.check('flw boxes, fsw stores 32 bits', ['li a1, SCRATCH', 'li a2, -1', 'sd a2, 0(a1)', 'li a2, 0x40490fdb', 'sw a2, 0(a1)', 'flw fa1, 0(a1)',
    'fmv.x.d a3, fa1', `CHECK a3, ${boxed(0x40490fdbn)}`, 'fsw fa1, 8(a1)', 'lwu a4, 8(a1)', 'CHECK a4, 0x40490fdb']);
  p.check('fcvt.w.s, fcvt.s.w', [...loadS('fa1', -2.5), 'fcvt.w.s a1, fa1, rne', 'CHECK a1, -2', 'li a2, 7', 'fcvt.s.w fa0, a2', ...checkS('fa0', 7)]);
  p.check('fclass.s, feq.s with NaN', [...loadS('fa1', -0), 'fclass.s a1, fa1', 'CHECK a1, 8', 'li t0, 0x7fc00000', 'fmv.w.x fa2, t0', 'feq.s a2, fa2, fa2', 'CHECK a2, 0']);
  p.check('fcsr, frm and fflags views', ['li a1, 0xff', 'fscsr a1', 'frrm a2', 'CHECK a2, 7', 'frflags a3', 'CHECK a3, 0x1f',
    'fsrm zero', 'frcsr a4', 'CHECK a4, 0x1f', 'fscsr zero']);
  p.check('rounding from frm (dynamic)', ['li a1, 2', 'fsrm a1', ...loadD('fa1', 2.5), 'fcvt.w.d a2, fa1', 'CHECK a2, 2', 'li a1, 3', 'fsrm a1', 'fcvt.w.d a2, fa1', 'CHECK a2, 3', 'fsrm zero']);
  p.check('FS=Off makes FP instructions illegal', ['la t0, trap_skip', 'csrw mtvec, t0', 'li s11, 0', 'li t0, 0x6000', 'csrc mstatus, t0',
    'fadd.d fa0, fa1, fa1', 'CHECK s11, 2', 'li s11, 0', 'frcsr a1', 'CHECK s11, 2', 'li t0, 0x2000', 'csrs mstatus, t0', 'la t0, trap_unexpected', 'csrw mtvec, t0'], { mOnly: true });
  p.check('an FP write makes FS dirty and sets SD', ['csrr a1, mstatus', 'srli a1, a1, 13', 'andi a1, a1, 3', 'CHECK a1, 1',
    'fadd.d fa0, fa1, fa1', 'csrr a1, mstatus', 'srli a2, a1, 13', 'andi a2, a2, 3', 'CHECK a2, 3', 'srli a1, a1, 63', 'CHECK a1, 1'], { mOnly: true });
  await p.runInEveryMode();
});
