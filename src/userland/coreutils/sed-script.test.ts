// sed-script.ts: parsing sed scripts, GNU sed's error messages, and replacements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parser, replacement } from './sed-script.js';

test('scripts parse into addressed commands and blocks', () => {
  const cmds = new Parser('1,/x/!{s/a\\/b/[&]/2gw out\n}\n$d;5~2p;/re/I,+3y/ab/cd/', 'basic').parse();
  assert.deepEqual(cmds.map((c) => c.name), ['{', 's', '}', 'd', 'p', 'y']);
  assert.equal(cmds[0]!.neg, true);
  assert.equal(cmds[0]!.end, 2);
  assert.deepEqual([cmds[1]!.repl, cmds[1]!.nth, cmds[1]!.global, cmds[1]!.wfile], ['[&]', 2, true, 'out']);
  assert.equal(cmds[1]!.re!.source, 'a\\/b');
  assert.deepEqual(cmds[3]!.a1, { kind: 'last' });
  assert.deepEqual(cmds[4]!.a1, { kind: 'step', first: 5, step: 2 });
  assert.deepEqual(cmds[5]!.a2, { kind: 'plus', n: 3 });
  assert.ok(cmds[5]!.a1!.kind === 're' && cmds[5]!.a1!.re!.flags.includes('i'));
});

test('a, i, c take the rest of the line, in both forms', () => {
  assert.equal(new Parser('a hello world', 'basic').parse()[0]!.text, 'hello world');
  assert.equal(new Parser('2i\\\n  indented', 'basic').parse()[0]!.text, '  indented');
});

test('errors read as GNU sed writes them', () => {
  assert.throws(() => new Parser('k', 'basic').parse(), /^Failure: -e expression #1, char 1: unknown command: `k'$/);
  assert.throws(() => new Parser('s/a/b', 'basic').parse(), /unterminated `s' command/);
  assert.throws(() => new Parser('{p', 'basic').parse(), /unmatched `{'/);
  assert.throws(() => new Parser('y/ab/c/', 'basic').parse(), /different lengths/);
  assert.throws(() => new Parser('0p', 'basic').parse(), /invalid usage of line address 0/);
});

test('replacements: &, groups, escapes and case conversion', () => {
  const m = /(\w+) (\w+)/.exec('hello big world')!;
  assert.equal(replacement('<&>', m), '<hello big>');
  assert.equal(replacement('\\2 \\1\\n\\&', m), 'big hello\n&');
  assert.equal(replacement('\\u\\1 \\U\\2\\E!', m), 'Hello BIG!');
  assert.equal(replacement('\\L\\uHELLO', m), 'Hello');
});
