// Tab completion: the word under the cursor is a command name when it starts a command
// (builtins, functions and programs on $PATH), else a path (directories get a trailing `/`).
// Pure apart from the listing it is given, so it is tested in plain Node.

import type { Completion } from './editor.js';
import type { GlobFs } from './glob.js';

export interface CompletionSource {
  fs: GlobFs;
  isDir(path: string): boolean;
  /** Builtins and functions. */
  names(): string[];
  path(): string;
}

/** Where the current word starts, and whether it is in command position. */
export function currentWord(line: string, cursor: number): { start: number; command: boolean } {
  let start = cursor;
  while (start > 0 && !/[\s|;&<>]/.test(line[start - 1]!)) start--;
  const before = line.slice(0, start).trimEnd();
  const command = before === '' || /(\|\||&&|[|;&]|\b(if|while|not|then|else|fn|exec))$/.test(before);
  return { start, command };
}

export function complete(src: CompletionSource, line: string, cursor: number): Completion {
  const { start, command } = currentWord(line, cursor);
  const word = line.slice(start, cursor);
  if (command && !word.includes('/')) {
    const names = new Set(src.names().filter((n) => n.startsWith(word)));
    for (const dir of src.path().split(':')) {
      if (!dir) continue;
      for (const n of src.fs.list(dir) ?? []) if (n.startsWith(word)) names.add(n);
    }
    return { start, candidates: [...names].sort() };
  }
  const slash = word.lastIndexOf('/');
  const dirPart = slash >= 0 ? word.slice(0, slash + 1) : '';
  const prefix = word.slice(slash + 1);
  const dir = dirPart === '' ? '.' : dirPart;
  const out: string[] = [];
  for (const n of (src.fs.list(dir) ?? []).sort()) {
    if (!n.startsWith(prefix) || n === '.' || n === '..') continue;
    if (n.startsWith('.') && !prefix.startsWith('.')) continue;
    const full = dirPart + n;
    out.push(src.isDir(full) ? full + '/' : full);
  }
  return { start, candidates: out };
}
