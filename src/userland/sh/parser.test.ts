// Lexer, word and parser tests: token boundaries, the shapes of statements, and syntax
// errors with their positions (and whether more input could complete them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AndOr, Simple, Stmt } from './ast.js';
import { ShSyntaxError, tokenize } from './lexer.js';
import { parse } from './parser.js';
import { parseWord } from './word.js';

const P = { line: 1, col: 1, offset: 0 };

function toks(src: string): string[] {
  return tokenize(src).map((t) => (t.kind === 'word' ? `w:${t.text}` : t.kind === 'op' ? `o:${t.op}` : t.kind === 'newline' ? 'nl' : 'eof'));
}

function syntaxError(src: string): ShSyntaxError {
  try {
    parse(src);
  } catch (e) {
    if (e instanceof ShSyntaxError) return e;
    throw e;
  }
  throw new Error(`no syntax error in ${JSON.stringify(src)}`);
}

const simple = (s: Stmt): Simple => (s as AndOr).first.cmds[0] as Simple;

test('lexer: words end at blanks and operators, but not inside quotes or brackets', () => {
  assert.deepEqual(toks('echo a|b;c&&d||e & f &! g'), ['w:echo', 'w:a', 'o:|', 'w:b', 'o:;', 'w:c', 'o:&&', 'w:d', 'o:||', 'w:e', 'o:&', 'w:f', 'o:&!', 'w:g', 'eof']);
  assert.deepEqual(toks('a >x >>y <z ^>e ^>>e2 &>b &>>b2 <<<h ^| p &| q'), ['w:a', 'o:>', 'w:x', 'o:>>', 'w:y', 'o:<', 'w:z', 'o:^>', 'w:e', 'o:^>>', 'w:e2', 'o:&>', 'w:b', 'o:&>>', 'w:b2', 'o:<<<', 'w:h', 'o:^|', 'w:p', 'o:&|', 'w:q', 'eof']);
  assert.deepEqual(toks(`echo "a b|c" 'd;e' $(ls | wc) [x y] {a,b} x\\ y`), ['w:echo', 'w:"a b|c"', "w:'d;e'", 'w:$(ls | wc)', 'w:[x y]', 'w:{a,b}', 'w:x\\ y', 'eof']);
  assert.deepEqual(toks('a # comment\nb \\\nc'), ['w:a', 'nl', 'w:b', 'w:c', 'eof']);
  assert.equal(parseWord('b\\\nc', P).parts.map((p) => (p as { s: string }).s).join(''), 'bc', 'an escaped newline joins lines');
  assert.deepEqual(toks('echo { x } a^b'), ['w:echo', 'w:{', 'w:x', 'w:}', 'w:a^b', 'eof']);
});

test('lexer: POSIX descriptor redirections, only when the digit starts the token', () => {
  const t = tokenize('cmd 2>e 2>>f 2>&1 >&2 0<in a2>x 12');
  const ops = t.filter((x) => x.kind === 'op').map((x) => `${(x as { fd?: number }).fd ?? ''}${(x as { op: string }).op}`);
  assert.deepEqual(ops, ['2>', '2>>', '2>&', '>&', '0<', '>']);
  assert.deepEqual(t.filter((x) => x.kind === 'word').map((x) => (x as { text: string }).text), ['cmd', 'e', 'f', '1', '2', 'in', 'a2', 'x', '12']);
  const [s] = parse('cmd 2>&1 > out');
  assert.deepEqual(simple(s!).redirs.map((r) => [r.fd, r.op, r.target.raw]), [[2, '>&', '1'], [null, '>', 'out']]);
});

test('lexer: positions count lines and columns', () => {
  const t = tokenize('one\n  two "x\ny" three');
  assert.deepEqual(t.map((x) => [x.pos.line, x.pos.col]), [[1, 1], [1, 4], [2, 3], [2, 7], [3, 4], [3, 9]]);
});

test('words: quotes, variables, arrays, substitutions, methods, braces, ranges', () => {
  const kinds = (raw: string) => parseWord(raw, P).parts.map((p) => p.t + ('quoted' in p && p.quoted ? '"' : ''));
  assert.deepEqual(kinds(`a'b'"c$x"`), ['lit', 'lit"', 'var"']);
  assert.deepEqual(kinds('@a[0]'), ['arr']);
  assert.deepEqual(kinds('$(ls)@(ls)$((1+2))'), ['cmd', 'cmd', 'arith']);
  assert.deepEqual(kinds('$len(@a)'), ['method']);
  assert.deepEqual(kinds('x{a,b}{1..3}'), ['lit', 'brace', 'range']);
  assert.deepEqual(kinds('[a b]'), ['list']);
  assert.deepEqual(kinds('~/x'), ['tilde', 'lit']);
  assert.deepEqual(kinds('user@host'), ['lit'], 'an @ inside a word is text');
  assert.deepEqual(kinds('${x}y $? $1 $$'), ['var', 'lit', 'var', 'lit', 'var', 'lit', 'var']);
  const r = parseWord('{1..=10..2}', P).parts[0]!;
  assert.deepEqual(r, { t: 'range', from: '1', to: '10', inclusive: true, step: '2' });
  const lit = parseWord(`"a\\$b\\n" c\\*d`, P).parts;
  assert.deepEqual(lit, [{ t: 'lit', s: 'a$b\\n', quoted: true }, { t: 'lit', s: ' c', quoted: false }, { t: 'lit', s: '*', quoted: true }, { t: 'lit', s: 'd', quoted: false }]);
});

