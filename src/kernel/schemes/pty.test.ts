import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRaw, readTermios, TERMIOS_BYTES, writeTermios } from '../../abi/termios.js';
import { WouldBlock } from '../waitqueue.js';
import { PtyScheme } from './pty.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function setup() {
  const signals: [number, number][] = [];
  const ids = new Map([[10, { pgid: 10, sid: 10 }], [11, { pgid: 11, sid: 10 }]]);
  const s = new PtyScheme({ idsOf: (pid) => ids.get(pid) ?? null, signalGroup: (pgid, sig) => signals.push([pgid, sig]) });
  const leader = { pid: 10, uid: 0, gid: 0 };
  const m = (s.open('', 0, 0, leader) as { handle: number }).handle;
  const sl = (s.dup(m, 'slave', leader) as { handle: number }).handle;
  const read = (h: number, caller = leader) => {
    const dst = new Uint8Array(4096);
    const n = s.read(h, dst, 0, caller);
    if (n instanceof WouldBlock) return null;
    return dec(dst.subarray(0, n as number));
  };
  const type = (str: string) => s.write(m, enc(str), 0, leader);
  return { s, m, sl, read, type, signals, leader };
}

test('canonical mode: a line is delivered at newline, with erase and word-erase applied, and echoed', () => {
  const { sl, m, read, type } = setup();
  type('helo\x7flo wrld\x17world');
  assert.equal(read(sl), null, 'nothing before the newline');
  type('\r');
  assert.equal(read(sl), 'hello world\n');
  assert.equal(read(m), 'helo\b \blo wrld\b \b\b \b\b \b\b \bworld\r\n');
});

test('^D at the start of a line is end of file; output maps NL to CR NL', () => {
  const { s, sl, m, read, type, leader } = setup();
  type('\x04');
  assert.equal(read(sl), '');
  s.write(sl, enc('a\nb'), 0, leader);
  assert.equal(read(m), 'a\r\nb');
});

test('^C sends SIGINT to the foreground group and discards the line', () => {
  const { s, sl, read, type, signals, m, leader } = setup();
  const pg = (s.dup(sl, 'pgrp', leader) as { handle: number }).handle;
  s.write(pg, new Uint8Array(new Int32Array([11]).buffer), 0, leader);
  type('partial\x03');
  assert.deepEqual(signals, [[11, 2]]);
  type('\x1a');
  assert.deepEqual(signals[1], [11, 20]);
  assert.equal(read(sl, { pid: 11, uid: 0, gid: 0 }), null, 'the foreground job finds the line discarded');
  assert.match(read(m)!, /\^C\r\n/);
});

test('a background reader gets SIGTTIN instead of input', () => {
  const { s, sl, type, signals } = setup();
  type('x\n');
  const bg = { pid: 11, uid: 0, gid: 0 };
  assert.equal((s.read(sl, new Uint8Array(10), 0, bg) as { errno: number }).errno, 4);
  assert.deepEqual(signals, [[11, 21]]);
});

test('raw mode through the termios control: bytes as typed, no echo, no signals', () => {
  const { s, sl, m, read, type, signals, leader } = setup();
  const th = (s.dup(sl, 'termios', leader) as { handle: number }).handle;
  const buf = new Uint8Array(TERMIOS_BYTES);
  s.read(th, buf, 0, leader);
  const raw = makeRaw(readTermios(buf)!);
  writeTermios(buf, raw);
  s.write(th, buf, 0, leader);
  type('a\x03\x1b[A');
  assert.equal(read(sl), 'a\x03\x1b[A');
  assert.deepEqual(signals, []);
  assert.equal(read(m), null);
});

test('window size changes send SIGWINCH; closing the master hangs up the slave', () => {
  const { s, sl, m, read, signals, leader } = setup();
  const ws = (s.dup(m, 'winsize', leader) as { handle: number }).handle;
  s.write(ws, new Uint8Array(new Uint16Array([50, 132]).buffer), 0, leader);
  assert.deepEqual(signals, [[10, 28]]);
  s.close(m);
  assert.equal(read(sl), '');
  assert.deepEqual(signals.slice(1), [[10, 1], [10, 18]]);
});
