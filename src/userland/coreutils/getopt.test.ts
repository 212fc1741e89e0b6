// getopt.ts: GNU getopt_long's behaviour and messages, one case per rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intArg, parseOptions, UsageError } from './getopt.js';

test('short options cluster and take attached or separate arguments', () => {
  const p = parseOptions(['-la', '-n5', '-k', '2,2', 'file', '-r'], { short: 'alrn:k:' });
  assert.deepEqual(p.list, [['l', ''], ['a', ''], ['n', '5'], ['k', '2,2'], ['r', '']]);
  assert.deepEqual(p.operands, ['file']);
  assert.equal(p.get('n'), '5');
  assert.ok(p.has('r') && !p.has('x'));
});

test('long options: exact, abbreviated, =value or next word, and long-only keys', () => {
  const spec = { short: 'n:r', long: { lines: 'n', reverse: 'r', 'apparent-size': 'apparent', recursive: 'R2', recurse: 'R2' } };
  const p = parseOptions(['--lin=3', '--rev', '--apparent', '--lines', '7', '--recur'], { ...spec, short: 'n:rR' });
  assert.deepEqual(p.list, [['n', '3'], ['r', ''], ['apparent', ''], ['n', '7'], ['R2', '']]);
  assert.throws(() => parseOptions(['--re'], spec), /option '--re' is ambiguous/);
  assert.throws(() => parseOptions(['--bogus'], spec), /unrecognized option '--bogus'/);
  assert.throws(() => parseOptions(['--reverse=x'], spec), /doesn't allow an argument/);
});

test('errors are usage errors with GNU wording', () => {
  assert.throws(() => parseOptions(['-z'], { short: 'a' }), (e: unknown) => e instanceof UsageError && e.message === "invalid option -- 'z'");
  assert.throws(() => parseOptions(['-n'], { short: 'n:' }), /option requires an argument -- 'n'/);
});

test('--, -, negative numbers, repeated options, POSIX order', () => {
  const p = parseOptions(['-e', 'a', '-', '-e', 'b', '--', '-x'], { short: 'e:' });
  assert.deepEqual(p.all('e'), ['a', 'b']);
  assert.deepEqual(p.operands, ['-', '-x']);
  assert.deepEqual(parseOptions(['-5', '-1.5', '3'], { short: 'w', negativeNumbers: true }).operands, ['-5', '-1.5', '3']);
  const env = parseOptions(['-i', 'A=1', 'ls', '-l'], { short: 'i', inOrder: true });
  assert.deepEqual([env.list, env.operands], [[['i', '']], ['A=1', 'ls', '-l']]);
  assert.equal(parseOptions(['-v', '-v'], { short: 'v' }).count('v'), 2);
});

test('optional short arguments are taken only when attached', () => {
  assert.deepEqual(parseOptions(['-Iseconds', '-I', 'x'], { short: 'I::' }).list, [['I', 'seconds'], ['I', '']]);
});

test('intArg', () => {
  assert.equal(intArg('42', 'count'), 42);
  assert.equal(intArg('-3', 'n', true), -3);
  assert.throws(() => intArg('4x', 'count'), /invalid count: '4x'/);
});
