// newc cpio tests: literal bytes of a one-file archive, and a round trip of the entries an
// initramfs needs (directories, /dev/console, an executable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCpio, parseCpio, S_IFCHR, S_IFDIR, S_IFREG } from './cpio.js';

test('a one-file archive has the expected bytes', () => {
  const a = buildCpio([{ name: 'a', mode: S_IFREG | 0o644, data: Uint8Array.of(0x68, 0x69) }]);
  const text = new TextDecoder('latin1').decode(a);
  const first = '070701' + '00000001' + '000081a4' + '00000000'.repeat(2) + '00000001' + '00000000' + '00000002' + '00000000'.repeat(4) + '00000002' + '00000000';
  assert.equal(text.slice(0, 110), first);
  assert.equal(text.slice(110, 112), 'a\0'); // 110 + 2 = 112 is already a multiple of 4
  assert.equal(text.slice(112, 116), 'hi\0\0');
  assert.equal(text.slice(116, 122), '070701');
  assert.equal(text.slice(116 + 110, 116 + 121), 'TRAILER!!!\0');
  assert.equal(a.byteLength % 4, 0);
});

test('entries survive a round trip', () => {
  const init = new Uint8Array(1001).map((_, i) => i & 0xff);
  const entries = [
    { name: 'dev', mode: S_IFDIR | 0o755 },
    { name: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
    { name: 'init', mode: S_IFREG | 0o755, data: init },
  ];
  const back = parseCpio(buildCpio(entries));
  assert.deepEqual(back.map((e) => [e.name, e.mode, e.rdev]), [
    ['dev', S_IFDIR | 0o755, { major: 0, minor: 0 }],
    ['dev/console', S_IFCHR | 0o600, { major: 5, minor: 1 }],
    ['init', S_IFREG | 0o755, { major: 0, minor: 0 }],
  ]);
  assert.deepEqual(back[2]!.data, init);
  assert.throws(() => parseCpio(buildCpio(entries).subarray(0, 300)));
});
