// The shell running as a process inside a booted kernel, with ramfsd serving `file:`:
// pipelines of real programs, scripts with functions and loops, redirections into files,
// && and ||, syntax errors with their positions, background jobs and job control.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kclose } from '../src/kernel/kio.js';
import { bootKernel, onPty, waitFor, type RunResult, type TestKernel } from './kernel-harness.js';

const ENV = ['PATH=/scheme/initfs/bin', 'HOME=/home', 'USER=root'];
const hasCoreutils = existsSync(fileURLToPath(new URL('../initfs/bin/coreutils', import.meta.url)));

// Timeouts turn a hang into a failure: these run beside other suites on a loaded machine.
test('the shell inside MACROHARD', { timeout: 120_000 }, async (t) => {
  const k: TestKernel = bootKernel(4);
  t.after(() => k.shutdown());
  await k.startRamfs();
  const sh = (cmd: string, stdin?: string): Promise<RunResult> => k.run('sh', ['sh', '-c', cmd], { env: ENV, ...(stdin ? { stdin } : {}) });
  const script = (text: string, argv: string[] = []): Promise<RunResult> => k.run('sh', ['sh', ...argv], { env: ENV, stdin: text });

  await t.test('a pipeline of real programs moves every byte', async () => {
    const r = await sh('probe gen 300000 | probe cat | probe cat | probe count');
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.split(' ')[0], '300000');
    assert.equal(r.code, 0);
  });

  await t.test('pipelines of coreutils, with loops and globs feeding them', { skip: !hasCoreutils && 'coreutils not built' }, async () => {
    const r = await sh(`seq 1 100 | grep 7 | wc -l
mkdir -p /cu/sub
touch /cu/b.txt /cu/a.txt /cu/c.md
ls /cu | sort -r | head -n 2
for f in /cu/*.txt; echo $f; end | xargs echo
seq 5 | while read n; echo $((n * n)); end | sort -n | tail -n 2
echo hello world | tr a-z A-Z`);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '19\nsub\nc.md\n/cu/a.txt /cu/b.txt\n16\n25\nHELLO WORLD\n');
  });

  await t.test('builtins and functions take part in pipelines; $(...) captures large output', async () => {
    const r = await sh(`fn tag
  while read line
    echo "<$line>"
  end
end
echo one | tag
probe gen 5 | probe count | tag | probe cat
let n = $(probe gen 200000 | probe count)
echo captured @split($n)[0] @split($n ' ')[1..]`);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^<one>\n<5 \d+>\ncaptured 200000 \d+\n$/);
  });

  await t.test('redirections: > >> < into files, ^> for stderr, &> for both, <<<', async () => {
    const r = await sh(`echo first > /out.txt
echo second >> /out.txt
probe cat < /out.txt
probe bogus ^> /err.txt
echo status $?
probe exit 3 &> /both.txt
probe cat <<< "here string"
echo x > /dev/null`);
    assert.equal(r.stdout, 'first\nsecond\nstatus 2\nhere string\n');
    assert.equal(r.stderr, '');
    const err = await sh('probe cat < /err.txt');
    assert.match(err.stdout, /^usage: probe /);
  });

  await t.test('POSIX spellings: 2> 2>> 2>&1 >&2, in their order', async () => {
    const r = await sh(`probe bogus 2>/e2.txt; probe bogus 2>>/e2.txt
probe cat < /e2.txt | probe count
probe bogus 2>&1 | probe count
probe bogus 2>&1 >/dev/null | probe count
let x = $(probe bogus 2>&1); echo $len($x)
echo to-err >&2
echo x 3>/nowhere`);
    const [twice, once, again, len] = r.stdout.split('\n');
    assert.equal(Number(twice!.split(' ')[0]), 2 * Number(once!.split(' ')[0]), '2>> appended');
    assert.equal(again, once, '2>&1 >file: stderr still goes down the pipe');
    assert.equal(Number(len), Number(once!.split(' ')[0]) - 1, 'captured, less the final newline');
    assert.equal(r.stderr, 'to-err\nsh: 3>: only descriptors 0, 1 and 2 can be redirected\n');
  });

  await t.test('^| pipes standard error, &| both', async () => {
    const r = await sh('probe bogus ^| probe count; probe bogus &| probe count; echo out ^| probe count');
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^[1-9]\d* \d+$/, 'the usage message went through the pipe');
    assert.equal(lines[1], lines[0]);
    assert.equal(lines[2], 'out');
    assert.equal(lines[3], '0 7');
    assert.equal(r.stderr, '');
  });

  await t.test('a builtin or function writing into a pipe whose reader is gone ends quietly', async () => {
    const r = await sh(`fn forever
  while true
    echo y
  end
end
forever | probe exit 0
echo status $?
echo @(probe gen 0) | probe exit 0
echo still here`);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'status 0\nstill here\n');
  });

  await t.test('&&, ||, ! and $?', async () => {
    const r = await sh('false && echo no || echo yes; true && echo and; probe exit 4; echo $?; ! probe exit 4; echo $?; not false && echo not');
    assert.equal(r.stdout, 'yes\nand\n4\n0\nnot\n');
  });

  await t.test('variables, arrays, indexing, methods and arithmetic', async () => {
    const r = await sh(`let name = world
let a = [one two three]
let b c = 1 2
echo "hello $name" @a[0] @a[-1] $len(@a) $b$c
echo @a[1..] | probe cat
let a ++= four
echo $join(@a ,) $upper($name) $len("héllo")
let x = 7
let x += 3
let x *= 2
echo $x $((x / 4)) $((x // 3)) $((2 ** 8)) $(( (1 + 2) * 3 ))
for f in @split("a:b:c" :); echo -n $f; end; echo
echo {1..4} {1..=3} {a,b}.txt`);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'hello world one three 3 12\ntwo three\none,two,three,four WORLD 5\n20 5 6 256 9\nabc\n1 2 3 1 2 3 a.txt b.txt\n');
  });

  await t.test('quoting: single, double, backslash', async () => {
    const r = await sh(`let v = val
echo 'single $v @a' "double $v" back\\ slash "esc \\$v" '' "" x`);
    assert.equal(r.stdout, 'single $v @a double val back slash esc $v   x\n');
  });

  await t.test('a script from standard input with functions, loops and match', async () => {
    const r = await script(`# a script
fn fact n:int
  if test $n -le 1
    echo 1
  else
    let m = $((n - 1))
    echo $((n * $(fact $m)))
  end
end

fn kind x -- says what x is
  match $x
    case [1 3 5 7 9]
      echo odd
    case _ if test $x -gt 8
      echo big
    case _
      echo even
  end
end

for i in 1..=5
  echo "$i! = $(fact $i)"
end
let i = 8
while test $i -le 10
  echo $i $(kind $i)
  let i += 1
  if test $i -eq 10; continue; end
end
for a b in [x 1 y 2]
  echo $a=$b
end
for i in {1..100}
  if test $i -gt 2; break; end
  echo loop $i
end
`);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '1! = 1\n2! = 2\n3! = 6\n4! = 24\n5! = 120\n8 even\n9 odd\n10 big\nx=1\ny=2\nloop 1\nloop 2\n');
    assert.equal(r.code, 0);
  });

  await t.test('syntax errors point at the line and column, and nothing runs', async () => {
    // Read from a stream, the shell runs each complete statement as it comes, as any shell does.
    let r = await script('echo before\nif true\n  echo x\n');
    assert.equal(r.stdout, 'before\n');
    assert.equal(r.stderr, "sh: syntax error at 4:1: 'if' at 2:1 is missing its 'end'\n");
    assert.equal(r.code, 2);
    r = await sh('echo before\nfor i in 1 2\n  echo $i\nend\necho )');
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, "sh: syntax error at 5:6: unexpected ')'\n");
    r = await sh('echo a |');
    assert.equal(r.stderr, 'sh: syntax error at 1:9: expected a command\n');
    r = await sh('let x = 1\necho "unclosed');
    assert.equal(r.stderr, 'sh: syntax error at 2:6: unterminated double quote\n');
    r = await sh('if true\n  echo\nelse\n');
    assert.equal(r.stderr, "sh: syntax error at 4:1: 'if' at 1:1 is missing its 'end'\n");
  });

  await t.test('scripts by file: sh FILE ARGS and #!', async () => {
    let r = await sh(`echo 'echo args: @args[1..] count $#
exit 5' > /s.ion`);
    assert.equal(r.stderr, '');
    r = await k.run('sh', ['sh', '/s.ion', 'a', 'b'], { env: ENV });
    assert.equal(r.stdout, 'args: a b count 2\n');
    assert.equal(r.code, 5);
    r = await k.run('sh', ['sh', '/nonexistent.ion'], { env: ENV });
    assert.equal(r.code, 127);
    assert.match(r.stderr, /nonexistent.ion/);
    if (!hasCoreutils) return;
    r = await sh(`echo '#!/scheme/initfs/bin/sh\necho hashbang $1' > /hb; coreutils chmod 755 /hb; /hb arg1`);
    assert.equal(r.stdout, 'hashbang arg1\n');
  });

  await t.test('globbing against the file scheme', async () => {
    const r = await sh(`echo > /g1.txt; echo > /g2.txt; echo > /g3.log
echo /g*.txt
cd /
echo g?.* | probe cat
echo "g*.txt" g[13].* nomatch*`);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '/g1.txt /g2.txt\ng1.txt g2.txt g3.log\ng*.txt g1.txt g3.log nomatch*\n');
  });

  await t.test('cd, export and the environment children see', async () => {
    const r = await sh(`export GREETING=hi
export OTHER = "two words"
let local = no
sh -c 'echo $GREETING $OTHER "[$local]"'
cd /
pwd
echo $PWD
cd /nowhere`);
    assert.equal(r.stdout, 'hi two words []\n/\n/\n');
    assert.match(r.stderr, /cd: \/nowhere: No such file or directory/);
    assert.equal(r.code, 1);
  });

  await t.test('aliases', async () => {
    const r = await sh(`alias greet = 'echo hello'
alias twice='greet greet'
greet world; twice
alias
unalias greet
greet`);
    assert.equal(r.stdout, "hello world\nhello greet\nalias greet = 'echo hello'\nalias twice = 'greet greet'\n");
    assert.equal(r.stderr, 'sh: greet: command not found\n');
  });

  await t.test('exit status of the last command, and exit N', async () => {
    assert.equal((await sh('probe exit 9')).code, 9);
    assert.equal((await sh('exit 3; echo not reached')).code, 3);
    assert.equal((await sh('nosuchcommand')).code, 127);
    assert.equal((await sh('nosuchcommand')).stderr, 'sh: nosuchcommand: command not found\n');
  });

  await t.test('background jobs: &, $!, jobs, wait, kill %N, fg', async () => {
    const r = await sh(`probe sleep 100 &
probe sleep 20000 &
jobs
wait %1
echo waited $?
kill %2
wait
jobs
echo $((1 + 1)) &
wait
probe sleep 1000 &
fg
echo fg status $?
fn f; echo from fn $x @arr; end
let x = "it's"
let arr = [1 'two 2']
f &
true && echo and-list &
for i in 1 2; echo loop $i; end | probe cat &
wait
probe sleep 100 &! jobs`);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 6), [
      '[1]-  Running                 probe sleep 100 &',
      '[2]+  Running                 probe sleep 20000 &',
      'waited 0',
      '2',
      'probe sleep 1000',
      'fg status 0',
    ]);
    // Background jobs finish in any order.
    assert.deepEqual(lines.slice(6).sort(), ['', 'and-list', "from fn it's 1 two 2", 'loop 1\nloop 2'.split('\n')].flat().sort());
  });

  await t.test('a stopped foreground job comes back to the shell; bg and kill continue and end it', async () => {
    const running = script(`probe sleep 20000
echo stopped $?
jobs
bg %1
kill %1
wait
echo end
`, ['-i']);
    const proc = await waitFor(() => [...k.k.procs.values()].find((p) => p.argv[1] === 'sleep' && p.argv[2] === '20000' && p.state === 'sleeping'), 20000);
    k.k.kill(k.k.kernelContext(), proc.pid, 20);
    const r = await running;
    assert.equal(r.stdout, 'stopped 148\n[1]+  Stopped                 probe sleep 20000\n[1]+ probe sleep 20000 &\nend\n');
    assert.match(r.stderr, /\[1\]\+  Stopped +probe sleep 20000/);
  });

  await t.test('the line editor on raw input: completion, arrows, history, ^U, ^W', async () => {
    const keys = [
      'ech\t hello\r', // Tab completes the builtin
      '\x1b[A\x01\x04\x04\x04\x04echo bye\x1b[F!\r', // recall the previous line and edit it
      'junk\x15echo a b c\x17\x17d\r', // ^U kills the line, ^W words
      'cat /.sh_h\t\r'.replace('cat', 'probe cat <'),
      '\x04',
    ].join('');
    const r = await k.run('sh', ['sh', '-i', '--raw'], { env: [...ENV.filter((e) => !e.startsWith('HOME')), 'HOME=/', 'PROMPT=$ '], stdin: keys });
    const out = r.stdout.split('\n');
    assert.deepEqual(out.slice(0, 3), ['hello', 'bye hello!', 'a d']);
    assert.deepEqual(out.slice(3), ['echo  hello', 'echo bye  hello!', 'echo a d', 'probe cat < /.sh_history ', ''], 'the history file');
    assert.match(r.stderr, /^\$ /);
    assert.equal(r.code, 0);
  });

  await t.test('interactive: the prompt, $PROMPT, history in $HOME', async () => {
    await sh('probe exit 0');
    let r = await script('echo hi\nlet PROMPT = "[$len(abc)]> "\necho there\n', ['-i']);
    assert.equal(r.stdout, 'hi\nthere\n');
    assert.equal(r.stderr, 'root@macrohard:/# root@macrohard:/# [3]> [3]> exit\n');
    r = await k.run('sh', ['sh', '-i'], { env: ['PATH=/scheme/initfs/bin', 'HOME=/', 'USER=root', 'PROMPT='], stdin: 'echo remembered\nhistory\n' });
    assert.match(r.stdout, /^remembered\n(\s+\d+ {2}.*\n)*\s+\d+ {2}echo remembered\n\s+\d+ {2}history\n$/);
    const h = await sh('probe cat < /.sh_history');
    assert.match(h.stdout, /echo remembered\nhistory\n$/);
    // The images' configuration gives a prompt like this one, through the environment.
    r = await k.run('sh', ['sh', '-i'], { env: ['PATH=/scheme/initfs/bin', 'USER=root', 'HOSTNAME=box', 'PROMPT=$USER@$HOSTNAME:$PWD> '], stdin: 'true\n' });
    assert.equal(r.stderr, 'root@box:/> root@box:/> exit\n');
  });
});

