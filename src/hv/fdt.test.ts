// DTB writer/reader tests: a small tree checked byte for byte against a blob worked out by hand
// from the Devicetree Specification, a round trip, and rejection of malformed blobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { FdtNode, buildDtb, parseDtb, cells, u64s, str, strs, EMPTY, FdtError } from './fdt.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
}

test('a one-property tree serializes to the expected bytes', () => {
  const root = new FdtNode('');
  root.prop('a', cells(1));
  root.child('n@1').prop('a', EMPTY);
  const blob = buildDtb(root);
  const expected = hex(`
    d00dfeed 00000072 00000038 00000070 00000028 00000011 00000010 00000000 00000002 00000038
    00000000 00000000 00000000 00000000
    00000001 00000000
    00000003 00000004 00000000 00000001
    00000001 6e403100
    00000003 00000000 00000000
    00000002
    00000002
    00000009
    6100`);
  // totalsize 0x72 = 0x38 (header and the empty reservation block) + 0x38 (structure) + 2 ("a\0")
  assert.equal(blob.byteLength, 0x72);
  assert.deepEqual(blob, expected);
});

test('build and parse round-trip keeps names, properties, order and reservations', () => {
  const root = new FdtNode('');
  root.prop('#address-cells', cells(2)).prop('#size-cells', cells(2)).prop('compatible', strs('riscv-virtio', 'simple'));
  const mem = root.child('memory@80000000');
  mem.prop('device_type', str('memory')).prop('reg', u64s(0x80000000, 0x10000000));
  const cpus = root.child('cpus');
  cpus.child('cpu@0').prop('reg', cells(0)).prop('riscv,isa', str('rv64imafdc'));
  const blob = buildDtb(root, { bootCpuid: 0, reserved: [[0x80000000n, 0x200000n]] });
  const { root: r, reserved } = parseDtb(blob);
  assert.deepEqual(reserved, [[0x80000000n, 0x200000n]]);
  assert.deepEqual(r.getCells('#address-cells'), [2]);
  assert.deepEqual(r.getStrings('compatible'), ['riscv-virtio', 'simple']);
  assert.deepEqual(r.find('/memory@80000000')!.getCells('reg'), [0, 0x80000000, 0, 0x10000000]);
  assert.deepEqual(r.find('/cpus/cpu@0')!.getStrings('riscv,isa'), ['rv64imafdc']);
  assert.deepEqual(r.children.map((c) => c.name), ['memory@80000000', 'cpus']);
  assert.deepEqual(buildDtb(r, { reserved: [[0x80000000n, 0x200000n]] }), blob);
});

test('malformed blobs are refused with FdtError', () => {
  const good = buildDtb(new FdtNode('').prop('x', cells(7)));
  assert.throws(() => parseDtb(good.subarray(0, 20)), FdtError);
  const badMagic = good.slice();
  badMagic[0] = 0;
  assert.throws(() => parseDtb(badMagic), FdtError);
  const badToken = good.slice();
  new DataView(badToken.buffer).setUint32(0x38, 77);
  assert.throws(() => parseDtb(badToken), FdtError);
  const truncated = good.slice();
  new DataView(truncated.buffer).setUint32(4, good.byteLength + 100);
  assert.throws(() => parseDtb(truncated), FdtError);
  // Random corruption never escapes as anything but FdtError (or a valid parse).
  let seed = 12345;
  for (let i = 0; i < 500; i++) {
    const b = good.slice();
    seed = (seed * 1103515245 + 12345) >>> 0;
    b[seed % b.byteLength] = seed >>> 24;
    try {
      parseDtb(b);
    } catch (e) {
      assert.ok(e instanceof FdtError, String(e));
    }
  }
});

const dtc = spawnSync('dtc', ['--version'], { stdio: 'ignore' }).status === 0;
test('dtc decompiles the blob to the same tree', { skip: dtc ? false : 'dtc not found (device-tree-compiler)' }, () => {
  const root = new FdtNode('');
  root.prop('#address-cells', cells(2)).prop('model', str('macrohard'));
  root.child('chosen').prop('bootargs', str('console=ttyS0'));
  const r = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', '-'], { input: buildDtb(root), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /model = "macrohard";/);
  assert.match(r.stdout, /bootargs = "console=ttyS0";/);
  assert.match(r.stdout, /#address-cells = <0x02>;/);
});
