// The frame stream format with literal bytes: length-prefixed frames, split and joined across
// reads as a socket delivers them, and the malformed lengths that close a connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder, MAX_FRAME } from './framestream.js';

test('framestream: a frame is its big-endian length and its bytes', () => {
  assert.deepEqual([...encodeFrame(Uint8Array.of(0xaa, 0xbb, 0xcc))], [0, 0, 0, 3, 0xaa, 0xbb, 0xcc]);
});

test('framestream: frames split across reads and several in one read come out whole', () => {
  const got: number[][] = [];
  const d = new FrameDecoder((f) => got.push([...f]));
  const stream = Uint8Array.of(0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 9, 0, 0, 0, 3, 7, 7, 7);
  assert.ok(d.push(stream.subarray(0, 3)));
  assert.ok(d.push(stream.subarray(3, 5)));
  assert.deepEqual(got, []);
  assert.ok(d.push(stream.subarray(5, 16)));
  assert.deepEqual(got, [[1, 2], [9]]);
  assert.ok(d.push(stream.subarray(16)));
  assert.deepEqual(got, [[1, 2], [9], [7, 7, 7]]);
});

test('framestream: an empty or oversized length is a broken stream', () => {
  assert.equal(new FrameDecoder(() => {}).push(Uint8Array.of(0, 0, 0, 0)), false);
  const big = new Uint8Array(4);
  new DataView(big.buffer).setUint32(0, MAX_FRAME + 1);
  assert.equal(new FrameDecoder(() => {}).push(big), false);
});
