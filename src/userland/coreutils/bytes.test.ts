// bytes.ts: the byte-keeping codec round-trips every byte, valid UTF-8 or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBytes, encodeText, rawByte } from './bytes.js';

test('valid UTF-8 decodes as usual and encodes back', () => {
  const b = new TextEncoder().encode('héllo wörld 😀\n');
  assert.equal(decodeBytes(b), 'héllo wörld 😀\n');
  assert.deepEqual(encodeText(decodeBytes(b)), b);
});

test('every byte survives the round trip, whatever the encoding', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(encodeText(decodeBytes(all)), all);
  const mixed = Uint8Array.from([0x61, 0xff, 0xc3, 0xa9, 0xc3, 0x28, 0xe2, 0x82, 0xf0, 0x9f, 0x98, 0x80, 0x80, 0x0a]);
  const text = decodeBytes(mixed);
  assert.equal(text, `a${rawByte(0xff)}é${rawByte(0xc3)}(${rawByte(0xe2)}${rawByte(0x82)}😀${rawByte(0x80)}\n`);
  assert.deepEqual(encodeText(text), mixed);
});

test('an escaped byte next to an astral character stays a byte', () => {
  assert.deepEqual([...encodeText('😀' + rawByte(0x99))], [0xf0, 0x9f, 0x98, 0x80, 0x99]);
  assert.equal(rawByte(0x41), 'A');
});
