// Real software nobody here wrote, built from Debian's source packages by the cookbook and run
// inside a booted MACROHARD image as a user would: Lua 5.4 scripts using io and os, and the
// SQLite 3 shell — 100,000 rows in one transaction, the database again after a reboot of the
// same disk, and two shells writing one database at once (the kernel's record locks keep it
// whole).
//
// The image is the server configuration plus lua and sqlite3. Building SQLite takes about a
// minute, so the packages are cooked into a cache folder (build/test-cache, as `make` keeps
// build/) and reused while their recipes and sources do not change; each run boots a fresh
// copy of the image, in a temporary folder it removes. Without clang, wasi-libc, tclsh or a
// deb-src entry the packages are skipped by the cookbook, and these tests skip with its reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'macrohard.js');
const cache = join(root, 'build', 'test-cache');
let dir = '';
let image = '';
let missing = '';

function macrohard(args: string[], timeout = 120_000) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs a command line through root's shell in a fresh boot of the image. */
function boot(cmd: string) {
  const r = macrohard(['boot', '--image', image, '-c', cmd]);
  assert.equal(r.status, 0, `${cmd}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const script = String.raw`
io.stdout:setvbuf("line")
local dir = "/tmp/luatest"
print("mkdir:", os.execute("mkdir -p " .. dir))
local path = dir .. "/lines.txt"
local f = assert(io.open(path, "w"))
for i = 1, 5 do f:write("line ", i, "\n") end
f:write(3.5, " ", 42, "\n")
f:close()
local n = 0
for l in io.lines(path) do
  n = n + 1
  if n <= 2 then print("read: " .. l) end
end
print("lines: " .. n)
f = assert(io.open(path, "r"))
print("first four bytes: " .. f:read(4))
print("size: " .. f:seek("end"))
f:seek("set", 35)
print("numbers:", f:read("n", "n"))
f:close()
f = assert(io.open(path, "a"))
f:write("appended\n")
f:close()
local last
for l in io.lines(path) do last = l end
print("last line: " .. last)
assert(os.rename(path, dir .. "/renamed.txt"))
print("old name opens:", io.open(path) ~= nil, "new name opens:", io.open(dir .. "/renamed.txt") ~= nil)
print("remove:", os.remove(dir .. "/renamed.txt"))
print("remove again:", (select(2, os.remove(dir .. "/renamed.txt"))))
print("time: " .. os.time())
print("epoch: " .. os.date("!%Y-%m-%d %H:%M:%S", 0))
print("os.time of a date: " .. os.time({year = 2024, month = 2, day = 29, hour = 12}))
print("HOME=" .. os.getenv("HOME"), "unset:", os.getenv("NO_SUCH_VARIABLE"))
print("execute exit 3:", os.execute("exit 3"))
print("execute echo:", os.execute("echo from the shell"))
print("shell available:", os.execute())
local p = io.popen("echo through popen")
print("popen: " .. p:read("l"), p:close())
io.write("io.write ", 1, " ", 2.5, "\n")
print(pcall(error, "boom"))
print(string.format("%5.2f|%d|%s", math.pi, 7 // 2, utf8.char(72, 233)))
`;

before(() => {
  mkdirSync(cache, { recursive: true });
  const config = join(cache, 'real-software.toml');
  writeFileSync(config, [
    `include = [${JSON.stringify(join(root, 'config', 'server.toml'))}]`,
    '[general]', 'filesystem_size = 64',
    '[packages]', 'lua = {}', 'sqlite3 = {}',
    '[[files]]', 'path = "/root/io.lua"', `data = '''${script}'''`, '',
  ].join('\n'));
  const r = macrohard(['image', 'build', config, '--build-dir', cache, '--quiet'], 600_000);
  assert.equal(r.status, 0, r.stderr);
  const skipped = /skip\S* +(lua|sqlite3)\b.*$/m.exec(r.stderr);
  if (skipped) {
    missing = skipped[0];
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'macrohard-real-'));
  image = join(dir, 'harddrive.img');
  copyFileSync(join(cache, 'real-software', 'harddrive.img'), image);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Lua 5.4: a script using io and os', (t) => {
  if (missing) return t.skip(missing);
  const out = boot('cd /root && lua io.lua');
  const time = /^time: (\d+)$/m.exec(out);
  assert.ok(time, out);
  assert.ok(Math.abs(Number(time[1]) - Date.now() / 1000) < 600, `os.time() ${time[1]} is the time of day`);
  assert.equal(out.replace(/^time: \d+$/m, 'time: T'), [
    'mkdir:\ttrue\texit\t0',
    'read: line 1',
    'read: line 2',
    'lines: 6',
    'first four bytes: line',
    'size: 42',
    'numbers:\t3.5\t42',
    'last line: appended',
    'old name opens:\tfalse\tnew name opens:\ttrue',
    'remove:\ttrue',
    'remove again:\t/tmp/luatest/renamed.txt: No such file or directory',
    'time: T',
    'epoch: 1970-01-01 00:00:00',
    'os.time of a date: 1709208000',
    'HOME=/root\tunset:\tnil',
    'execute exit 3:\tnil\texit\t3',
    'from the shell',
    'execute echo:\ttrue\texit\t0',
    'shell available:\ttrue',
    'popen: through popen\ttrue\texit\t0',
    'io.write 1 2.5',
    'false\tboom',
    ' 3.14|3|H\u00e9',
    '',
  ].join('\n'));
});

test('SQLite: 100,000 rows in one transaction, and the database again after a reboot', (t) => {
  if (missing) return t.skip(missing);
  // Lua writes the SQL, the shell pipes it into sqlite3: one transaction of 100,000 inserts.
  const gen = `lua -e 'local q = string.char(39) print("begin; create table t(a integer, b integer, c text);") for i = 1, 100000 do print(("insert into t values(%d, %d, %srow %d%s);"):format(i, i * 2, q, i, q)) end print("commit;")'`;
  const query = 'select count(*), sum(a), sum(b), max(c) from t where a > 0; select c from t where a = 54321;';
  const first = boot(`${gen} | sqlite3 /root/db.sqlite; sqlite3 /root/db.sqlite '${query}'`);
  assert.equal(first, '100000|5000050000|10000100000|row 99999\nrow 54321\n');
  // A fresh boot of the same disk: the file daemon mounts what the last boot committed.
  const again = boot(`sqlite3 /root/db.sqlite '${query} pragma integrity_check;'`);
  assert.equal(again, '100000|5000050000|10000100000|row 99999\nrow 54321\nok\n');
});

test('SQLite: two shells writing one database at once leave it whole', (t) => {
  if (missing) return t.skip(missing);
  // Each shell commits 300 transactions of its own; SQLite's `unix` VFS takes the kernel's
  // record locks, and a writer that finds the database locked retries (.timeout).
  const writer = (who: string) =>
    `lua -e 'local q = string.char(39) print(".timeout 60000") for i = 1, 300 do print(("insert into w values(%s${who}%s, %d);"):format(q, q, i)) end' > /root/${who}.sql`;
  const out = boot([
    // WAL is built out (it needs memory shared between processes): the rollback journal stays.
    'sqlite3 /root/shared.db "pragma journal_mode=wal; create table w(who text, n integer)"',
    writer('A'), writer('B'),
    'sqlite3 /root/shared.db < /root/A.sql & sqlite3 /root/shared.db < /root/B.sql & wait',
    'sqlite3 /root/shared.db "select who, count(*), sum(n) from w group by who; pragma integrity_check;"',
  ].join('; '));
  assert.equal(out, 'delete\nA|300|45150\nB|300|45150\nok\n');
});
