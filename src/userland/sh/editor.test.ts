// The line editor fed raw terminal bytes as a user types them, and tab completion over an
// in-memory tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complete, currentWord, type CompletionSource } from './complete.js';
import { LineEditor, type Completer } from './editor.js';

const enc = new TextEncoder();
const ESC = '\x1b';

/** Types `keys` into a fresh editor; returns the finished line (or undefined) and the output. */
function type(keys: string, history: string[] = [], completer: Completer | null = null): { line: string | null | undefined; out: string; rest: number } {
  const ed = new LineEditor('$ ', history, completer);
  const bytes = enc.encode(keys);
  const r = ed.feed(bytes);
  return { line: r.done, out: ed.start() + r.output, rest: bytes.length - r.used };
}

test('typing and Enter', () => {
  assert.equal(type('echo hi\r').line, 'echo hi');
  assert.equal(type('echo hi').line, undefined, 'no line until Enter');
  assert.equal(type('héllo wörld\n').line, 'héllo wörld', 'UTF-8 characters arrive byte by byte');
  const r = type('one\rtwo\r');
  assert.equal(r.line, 'one');
  assert.equal(r.rest, 4, 'bytes after the line are left for the next one');
});

test('cursor movement: arrows, Home/End, ^A/^E, ^B/^F, and insertion in the middle', () => {
  assert.equal(type(`world${ESC}[H hello${ESC}[F!\r`).line, ' helloworld!');
  assert.equal(type('bc\x01a\x05d\r').line, 'abcd');
  assert.equal(type(`ac${ESC}[Db${ESC}[C!\r`).line, 'abc!');
  assert.equal(type('ac\x02b\x06!\r').line, 'abc!');
  assert.equal(type(`xy${ESC}[1~>${ESC}[4~<\r`).line, '>xy<');
  assert.equal(type(`one two${ESC}b_${ESC}f!\r`).line, 'one _two!');
});

test('erasing: Backspace, Delete, ^D, ^K, ^U, ^W', () => {
  assert.equal(type('abc\x7f\x7fX\r').line, 'aX');
  assert.equal(type('abc\x08\r').line, 'ab');
  assert.equal(type(`abc\x01${ESC}[3~\r`).line, 'bc');
  assert.equal(type('abc\x01\x04\r').line, 'bc');
  assert.equal(type('hello world\x01\x06\x06\x0b\r').line, 'he');
  assert.equal(type('hello world\x02\x02\x15\r').line, 'ld');
  assert.equal(type('echo one two  \x17\r').line, 'echo one ');
  assert.equal(type('\x04').line, null, '^D on an empty line is end of input');
  assert.equal(type('abc\x03').line, '', '^C abandons the line');
});

test('history: up and down walk it, and down again returns to what was being typed', () => {
  const h = ['first', 'second'];
  assert.equal(type(`${ESC}[A\r`, h).line, 'second');
  assert.equal(type(`${ESC}[A${ESC}[A\r`, h).line, 'first');
  assert.equal(type(`${ESC}[A${ESC}[A${ESC}[A\r`, h).line, 'first', 'stops at the oldest');
  assert.equal(type(`draft${ESC}[A${ESC}[B\r`, h).line, 'draft');
  assert.equal(type('\x10\x10\x0e\r', h).line, 'second');
  assert.equal(type(`${ESC}OA!\r`, h).line, 'second!');
});

test('^R searches the history backwards; Enter runs the match, ^G gives up, other keys edit it', () => {
  const h = ['make all', 'echo one', 'git status', 'echo two'];
  assert.equal(type('\x12echo\r', h).line, 'echo two');
  assert.equal(type('\x12echo\x12\r', h).line, 'echo one', 'a second ^R finds an older match');
  assert.equal(type('\x12ma\x05!\r', h).line, 'make all!', '^E leaves the search and edits the match');
  assert.equal(type('draft\x12git\x07\r', h).line, 'draft', '^G restores the line');
  assert.match(type('\x12zzz', h).out, /\(reverse-i-search\)'zzz': \x07$/, 'no match rings the bell');
  assert.equal(type('\x12echo t\x7fo\r', h).line, 'echo one', 'Backspace takes back a character of the search');
});

