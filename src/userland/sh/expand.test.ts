// Expansion, arithmetic, globbing and methods, against an in-memory environment and
// directory tree (no kernel needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArithError, evalArith, formatNumber } from './arith.js';
import { ExpandError, Expander, isArrayWord, type ExpandEnv, type Value } from './expand.js';
import { glob, globMatch, type GlobFs } from './glob.js';
import { callMethod } from './methods.js';
import { parseWord } from './word.js';

const P = { line: 1, col: 1, offset: 0 };

const tree: Record<string, string[]> = {
  '.': ['a.txt', 'b.txt', 'c.log', '.hidden', 'dir', '*.txt'],
  '/': ['etc', 'tmp'],
  '/etc': ['passwd', 'hosts'],
  dir: ['x.txt', 'y.md'],
};
const fs: GlobFs = {
  list: (d) => tree[d] ?? null,
  exists: (p) => {
    const dir = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) || '/' : '.';
    return (tree[dir] ?? []).includes(p.slice(p.lastIndexOf('/') + 1));
  },
};

function expander(vars: Record<string, Value> = {}): Expander {
  const env: ExpandEnv = {
    get: (n) => vars[n],
    capture: (src) => (src === 'lines' ? 'one\ntwo three\n\n' : `out(${src})\n`),
    home: (u) => (u === '' ? '/home/me' : u === 'bob' ? '/home/bob' : undefined),
    fs,
  };
  return new Expander(env);
}

const words = (raw: string, vars?: Record<string, Value>) => expander(vars).word(parseWord(raw, P));

test('variables are never split; arrays make one argument per element', () => {
  const v = { s: 'a b  c', a: ['x', 'y z'], e: '' };
  assert.deepEqual(words('$s', v), ['a b  c']);
  assert.deepEqual(words('@a', v), ['x', 'y z']);
  assert.deepEqual(words('x=@a', v), ['x=x y z'], 'an array inside text is joined');
  assert.deepEqual(words('user@a', v), ['user@a'], 'an @ after a letter is text');
  assert.deepEqual(words('"@a"', v), ['x y z']);
  assert.deepEqual(words('$e', v), ['']);
  assert.deepEqual(words('@nothing', v), []);
  assert.deepEqual(words('${s}!', v), ['a b  c!']);
});

test('indexes and slices', () => {
  const v = { a: ['a', 'b', 'c', 'd'] };
  assert.deepEqual(words('@a[0]', v), ['a']);
  assert.deepEqual(words('@a[-1]', v), ['d']);
  assert.deepEqual(words('@a[1..3]', v), ['b', 'c']);
  assert.deepEqual(words('@a[1..=3]', v), ['b', 'c', 'd']);
  assert.deepEqual(words('@a[2..]', v), ['c', 'd']);
  assert.deepEqual(words('@a[..2]', v), ['a', 'b']);
  assert.deepEqual(words('@a[$i]', { ...v, i: '2' }), ['c']);
  assert.deepEqual(words('@a[9]', v), ['']);
  assert.throws(() => words('@a[x]', v), ExpandError);
});

test('command substitution, arithmetic, tilde', () => {
  assert.deepEqual(words('$(ls -l)'), ['out(ls -l)'], 'trailing newlines are dropped');
  assert.deepEqual(words('@(lines)'), ['one', 'two', 'three']);
  assert.deepEqual(words('"@(lines)"'), ['one\ntwo three']);
  assert.deepEqual(words('$((1 + 2 * x))', { x: '4' }), ['9']);
  assert.deepEqual(words('~/src'), ['/home/me/src']);
  assert.deepEqual(words('x~'), ['x~']);
  assert.deepEqual(words('~bob'), ['/home/bob']);
  assert.deepEqual(words('~nobody'), ['~nobody']);
});

test('braces and ranges combine with the text around them', () => {
  assert.deepEqual(words('x{a,b}y'), ['xay', 'xby']);
  assert.deepEqual(words('{a,b}{1,2}'), ['a1', 'a2', 'b1', 'b2']);
  assert.deepEqual(words('{1..4}'), ['1', '2', '3']);
  assert.deepEqual(words('{1..=4}'), ['1', '2', '3', '4']);
  assert.deepEqual(words('{5..=1..2}'), ['5', '3', '1']);
  assert.deepEqual(words('{a..=c}'), ['a', 'b', 'c']);
  assert.deepEqual(words('"{a,b}"'), ['{a,b}']);
  assert.deepEqual(words('{a}'), ['{a}']);
});

