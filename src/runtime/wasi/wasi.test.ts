// Unit tests of the WASI layer that need no C toolchain: the errno table, lexical path
// resolution beneath a directory, the missing-import check, and a hand-assembled module run
// as a process inside a booted kernel (fd_write to stdout, then proc_exit); a program started
// again and again, on threads that instantiate it ahead, starts each time from fresh memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno } from '../../abi/errno.js';
import type { InitfsScheme } from '../../kernel/schemes/initfs.js';
import { bootKernel } from '../../../tests/kernel-harness.js';
import { counterModule, leb, moduleBytes, pidAtStartModule, str } from '../../../tests/wasm-bytes.js';
import { toWasi, WasiErrno, WasiError } from './errno.js';
import { beneath } from './path.js';
import { emptyStat } from '../../abi/stat.js';
import { FILESTAT } from './constants.js';
import type { WasiContext } from './context.js';
import { msToNs, writeFilestat } from './stat.js';
import { missingImports } from './run.js';

/** _start: fd_write(1, iovec at 16 -> "hi\n" at 0, 1, nwritten at 32); proc_exit(4). */
function helloModule(extraImport?: string): Uint8Array {
  const imports = [
    [...str('wasi_snapshot_preview1'), ...str('fd_write'), 0x00, 0x00],
    [...str('wasi_snapshot_preview1'), ...str('proc_exit'), 0x00, 0x01],
    ...(extraImport ? [[...str('env'), ...str(extraImport), 0x00, 0x02]] : []),
  ];
  const code = [0x00, 0x41, 0x01, 0x41, 0x10, 0x41, 0x01, 0x41, 0x20, 0x10, 0x00, 0x1a, 0x41, 0x04, 0x10, 0x01, 0x0b];
  const start = imports.length;
  return moduleBytes([
    [1, [0x03, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00]],
    [2, [imports.length, ...imports.flat()]],
    [3, [0x01, 0x02]],
    [5, [0x01, 0x00, 0x01]],
    [7, [0x02, ...str('memory'), 0x02, 0x00, ...str('_start'), 0x00, start]],
    [10, [0x01, ...leb(code.length), ...code]],
    [11, [0x02, 0x00, 0x41, 0x00, 0x0b, 0x03, ...Buffer.from('hi\n'), 0x00, 0x41, 0x10, 0x0b, 0x08, 0, 0, 0, 0, 3, 0, 0, 0]],
  ]);
}

test('every kernel errno has its own WASI errno', () => {
  for (const [name, n] of Object.entries(Errno)) {
    const w = toWasi(-n);
    assert.ok(n === Errno.EIO || w !== WasiErrno.EIO, `${name} maps to EIO`);
    assert.equal(w, (WasiErrno as Record<string, number>)[name === 'EOPNOTSUPP' ? 'ENOTSUP' : name], name);
  }
  assert.equal(toWasi(5), 0);
  assert.equal(toWasi(-9999), WasiErrno.EIO);
});

test('paths resolve beneath their directory, lexically', () => {
  assert.equal(beneath('/', 'a/b'), '/a/b');
  assert.equal(beneath('/scheme/initfs', 'bin/./x'), '/scheme/initfs/bin/x');
  assert.equal(beneath('/d', 'a/../b'), '/d/b');
  assert.equal(beneath('/d', '.'), '/d');
  // Plain names (dotted ones included) are joined as they are; anything else is rebuilt.
  assert.equal(beneath('/d/e', '.hidden/..b/c.txt'), '/d/e/.hidden/..b/c.txt');
  assert.equal(beneath('/d/', 'x'), '/d/x');
  assert.equal(beneath('/d', 'a//b/'), '/d/a/b');
  assert.equal(beneath('/d', 'a/./b'), '/d/a/b');
  const fails = (base: string, rel: string, errno: number) => assert.throws(() => beneath(base, rel), (e: unknown) => e instanceof WasiError && e.errno === errno, `${base} ${rel}`);
  fails('/d', '../x', WasiErrno.ENOTCAPABLE);
  fails('/d', 'a/../../x', WasiErrno.ENOTCAPABLE);
  fails('/', '..', WasiErrno.ENOTCAPABLE);
  fails('/d', '/etc', WasiErrno.ENOTCAPABLE);
  fails('/d', '', WasiErrno.ENOENT);
  fails('/d', 'a\0b', WasiErrno.EINVAL);
});

