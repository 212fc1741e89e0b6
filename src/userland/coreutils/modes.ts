// chmod's mode language, pure: octal (`755`) or symbolic clauses (`u+x,go-w`, `a=r`, `+X`,
// `u=g`, `+t`, `g+s`), applied to a file's current mode as GNU chmod does — including its
// rule that without a who-list (`+x`) bits set in the umask are left alone. Unit-tested on
// the host beside this file.

export class ModeError extends Error {}

/** The new permission bits (07777) for a file whose mode is `mode`. */
export function applyMode(spec: string, mode: number, isDir: boolean, umask = 0o022): number {
  if (/^[0-7]+$/.test(spec)) {
    const v = parseInt(spec, 8);
    if (v > 0o7777) throw new ModeError(`invalid mode: '${spec}'`);
    // GNU keeps a directory's set-id bits unless a fifth digit asks to clear them.
    return isDir && spec.length < 5 ? v | (mode & 0o6000) : v;
  }
  let cur = mode & 0o7777;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/.exec(clause);
    if (!m) throw new ModeError(`invalid mode: '${spec}'`);
    const whoText = m[1]!;
    const who = whoText === '' || whoText.includes('a') ? 'ugo' : whoText;
    const mask = whoText === '' ? ~umask & 0o7777 : 0o7777;
    for (const op of m[2]!.match(/[-+=][^-+=]*/g)!) {
      const action = op[0]!;
      const perms = op.slice(1);
      let bits = 0;
      if (/^[ugo]$/.test(perms)) {
        // Copy another class's bits: u=g.
        const shift = perms === 'u' ? 6 : perms === 'g' ? 3 : 0;
        const v = (cur >> shift) & 7;
        for (const w of who) bits |= v << (w === 'u' ? 6 : w === 'g' ? 3 : 0);
      } else {
        for (const p of perms) {
          for (const w of who) {
            const shift = w === 'u' ? 6 : w === 'g' ? 3 : 0;
            if (p === 'r') bits |= 4 << shift;
            else if (p === 'w') bits |= 2 << shift;
            else if (p === 'x') bits |= 1 << shift;
            else if (p === 'X' && (isDir || cur & 0o111)) bits |= 1 << shift;
            else if (p === 's' && w === 'u') bits |= 0o4000;
            else if (p === 's' && w === 'g') bits |= 0o2000;
            else if (p === 't' && w === 'o') bits |= 0o1000;
          }
        }
      }
      bits &= mask;
      if (action === '+') cur |= bits;
      else if (action === '-') cur &= ~bits;
      else {
        let clear = 0;
        for (const w of who) clear |= w === 'u' ? 0o4700 : w === 'g' ? 0o2070 : 0o1007;
        // `=` on a directory keeps set-id bits it does not mention (GNU).
        if (isDir) clear &= ~0o6000;
        cur = (cur & ~(clear & mask)) | bits;
      }
    }
  }
  return cur;
}
