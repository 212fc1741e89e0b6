// modes.ts: chmod's mode language, checked against GNU chmod on the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMode } from './modes.js';

test('octal and symbolic modes', () => {
  assert.equal(applyMode('755', 0o100644, false), 0o755);
  assert.equal(applyMode('u+x', 0o644, false), 0o744);
  assert.equal(applyMode('go-w', 0o666, false), 0o644);
  assert.equal(applyMode('a=r', 0o777, false), 0o444);
  assert.equal(applyMode('u=rwx,g=rx,o=', 0, false), 0o750);
  assert.equal(applyMode('+X', 0o644, false), 0o644);
  assert.equal(applyMode('+X', 0o644, true), 0o755);
  assert.equal(applyMode('g=u', 0o640, false), 0o660);
  assert.equal(applyMode('u+s,+t', 0o755, false), 0o5755);
  assert.equal(applyMode('+w', 0o444, false, 0o022), 0o644, 'the umask shields group and other');
  assert.throws(() => applyMode('q+z', 0, false));
  assert.throws(() => applyMode('99999', 0, false));
});

test('the same modes as GNU chmod on the host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mh-modes-'));
  try {
    const specs = ['644', 'u+x', 'g+w,o-r', 'a-x', '=r', '+x', 'u=rw,go=', 'o=u', 'ug+X', 'a+X', 'u-w+x', 'g=o,o=u', '-w', '0700'];
    for (const [start, isDir] of [[0o640, false], [0o751, false], [0o755, true], [0o700, true]] as const) {
      for (const spec of specs) {
        const f = join(dir, 'x');
        rmSync(f, { recursive: true, force: true });
        if (isDir) mkdirSync(f);
        else writeFileSync(f, '');
        const r = spawnSync('sh', ['-c', `umask 022; chmod ${start.toString(8)} x && chmod -- ${spec} x && stat -c %a x`], { cwd: dir, encoding: 'utf8' });
        assert.equal(applyMode(spec, start, isDir, 0o022).toString(8), r.stdout.trim(), `${start.toString(8)} ${spec} dir=${isDir}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
