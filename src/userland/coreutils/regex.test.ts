// regex.ts: translated patterns select the same lines as GNU grep on the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { compile, globToRegExp, translate } from './regex.js';

test('BRE and ERE translate to JavaScript source', () => {
  assert.equal(translate('a\\(b*\\)\\{2,3\\}c', 'basic'), 'a(b*){2,3}c');
  assert.equal(translate('*a+b?(c)|{d}', 'basic'), '\\*a\\+b\\?\\(c\\)\\|\\{d\\}');
  assert.equal(translate('a\\+b\\?c\\|d', 'basic'), 'a+b?c|d');
  assert.equal(translate('(a|b){,2}x', 'extended'), '(a|b){0,2}x');
  assert.equal(translate('[]a-]', 'basic'), '[\\]a-]');
  assert.equal(translate('[^[:digit:]x]', 'extended'), '[^0-9x]');
  assert.equal(translate('a^b$c', 'basic'), 'a\\^b\\$c');
  assert.equal(translate('[\\n]', 'basic'), '[\\\\n]');
  assert.throws(() => translate('[[:nope:]]', 'basic'), /invalid character class/);
  assert.throws(() => translate('a\\', 'basic'), /trailing backslash/);
});

const LINES = [
  'hello world', 'HELLO', 'abc123', 'a+b=c', 'x*y', '(paren)', 'tab\there', 'aaa', 'ab', 'b', '',
  'foo.bar', 'foobar', 'end$', '^start', 'the cat sat', 'concat', 'a{2}', '[brackets]', 'back\\slash',
];

const PATTERNS: [string, 'basic' | 'extended'][] = [
  ['hel*o', 'basic'], ['^a', 'basic'], ['c$', 'basic'], ['a\\{2,\\}', 'basic'], ['\\(ab\\)*c', 'basic'],
  ['a+b', 'basic'], ['a\\+', 'basic'], ['x\\*y', 'basic'], ['*y', 'basic'], ['(paren)', 'basic'],
  ['[[:digit:]]\\{3\\}', 'basic'], ['[^a-z]', 'basic'], ['foo.bar', 'basic'], ['foo\\.bar', 'basic'],
  ['end\\$', 'basic'], ['\\^start', 'basic'], ['\\<cat\\>', 'basic'], ['cat\\>', 'basic'], ['\\(a\\)\\1', 'basic'],
  ['[]]', 'basic'], ['[\\]', 'basic'], ['a{2}', 'basic'], ['o\\|t', 'basic'],
  ['a+b', 'extended'], ['^(ab|b)$', 'extended'], ['a{2,}', 'extended'], ['[[:upper:]]+', 'extended'],
  ['\\(paren\\)', 'extended'], ['(a)\\1', 'extended'], ['c|z', 'extended'], ['^$', 'extended'],
  ['[[:space:]]', 'extended'], ['[[:punct:]]', 'extended'], ['\\bcat', 'extended'], ['a{,1}b', 'extended'],
];

test('patterns select the same lines as GNU grep', () => {
  const input = LINES.join('\n') + '\n';
  for (const [pat, dialect] of PATTERNS) {
    for (const ci of [false, true]) {
      const args = [...(dialect === 'extended' ? ['-E'] : ['-G']), ...(ci ? ['-i'] : []), '-n', '-e', pat];
      const r = spawnSync('grep', args, { input, encoding: 'utf8', env: { LC_ALL: 'C', PATH: process.env.PATH } });
      const gnu = r.stdout.split('\n').filter(Boolean).map((l) => Number(l.split(':')[0]) - 1);
      const re = compile([pat], { dialect, ignoreCase: ci });
      const mine = LINES.map((l, i) => ((re.lastIndex = 0), re.test(l) ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual(mine, gnu, `${dialect} ${ci ? '-i ' : ''}${JSON.stringify(pat)}`);
    }
  }
});

test('-w, -x and -F', () => {
  const w = compile(['cat'], { dialect: 'basic', word: true });
  assert.deepEqual(['the cat sat', 'concat', 'cat'].map((l) => ((w.lastIndex = 0), w.test(l))), [true, false, true]);
  const x = compile(['a.c'], { dialect: 'basic', line: true });
  assert.deepEqual(['abc', 'abcd'].map((l) => ((x.lastIndex = 0), x.test(l))), [true, false]);
  const f = compile(['a.c', '(x)'], { dialect: 'basic', fixed: true });
  assert.deepEqual(['abc', 'a.c', '(x)'].map((l) => ((f.lastIndex = 0), f.test(l))), [false, true, true]);
});

test('globs as find -name matches them', () => {
  const cases: [string, string, boolean][] = [
    ['*.txt', 'a.txt', true], ['*.txt', '.hidden.txt', true], ['*.txt', 'a.txt.bak', false], ['?', 'ab', false],
    ['[ab]*', 'bob', true], ['[!ab]*', 'bob', false], ['a\\*', 'a*', true], ['a\\*', 'ab', false], ['[]x]', ']', true],
  ];
  for (const [g, s, want] of cases) assert.equal(globToRegExp(g).test(s), want, `${g} ~ ${s}`);
  assert.ok(globToRegExp('*.TXT', true).test('a.txt'));
});