test('parser: simple commands, pipelines, and-or lists, background', () => {
  const [s] = parse('a b > out | c ^| d && e || f &');
  const ao = s as AndOr;
  assert.equal(ao.background, 'bg');
  assert.equal(ao.first.cmds.length, 3);
  assert.deepEqual(ao.first.pipes, ['|', '^|']);
  assert.equal((ao.first.cmds[0] as Simple).redirs[0]!.op, '>');
  assert.deepEqual(ao.rest.map((r) => r.op), ['&&', '||']);
  assert.equal(ao.text, 'a b > out | c ^| d && e || f');
  assert.equal(parse('a & b; c\n\n;d').length, 4);
  assert.equal(parse('a |\n b').length, 1, 'a pipe continues on the next line');
});

test('parser: blocks', () => {
  const [i] = parse('if a\n b\nelse if c; d\nelse\n e\nend');
  const cmd = (i as AndOr).first.cmds[0]!;
  assert.equal(cmd.t, 'if');
  if (cmd.t === 'if') {
    assert.equal(cmd.branches.length, 2);
    assert.equal(cmd.otherwise?.length, 1);
  }
  const [f] = parse('for a b in 1 2 3 4\n echo $a\nend');
  const fc = (f as AndOr).first.cmds[0]!;
  assert.ok(fc.t === 'for' && fc.names.join() === 'a,b' && fc.items.length === 4);
  const [m] = parse('match $x\n case a b\n  echo\n case _ if test 1\n  echo\nend');
  const mc = (m as AndOr).first.cmds[0]!;
  assert.ok(mc.t === 'match' && mc.cases.length === 2 && mc.cases[1]!.patterns.length === 0 && mc.cases[1]!.guard !== null);
  const [fn] = parse('fn greet name n:int -- says hello\n echo $name\nend');
  assert.ok(fn!.t === 'fn');
  if (fn!.t === 'fn') {
    assert.deepEqual(fn.params, [{ name: 'name', type: null }, { name: 'n', type: 'int' }]);
    assert.equal(fn.description, 'says hello');
    assert.equal(fn.source, 'fn greet name n:int -- says hello\n echo $name\nend');
  }
  const [w] = parse('while test 1 -lt 2; break; end > log');
  assert.equal((w as AndOr).first.cmds[0]!.redirs.length, 1);
  assert.equal(simple(parse('echo end if else')[0]!).words.length, 4, 'keywords are plain words after the first');
});

test('parser: let in its spellings', () => {
  const lets = ['let x = 1', 'let x=1', 'let x:int = 1', 'let a b = 1 2', 'let x += 2', 'let x+=2', 'let a = [1 2]', 'let a ++= 3'].map((s) => parse(s)[0]!);
  assert.ok(lets.every((l) => l.t === 'let'));
  const [one, two, typed, pair, add, add2, arr, app] = lets as Extract<Stmt, { t: 'let' }>[];
  assert.equal(one!.names[0]!.name, 'x');
  assert.equal(two!.values[0]!.raw, '1');
  assert.equal(typed!.names[0]!.type, 'int');
  assert.equal(pair!.names.length, 2);
  assert.equal(add!.op, '+=');
  assert.equal(add2!.op, '+=');
  assert.equal(arr!.values[0]!.parts[0]!.t, 'list');
  assert.equal(app!.op, '++=');
});

test('syntax errors carry line, column, and whether more input would help', () => {
  const cases: [string, string, boolean][] = [
    ['echo )', "1:6: unexpected ')'", false],
    ['echo a |', '1:9: expected a command', true],
    ['| b', "1:1: expected a command before '|'", false],
    ['echo "abc', '1:6: unterminated double quote', true],
    ["x\n  echo 'a", '2:8: unterminated single quote', true],
    ['if true\n echo', "2:6: 'if' at 1:1 is missing its 'end'", true],
    ['for x\n', "1:6: expected 'in' after the loop variable", false],
    ['end', "1:1: unexpected 'end'", false],
    ['echo $(ls', "1:7: '(' is never closed", true],
    ['echo > ;', "1:8: expected a file name after '>'", false],
    ['let = 3', "1:1: expected a variable name before '='", false],
    ['let x:wat = 1', "1:5: unknown type 'wat'", false],
    ['match x\n echo', "2:2: expected 'case' or 'end', found 'echo'", false],
    ['fn 9bad\nend', '1:4: expected a function name after fn', false],
  ];
  for (const [src, msg, incomplete] of cases) {
    const e = syntaxError(src);
    assert.equal(e.message, msg, src);
    assert.equal(e.incomplete, incomplete, src);
  }
});

test('parser: a line number base for input read piecemeal', () => {
  try {
    parse('echo )', 7);
    assert.fail('no error');
  } catch (e) {
    assert.equal((e as Error).message, "7:6: unexpected ')'");
  }
});