test('drawing: the prompt, then a redraw that puts the cursor back in place', () => {
  const r = type('ab\x01');
  assert.equal(r.out, '$ ab\r$ ab\x1b[J\r\x1b[2C');
});

test('drawing: a line longer than the terminal wraps, and redraws find their rows', () => {
  const ed = new LineEditor('$ ', [], null, 10);
  const feed = (s: string) => ed.feed(enc.encode(s)).output;
  assert.equal(feed('abcdefg'), 'abcdefg', 'typing within the row is echoed as is');
  assert.equal(feed('h'), '\r$ abcdefgh\x1b[J\r\n\r', 'the character that fills the row wraps explicitly');
  assert.equal(feed('ij'), 'ij');
  assert.equal(feed('\x01'), '\x1b[1A\r$ abcdefghij\x1b[J\x1b[1A\r\x1b[2C', 'Home: up from the second row to the first, column 2');
  assert.equal(feed('\x05'), '\r$ abcdefghij\x1b[J\r\x1b[2C', 'End: from the first row down to the end');
  assert.equal(ed.line, 'abcdefghij');
  const colored = new LineEditor('line one\n\x1b[1mok\x1b[0m> ', [], null, 80);
  colored.feed(enc.encode('x'));
  assert.equal(colored.feed(enc.encode('\x01')).output, '\r\x1b[1mok\x1b[0m> x\x1b[J\r\x1b[4C', 'only the prompt\'s last line is redrawn; escapes take no columns');
});

test('tab completion: a single match completes, several complete their common prefix and list on a second Tab', () => {
  const words = ['echo', 'exit', 'export'];
  const completer: Completer = (line, cursor) => {
    const { start } = currentWord(line, cursor);
    const w = line.slice(start, cursor);
    return { start, candidates: words.filter((x) => x.startsWith(w)) };
  };
  assert.equal(type('ec\t\r', [], completer).line, 'echo ');
  assert.equal(type('ex\tp\t\r', [], completer).line, 'export ');
  const r = type('e\t\t', [], completer);
  assert.match(r.out, /\r\necho +exit +export +\r\n/);
  assert.equal(type('zz\t\r', [], completer).line, 'zz');
});

const tree: Record<string, string[]> = {
  '.': ['src', 'sample.txt', '.hidden'],
  src: ['main.ts', 'main.test.ts'],
  '/bin': ['cat', 'cp', 'sh'],
};
const source: CompletionSource = {
  fs: { list: (d) => tree[d.replace(/\/$/, '')] ?? null, exists: () => true },
  isDir: (p) => p === 'src' || p === '/bin',
  names: () => ['cd', 'echo'],
  path: () => '/bin',
};

test('completion of commands (builtins, functions, $PATH) and of paths', () => {
  assert.deepEqual(complete(source, 'c', 1).candidates, ['cat', 'cd', 'cp']);
  assert.deepEqual(complete(source, 'ls | c', 6), { start: 5, candidates: ['cat', 'cd', 'cp'] });
  assert.deepEqual(complete(source, 'cat s', 5), { start: 4, candidates: ['sample.txt', 'src/'] });
  assert.deepEqual(complete(source, 'cat src/main.', 13).candidates, ['src/main.test.ts', 'src/main.ts']);
  assert.deepEqual(complete(source, 'cat .h', 6).candidates, ['.hidden']);
  assert.deepEqual(complete(source, 'cat ', 4).candidates, ['sample.txt', 'src/'], 'dot files only when asked for');
  assert.deepEqual(currentWord('if ec', 5), { start: 3, command: true });
  assert.deepEqual(currentWord('echo ec', 7), { start: 5, command: false });
});