test('a filestat is written exactly: times to the nanosecond, whole numbers as u64', () => {
  const dv = new DataView(new ArrayBuffer(FILESTAT.SIZE));
  const ctx = { dv: () => dv } as unknown as WasiContext;
  const times = [0, -5, NaN, 0.5, 1.000001, 1732550000123.456, 4294967295.999, 4294967296.5, 1.7e13, 2e13];
  for (const ms of times) {
    writeFilestat(ctx, 0, { ...emptyStat(), dev: 7, ino: 2 ** 40 + 3, nlink: 2, size: 2 ** 33 + 1, atimeMs: ms, mtimeMs: ms, ctimeMs: ms });
    assert.equal(dv.getBigUint64(FILESTAT.ATIM, true), BigInt.asUintN(64, msToNs(ms)), String(ms));
    assert.equal(dv.getBigUint64(FILESTAT.CTIM, true), BigInt.asUintN(64, msToNs(ms)), String(ms));
  }
  assert.equal(dv.getBigUint64(FILESTAT.INO, true), 2n ** 40n + 3n);
  assert.equal(dv.getBigUint64(FILESTAT.SIZE_, true), 2n ** 33n + 1n);
  assert.equal(dv.getBigUint64(FILESTAT.NLINK, true), 2n);
});

test('imports the runtime does not provide are listed', async () => {
  const m = await WebAssembly.compile(helloModule('extra'));
  assert.deepEqual(missingImports(m, { wasi_snapshot_preview1: { fd_write: 1, proc_exit: 1 } }), ['env.extra']);
  assert.deepEqual(missingImports(m, { wasi_snapshot_preview1: { fd_write: 1 } }), ['wasi_snapshot_preview1.proc_exit', 'env.extra']);
});

test('a hand-assembled WASI module runs as a process: fd_write to stdout, proc_exit', async (t) => {
  const k = bootKernel(2);
  t.after(() => k.shutdown());
  const initfs = k.k.schemes.get('initfs') as InitfsScheme;
  initfs.add('bin/hi', { data: helloModule(), mode: 0o755 });
  initfs.add('bin/hi-extra', { data: helloModule('extra'), mode: 0o755 });
  const r = await k.run('/scheme/initfs/bin/hi', ['hi']);
  assert.deepEqual([r.stdout, r.stderr, r.code], ['hi\n', '', 4]);
  const e = await k.run('/scheme/initfs/bin/hi-extra', ['hi-extra']);
  assert.deepEqual([e.stdout, e.stderr, e.code], ['', 'hi-extra: cannot run: unresolved imports: env.extra\n', 126]);
  const again = await k.run('/scheme/initfs/bin/hi', ['hi']);
  assert.equal(again.code, 4, 'the thread is reused after a WASI process ends');
});

test('a program started again gets a fresh instance each time, on whichever thread', async (t) => {
  const k = bootKernel(2);
  t.after(() => k.shutdown());
  (k.k.schemes.get('initfs') as InitfsScheme).add('bin/count', { data: counterModule(), mode: 0o755 });
  // Threads that ran it instantiate it ahead for the next start: never with the last one's memory.
  for (let i = 0; i < 8; i++) assert.equal((await k.run('/scheme/initfs/bin/count', ['count'])).code, 1, `run ${i}`);
  // Another program in between, then this one again.
  (k.k.schemes.get('initfs') as InitfsScheme).add('bin/hi', { data: helloModule(), mode: 0o755 });
  assert.equal((await k.run('/scheme/initfs/bin/hi', ['hi'])).code, 4);
  assert.equal((await k.run('/scheme/initfs/bin/count', ['count'])).code, 1);
});

test('a module with a start function is never instantiated ahead (that would run it)', async (t) => {
  const k = bootKernel(1);
  t.after(() => k.shutdown());
  (k.k.schemes.get('initfs') as InitfsScheme).add('bin/early', { data: pidAtStartModule(), mode: 0o755 });
  // One thread: each start after the first finds the thread that ran this module. Had it been
  // instantiated ahead, its start function would have run for no process (pid 0), and its exit
  // call would have waited on the channel, to be taken as the next process's first call.
  for (let i = 0; i < 3; i++) assert.equal((await k.run('/scheme/initfs/bin/early', ['early'])).code, 1, `run ${i}`);
});