test('array literals and let values', () => {
  const e = expander({ a: ['1', '2'] });
  assert.deepEqual(e.value(parseWord('[x @a "y z"]', P)), ['x', '1', '2', 'y z']);
  assert.equal(e.value(parseWord('plain', P)), 'plain');
  assert.deepEqual(e.value(parseWord('@a', P)), ['1', '2']);
  assert.equal(e.value(parseWord('@a[0]', P)), '1');
  assert.equal(isArrayWord(parseWord('@split(x)', P)), true);
  assert.equal(isArrayWord(parseWord('$join(@a)', P)), false);
});

test('globbing: matches sorted, hidden files only by a dot, quoted text literal, no match stays', () => {
  assert.deepEqual(words('*.txt'), ['*.txt', 'a.txt', 'b.txt']);
  assert.deepEqual(words('"*".txt'), ['*.txt']);
  assert.deepEqual(words('?.???'), ['*.txt', 'a.txt', 'b.txt', 'c.log']);
  assert.deepEqual(words('[ab].*'), ['a.txt', 'b.txt']);
  assert.deepEqual(words('[!a].txt'), ['*.txt', 'b.txt']);
  assert.deepEqual(words('.*'), ['.hidden']);
  assert.deepEqual(words('dir/*'), ['dir/x.txt', 'dir/y.md']);
  assert.deepEqual(words('*/*.md'), ['dir/y.md']);
  assert.deepEqual(words('/etc/p*'), ['/etc/passwd']);
  assert.deepEqual(words('nomatch*'), ['nomatch*']);
  assert.deepEqual(words('\\*.txt'), ['*.txt']);
  assert.equal(globMatch('a\\*', 'a*'), true);
  assert.equal(globMatch('a\\*', 'ab'), false);
  assert.equal(globMatch('[z-a]', '[z-a]'), true, 'a reversed range is no class: the bracket is literal');
  assert.deepEqual(glob('/e*/h*', fs), ['/etc/hosts']);
});

test('arithmetic: precedence, floats, floor division, comparisons, errors', () => {
  const v = (s: string, vars: Record<string, string> = {}) => formatNumber(evalArith(s, (n) => vars[n]));
  assert.equal(v('1 + 2 * 3'), '7');
  assert.equal(v('(1 + 2) * 3'), '9');
  assert.equal(v('2 ** 3 ** 2'), '512');
  assert.equal(v('7 / 2'), '3.5');
  assert.equal(v('7 // 2'), '3');
  assert.equal(v('-7 % 3'), '-1');
  assert.equal(v('0.1 + 0.2'), '0.3');
  assert.equal(v('x * $y', { x: '6', y: '7' }), '42');
  assert.equal(v('unset + 1'), '1');
  assert.equal(v('3 > 2 && 1 < 0'), '0');
  assert.equal(v('0x10 | 1'), '17');
  assert.equal(v('!0 + ~0'), '0');
  assert.throws(() => v('1 / 0'), ArithError);
  assert.throws(() => v('1 +'), ArithError);
  assert.throws(() => v('x', { x: 'abc' }), /not a number/);
  assert.throws(() => v('(1'), /missing '\)'/);
});

test('methods', () => {
  assert.equal(callMethod('len', false, [['a', 'b']]), '2');
  assert.equal(callMethod('len', false, ['héllo']), '5');
  assert.equal(callMethod('join', false, [['a', 'b'], '-']), 'a-b');
  assert.equal(callMethod('repeat', false, ['ab', '3']), 'ababab');
  assert.equal(callMethod('replace', false, ['a.b.c', '.', '/']), 'a/b/c');
  assert.equal(callMethod('basename', false, ['/a/b.tar.gz']), 'b.tar.gz');
  assert.equal(callMethod('extension', false, ['/a/b.tar.gz']), 'gz');
  assert.equal(callMethod('filename', false, ['/a/b.tar.gz']), 'b.tar');
  assert.equal(callMethod('dirname', false, ['/a/b']), '/a');
  assert.deepEqual(callMethod('split', true, [' a  b ']), ['a', 'b']);
  assert.deepEqual(callMethod('split', true, ['a,,b', ',']), ['a', '', 'b']);
  assert.deepEqual(callMethod('lines', true, ['x\ny\n']), ['x', 'y']);
  assert.deepEqual(callMethod('reverse', true, [['1', '2', '3']]), ['3', '2', '1']);
  assert.throws(() => callMethod('nope', false, []), /unknown method \$nope/);
  assert.throws(() => callMethod('len', false, []), /takes 1 argument/);
  const v = { a: ['1', '2', '3'], s: 'q' };
  assert.deepEqual(['$len(@a)', '@split("a b")[1]', '$upper($s)', '@reverse(@a)'].flatMap((w) => words(w, v)), ['3', 'b', 'Q', '3', '2', '1']);
});