/** A console: a pty whose master side the test types into and reads, the shell on its slave. */
async function openConsole(k: TestKernel, env: string[]) {
  const t = await onPty(k.k, { path: '/scheme/initfs/bin/sh', argv: ['sh'], env, cwd: '' });
  let seen = 0;
  return {
    type: t.type,
    /** Waits until the output after what was already matched matches `re`. */
    async expect(re: RegExp, ms = 20000): Promise<string> {
      const end = Date.now() + ms;
      for (;;) {
        const rest = t.output().slice(seen);
        const m = re.exec(rest);
        if (m) {
          seen += m.index + m[0].length;
          return rest.slice(0, m.index + m[0].length);
        }
        if (Date.now() > end) throw new Error(`timed out waiting for ${re} in ${JSON.stringify(rest)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    /** Waits for the shell to end, then hangs up. */
    async close() {
      const status = await t.exited;
      kclose(k.k, t.master);
      void t.reading; // ends with the terminal, or with the kernel's shutdown
      return status;
    },
  };
}

test('the shell on a terminal: line editing in raw mode, ^Z and fg, ^C', { timeout: 60_000 }, async (t) => {
  const k = bootKernel(3);
  t.after(() => k.shutdown());
  const con = await openConsole(k, ['PATH=/scheme/initfs/bin', 'HOME=/', 'PROMPT=sh> ']);
  await con.expect(/sh> /);
  await con.type('ech\t hello\r');
  // The editor redraws the line (with the prompt) as it changes, so wait for the output itself.
  await con.expect(/\r\nhello\r\nsh> /);
  await con.type('echo one two three\x17\x17four\r');
  await con.expect(/\r\none four\r\nsh> /);
  await con.type('\x1b[A\x01\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x0b1\r');
  await con.expect(/\r\n1\r\nsh> /);
  await con.type('probe sleep 20000\r');
  const shell = [...k.k.procs.values()].find((p) => p.argv[0] === 'sh')!;
  // The job sleeps, and so does the shell: in waitpid, after handing the job the terminal.
  const sleeper = await waitFor(() => shell.state === 'sleeping' && [...k.k.procs.values()].find((p) => p.argv[1] === 'sleep' && p.state === 'sleeping'), 20000);
  assert.notEqual(sleeper.pgid, shell.pgid, 'the job has its own process group');
  await con.type('\x1a');
  await con.expect(/\[1\]\+ +Stopped +probe sleep 20000\r?\nsh> /);
  await con.type('jobs\r');
  await con.expect(/\r\n\[1\]\+ +Stopped +probe sleep 20000\r\nsh> /);
  await con.type('fg\r');
  await con.expect(/\r\nprobe sleep 20000\r\n/);
  await waitFor(() => k.k.procs.get(sleeper.pid)?.state === 'sleeping' && shell.state === 'sleeping', 20000);
  await con.type('\x03');
  await con.expect(/sh> /);
  await con.type('echo status $?\r');
  await con.expect(/\r\nstatus 130\r\nsh> /);
  await con.type('probe sleep 20000\r');
  await waitFor(() => shell.state === 'sleeping' && [...k.k.procs.values()].find((p) => p.argv[1] === 'sleep' && p.state === 'sleeping'), 20000);
  await con.type('\x1a');
  await con.expect(/Stopped +probe sleep 20000\r?\nsh> /);
  await con.type('exit\r');
  await con.expect(/There are stopped jobs\.\r\nsh> /);
  await con.type('exit 4\r');
  assert.equal(await con.close(), 4 << 8);
});
