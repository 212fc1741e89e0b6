// The shell's syntax tree: what the parser makes and the executor walks.
//
// A Word is a list of parts; expansion (expand.ts) turns a word into zero or more strings.
// Statements nest as Ion's blocks do: if/else if/else, for, while, match/case and fn, each
// closed by `end`. A Pipeline holds commands joined by `|` (or `^|`, `&|`); an AndOr list
// joins pipelines with `&&` and `||` and may run in the background (`&`, or `&!` to disown).

import type { Pos } from './lexer.js';

export type Part =
  /** Plain text; `quoted` text is never split, globbed or brace-expanded. */
  | { t: 'lit'; s: string; quoted: boolean }
  /** `$name`, `${name}`, `$?`, `$$`, `$1`; in double quotes when `quoted`. */
  | { t: 'var'; name: string; quoted: boolean }
  /** `@name`, `@{name}`, with an optional index or slice `@name[...]`. */
  | { t: 'arr'; name: string; index: Word | null; quoted: boolean }
  /** `$(...)` (one string) or `@(...)` (an array of whitespace-separated fields). */
  | { t: 'cmd'; src: string; pos: Pos; array: boolean; quoted: boolean }
  /** `$((...))`. */
  | { t: 'arith'; src: string; pos: Pos; quoted: boolean }
  /** `$name(args)` or `@name(args)`: one of Ion's methods. */
  | { t: 'method'; name: string; args: Word[]; array: boolean; quoted: boolean; pos: Pos; index: Word | null }
  /** `{a,b,c}`: alternatives, each a word. */
  | { t: 'brace'; alts: Word[] }
  /** `{1..10}`, `{1..=10}`, `{a..e}`, with an optional step `{0..10..2}`. */
  | { t: 'range'; from: string; to: string; step: string | null; inclusive: boolean }
  /** `[a b c]`: an array literal (the whole word). */
  | { t: 'list'; items: Word[] }
  /** `~` or `~user` at the start of a word. */
  | { t: 'tilde'; user: string };

export interface Word {
  parts: Part[];
  pos: Pos;
  /** The raw text, for messages and for `let` names. */
  raw: string;
}

export type RedirOp = '>' | '>>' | '<' | '<<<' | '^>' | '^>>' | '&>' | '&>>' | '>&';

export interface Redirect {
  op: RedirOp;
  /** The descriptor written before the operator (`2>`), if any. */
  fd: number | null;
  target: Word;
  pos: Pos;
}

export interface Simple {
  t: 'simple';
  /** The command's source text (job listings, child shells). */
  text: string;
  words: Word[];
  redirs: Redirect[];
  pos: Pos;
}

export interface If {
  t: 'if';
  /** The command's source text (job listings, child shells). */
  text: string;
  branches: { cond: AndOr; body: Stmt[] }[];
  otherwise: Stmt[] | null;
  redirs: Redirect[];
  pos: Pos;
}

export interface For {
  t: 'for';
  /** The command's source text (job listings, child shells). */
  text: string;
  names: string[];
  items: Word[];
  body: Stmt[];
  redirs: Redirect[];
  pos: Pos;
}

export interface While {
  t: 'while';
  /** The command's source text (job listings, child shells). */
  text: string;
  cond: AndOr;
  body: Stmt[];
  redirs: Redirect[];
  pos: Pos;
}

export interface Case {
  /** Empty: `case _`, which matches anything. */
  patterns: Word[];
  guard: AndOr | null;
  body: Stmt[];
}

export interface Match {
  t: 'match';
  /** The command's source text (job listings, child shells). */
  text: string;
  subject: Word;
  cases: Case[];
  redirs: Redirect[];
  pos: Pos;
}

export type Command = Simple | If | For | While | Match;

export type PipeOp = '|' | '^|' | '&|';

export interface Pipeline {
  t: 'pipeline';
  negate: boolean;
  cmds: Command[];
  /** pipes[i] joins cmds[i] to cmds[i + 1]. */
  pipes: PipeOp[];
  pos: Pos;
  /** The source text, for job listings. */
  text: string;
}

export interface AndOr {
  t: 'andor';
  first: Pipeline;
  rest: { op: '&&' | '||'; p: Pipeline }[];
  background: 'fg' | 'bg' | 'disown';
  pos: Pos;
  text: string;
}

export type LetOp = '=' | '+=' | '-=' | '*=' | '/=' | '//=' | '%=' | '**=' | '++=' | '::=';

export interface Let {
  t: 'let';
  names: { name: string; type: string | null }[];
  op: LetOp;
  values: Word[];
  pos: Pos;
}

export interface FnDef {
  t: 'fn';
  name: string;
  params: { name: string; type: string | null }[];
  description: string;
  body: Stmt[];
  /** The definition's own source, so a child shell can be given it. */
  source: string;
  pos: Pos;
}

export type Stmt = AndOr | Let | FnDef;
