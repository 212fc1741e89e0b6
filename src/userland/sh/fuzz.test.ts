// Fuzzing the shell's parsers: random text built from the characters and keywords that matter
// to the lexer, word parser and parser must either parse or fail with a ShSyntaxError at a
// position inside the input — never another exception, never a hang. Whatever parses is then
// expanded against an in-memory environment, which may only fail with the shell's own errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArithError } from './arith.js';
import type { Stmt, Word } from './ast.js';
import { ExpandError, Expander } from './expand.js';
import { ShSyntaxError } from './lexer.js';
import { MethodError } from './methods.js';
import { parse } from './parser.js';

const PIECES = [
  ' ', ' ', ' ', '\n', ';', '|', '||', '&&', '&', '>', '>>', '<', '^>', '&>', '^|', '"', "'", '\\', '$', '@',
  '(', ')', '[', ']', '{', '}', ',', '..', '..=', '*', '?', '~', '#', '=', '+=', 'x', 'ab', '1', '42', '-',
  '$x', '@a', '@a[0]', '$(echo a)', '@(ls)', '$((1+2))', '$len(@a)', '@split(a b)', '{1..3}', '{a,b}', '[a b]',
  'if ', 'else ', 'end', 'for ', ' in ', 'while ', 'match ', 'case ', 'fn ', 'let ', 'echo ', '_',
];

/** A small deterministic generator, so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

function words(stmts: Stmt[]): Word[] {
  const out: Word[] = [];
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(visit);
    const o = x as Record<string, unknown>;
    if (Array.isArray(o.parts) && typeof o.raw === 'string') out.push(o as unknown as Word);
    for (const [k, v] of Object.entries(o)) if (k !== 'pos') visit(v);
  };
  visit(stmts);
  return out;
}

test('random input either parses or is a positioned syntax error; parsed words expand or fail cleanly', () => {
  const runs = Number(process.env.SH_FUZZ_RUNS ?? 3000);
  const expander = new Expander({
    get: (n) => (n === 'a' ? ['1', '2'] : n === 'x' ? '7' : undefined),
    capture: () => 'out\n',
    home: () => '/home',
    fs: { list: () => ['a', 'b'], exists: () => true },
  });
  let parsed = 0;
  for (let seed = 1; seed <= runs; seed++) {
    const rand = rng(seed);
    let src = '';
    const len = 1 + Math.floor(rand() * 24);
    for (let i = 0; i < len; i++) src += PIECES[Math.floor(rand() * PIECES.length)]!;
    let stmts: Stmt[];
    try {
      stmts = parse(src);
    } catch (e) {
      assert.ok(e instanceof ShSyntaxError, `seed ${seed}: ${JSON.stringify(src)} threw ${String(e)}`);
      const lines = src.split('\n');
      assert.ok(e.pos.line >= 1 && e.pos.line <= lines.length, `seed ${seed}: line ${e.pos.line} outside ${JSON.stringify(src)}`);
      assert.ok(e.pos.col >= 1 && e.pos.col <= lines[e.pos.line - 1]!.length + 1, `seed ${seed}: column ${e.pos.col} outside ${JSON.stringify(src)}`);
      continue;
    }
    parsed++;
    for (const w of words(stmts)) {
      try {
        expander.word(w);
      } catch (e) {
        const ok = e instanceof ExpandError || e instanceof ArithError || e instanceof MethodError || e instanceof ShSyntaxError;
        assert.ok(ok, `seed ${seed}: expanding ${JSON.stringify(w.raw)} from ${JSON.stringify(src)} threw ${String(e)}`);
      }
    }
  }
  assert.ok(parsed > runs / 10, `only ${parsed} of ${runs} inputs parsed: the generator is too hostile to test expansion`);
});
