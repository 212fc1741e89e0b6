// printf.ts: formats checked against GNU printf on the host, and the escape rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { encodeText as encodeOutput } from './bytes.js';
import { printf, unescape } from './printf.js';

const CASES: string[][] = [
  ['%d %i %u', '42', '-7', '3'],
  ['%5d|%-5d|%05d|%+d|% d|%.3d', '1', '2', '3', '4', '5', '6'],
  ['%x %X %o %#x %#o %#X', '255', '255', '8', '255', '8', '0'],
  ['%f %.2f %10.3f %-10.1f|%.0f %.0f %.1f| %e %.3E', '3.14159', '2.0051', '1.5', '2.25', '0.5', '1.5', '-0.25', '12345.678', '0.00012'],
  ['%g %g %g %g %g %G %#g', '100000', '1000000', '0.0001', '0.00001', '1.5', '1e-10', '1.5'],
  ['%s|%10s|%-10s|%.2s', 'abc', 'right', 'left', 'cut'],
  ['%c|%c', 'hello', ''],
  ['%b', 'a\\tb\\n\\0101\\c ignored'],
  ['[%s]\\n', 'a', 'b', 'c'],
  ['%d\\n', "'A", '0x10', '010', '-0x1'],
  ['%*d|%-*d|%.*f', '5', '1', '4', '2', '2', '3.14159'],
  ['\\101\\x41\\t\\\\ \\"q\\"%%\\n'],
  ['%s %s\\n', 'only-one'],
  ['no args\\n'],
];

test('printf formats as GNU printf does', () => {
  for (const c of CASES) {
    const gnu = spawnSync('/usr/bin/printf', c, { encoding: 'utf8', env: { LC_ALL: 'C' } });
    const r = printf(c[0]!, c.slice(1));
    assert.equal(new TextDecoder().decode(encodeOutput(r.text)), gnu.stdout, JSON.stringify(c));
    assert.equal(r.errors.length > 0, gnu.status !== 0, `status of ${JSON.stringify(c)}`);
  }
});

test('bad numbers are reported, counted as their prefix, and make the status 1', () => {
  const r = printf('%d|%d|%f\n', ['12abc', '3.5', 'x']);
  assert.equal(r.text, '12|3|0.000000\n');
  assert.deepEqual(r.errors, ["'12abc': expected a numeric value", "'3.5': value not completely converted", "'x': expected a numeric value"]);
});

test('echo -e escapes; \\c stops; octal escapes are bytes', () => {
  assert.deepEqual(unescape('a\\nb\\c rest', true), { text: 'a\nb', stopped: true });
  assert.equal(unescape('\\0101\\x42', true).text, 'AB');
  assert.deepEqual([...encodeOutput(unescape('\\0377\\xff\\u00e9', true).text)], [0xff, 0xff, 0xc3, 0xa9]);
});
