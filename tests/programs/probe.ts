// A multi-call test program: each subcommand exercises one kernel mechanism from inside a
// process, the way real programs use it, and prints what it saw.
import * as mh from 'libmh';

const enc = new TextEncoder();
const dec = new TextDecoder();
const SELF = '/scheme/initfs/bin/probe';

function checksum(b: Uint8Array, h: number): number {
  for (let i = 0; i < b.length; i++) h = (Math.imul(h, 31) + b[i]!) >>> 0;
  return h;
}

function errnoOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof mh.MhError ? e.code : String(e);
  }
}

const commands: Record<string, (a: string[]) => number | Promise<number>> = {
  exit: (a) => Number(a[0] ?? 0),

  cat() {
    const buf = new Uint8Array(64 * 1024);
    for (let n = mh.read(0, buf); n > 0; n = mh.read(0, buf)) mh.write(1, buf.subarray(0, n));
    return 0;
  },

  gen(a) {
    let left = Number(a[0]);
    const chunk = new Uint8Array(64 * 1024);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7 + 3) & 0xff;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      mh.write(1, chunk.subarray(0, n));
      left -= n;
    }
    return 0;
  },

  count() {
    const buf = new Uint8Array(64 * 1024);
    let total = 0;
    let h = 7;
    for (let n = mh.read(0, buf); n > 0; n = mh.read(0, buf)) {
      total += n;
      h = checksum(buf.subarray(0, n), h);
    }
    mh.println(`${total} ${h}`);
    return 0;
  },

  /** gen N | cat | cat | count, built with pipe and spawn as a shell would. */
  pipeline(a) {
    const n = a[0] ?? '1000000';
    const stages = [['gen', n], ['cat'], ['cat'], ['count']];
    const pids: number[] = [];
    let input = 0;
    stages.forEach((s, i) => {
      const last = i === stages.length - 1;
      const [r, w] = last ? [-1, 1] : mh.pipe();
      pids.push(mh.spawn(SELF, ['probe', ...s], { fds: [[0, input], [1, w], [2, 2]] }));
      if (input !== 0) mh.close(input);
      if (!last) mh.close(w);
      input = r;
    });
    const codes = pids.map((p) => mh.wait(p));
    return codes.every((c) => c === 0) ? 0 : 1;
  },

  storm(a) {
    const n = Number(a[0] ?? 200);
    const live = new Map<number, number>();
    let ok = 0;
    const batch = 16;
    for (let i = 0; i < n || live.size; ) {
      while (i < n && live.size < batch) {
        live.set(mh.spawn(SELF, ['probe', 'exit', String(i % 200)]), i % 200);
        i++;
      }
      const r = mh.waitpid(-1)!;
      const want = live.get(r.pid);
      live.delete(r.pid);
      if (mh.exitCode(r.status) === want) ok++;
    }
    mh.println(`reaped ${ok}/${n}`);
    return errnoOf(() => mh.waitpid(-1, mh.WNOHANG)) === 'ECHILD' ? 0 : 1;
  },

  noChildren() {
    mh.println(errnoOf(() => mh.waitpid(-1)));
    return 0;
  },

  /** Blocks forever reading a pipe nobody writes (it holds the write end itself). */
  block() {
    const [r] = mh.pipe();
    mh.read(r, new Uint8Array(16));
    return 3;
  },

  sleep(a) {
    mh.sleep(Number(a[0] ?? 10000));
    return 0;
  },

  /** Record locks and flock through libmh: the parent holds, a child (lockprobe) looks. */
  locks(a) {
    const path = a[0] ?? '/tmp/locks';
    const fd = mh.open(path, mh.O.RDWR | mh.O.CREAT | mh.O.TRUNC, 0o644);
    mh.write(fd, '0123456789');
    mh.lockRange(fd, mh.LockCmd.SETLK, { type: mh.LockType.WRLCK, start: 2, len: 3 });
    mh.flock(fd, mh.Flock.EX);
    const look = () => mh.wait(mh.spawn(SELF, ['probe', 'lockprobe', path]));
    look();
    mh.lockRange(fd, mh.LockCmd.SETLK, { type: mh.LockType.UNLCK, start: 0, len: 0 });
    mh.flock(fd, mh.Flock.UN);
    look();
    // A range from the end: the last four bytes, as SEEK_END -4 with length 4 names them.
    const end = mh.lockRange(fd, mh.LockCmd.SETLK, { type: mh.LockType.RDLCK, whence: mh.SEEK.END, start: -4, len: 4 });
    mh.println(`from the end: ${end.start}+${end.len}`);
    return 0;
  },

  lockprobe(a) {
    const fd = mh.open(a[0]!, mh.O.RDWR);
    const l = mh.lockRange(fd, mh.LockCmd.GETLK, { type: mh.LockType.RDLCK, start: 0, len: 0 });
    mh.println(l.type === mh.LockType.UNLCK ? 'getlk: unlocked' : `getlk: ${l.type === mh.LockType.WRLCK ? 'write' : 'read'} ${l.start}+${l.len}, the parent's: ${l.pid === mh.getppid()}`);
    mh.println(`setlk: ${errnoOf(() => mh.lockRange(fd, mh.LockCmd.SETLK, { type: mh.LockType.WRLCK, start: 4, len: 1 }))}`);
    mh.println(`flock: ${errnoOf(() => mh.flock(fd, mh.Flock.EX | mh.Flock.NB))}`);
    mh.print(mh.readText('/scheme/sys/locks').replace(/ \d+ file:/g, ' PID file:').replace(/:\d+:\d+ /g, ':DEV:INO '));
    return 0;
  },

  /** The parent reads a little, then closes the pipe: the writer must die of SIGPIPE. */
  sigpipe() {
    const [r, w] = mh.pipe();
    const pid = mh.spawn(SELF, ['probe', 'gen', '100000000'], { fds: [[1, w], [2, 2]] });
    mh.close(w);
    const buf = new Uint8Array(1000);
    mh.read(r, buf);
    mh.close(r);
    const st = mh.waitpid(pid)!.status;
    mh.println(mh.WaitStatus.ifSignaled(st) ? `signaled ${mh.WaitStatus.termSig(st)}` : `exited ${mh.WaitStatus.exitStatus(st)}`);
    // With SIGPIPE ignored, the write fails with EPIPE instead.
    mh.signal(mh.Sig.SIGPIPE, 'ignore');
    const [r2, w2] = mh.pipe();
    mh.close(r2);
    mh.println(errnoOf(() => mh.write(w2, 'x')));
    return 0;
  },

  /** EOF: a reader sees end of file once every writer (here, a child's copy too) is closed. */
  eof() {
    const [r, w] = mh.pipe();
    const pid = mh.spawn(SELF, ['probe', 'gen', '10'], { fds: [[1, w], [2, 2]] });
    mh.close(w);
    const got = mh.readAll(r);
    mh.println(`got ${got.length} then eof; child ${mh.wait(pid)}`);
    return 0;
  },

  /** A child writes one byte and exits at once, N times: the byte must always come before EOF. */
  eofrace(a) {
    const n = Number(a[0] ?? 100);
    let lost = 0;
    for (let i = 0; i < n; i++) {
      const [r, w] = mh.pipe();
      const pid = mh.spawn(SELF, ['probe', 'gen', '1'], { fds: [[1, w], [2, 2]] });
      mh.close(w);
      const got = mh.readAll(r);
      mh.close(r);
      mh.wait(pid);
      if (got.length !== 1) lost++;
    }
    mh.println(`lost ${lost} of ${n}`);
    return 0;
  },

  handler() {
    let caught = 0;
    mh.signal(mh.Sig.SIGUSR1, (s) => {
      caught = s;
    });
    mh.kill(mh.getpid(), mh.Sig.SIGUSR1);
    mh.println(`caught ${caught}`);
    // A handler interrupts a sleep: the parent (the test) sends SIGINT while we sleep.
    let interrupted = false;
    mh.signal(mh.Sig.SIGINT, () => {
      interrupted = true;
    });
    mh.println('ready');
    mh.sleep(20000);
    mh.println(interrupted ? 'interrupted' : 'slept');
    return 0;
  },

  /** Stop and continue a child; the parent sees both with WUNTRACED/WCONTINUED. */
  stopcont() {
    const pid = mh.spawn(SELF, ['probe', 'sleep', '300'], {});
    mh.kill(pid, mh.Sig.SIGTSTP);
    const s1 = mh.waitpid(pid, 2)!.status;
    mh.kill(pid, mh.Sig.SIGCONT);
    const s2 = mh.waitpid(pid, 8)!.status;
    const s3 = mh.waitpid(pid)!.status;
    mh.println(`stopped ${mh.WaitStatus.ifStopped(s1) ? mh.WaitStatus.stopSig(s1) : 'no'} continued ${s2 === 0xffff} exited ${mh.exitCode(s3)}`);
    return 0;
  },

  ns() {
    const fd = mh.open('/scheme/sys/uptime');
    mh.mkns(['initfs', 'null']);
    mh.println(`ns ${mh.getns()!.join(',')}`);
    mh.println(`sys ${errnoOf(() => mh.open('/scheme/sys/uptime'))}`);
    mh.println(`null ${errnoOf(() => mh.close(mh.open('/scheme/null')))}`);
    mh.mkns(['initfs', 'sys']); // cannot widen: sys stays out
    mh.println(`widen ${mh.getns()!.join(',')}`);
    mh.mkns([]);
    mh.println(`capmode ${errnoOf(() => mh.open('/scheme/initfs/bin/probe'))}`);
    mh.println(`held ${mh.read(fd, new Uint8Array(64)) > 0 ? 'readable' : 'empty'}`);
    mh.println(`spawn ${errnoOf(() => mh.spawn(SELF, ['probe', 'exit', '0']))}`);
    return 0;
  },

  filter() {
    mh.setfilter(['write', 'exit', 'getpid', 'kill', 'sigtake', 'getppid', 'setfilter']);
    mh.println('filtered');
    mh.setfilter(['write', 'exit', 'getppid', 'open']); // getpid is gone, open never returns
    mh.getppid();
    mh.println('still here');
    mh.syscall(23 /* getpid */);
    mh.println('not reached');
    return 0;
  },

  malformed() {
    mh.println(`unknown ${mh.syscall(9999).result}`);
    mh.println(`overlong ${mh.syscall(1, [0, 0], null, 10 * 1024 * 1024).result}`);
    mh.println(`badutf8 ${mh.syscall(1, [0, 0], new Uint8Array([0x2f, 0xff, 0xfe])).result}`);
    mh.println(`badfd ${mh.syscall(4, [1e300, 10, -1]).result}`);
    mh.println(`badspawn ${mh.syscall(16, [], new Uint8Array([1, 2, 3])).result}`);
    mh.println(`after ${mh.getppid() >= 0 ? 'alive' : 'dead'}`);
    return 0;
  },

  /**
   * A daemon: serves scheme a[0]; 'hang' requests are answered only after a later one. With
   * a[1] 'serve' it gives each batch's replies with its next read, in one scheme_serve call.
   */
  daemon(a) {
    const name = a[0]!;
    const serve = a[1] === 'serve';
    const fd = mh.schemeCreate(name);
    mh.println(`serving ${name}`);
    const buf = new Uint8Array(64 * 1024);
    const held: Uint8Array[] = [];
    let nextHandle = 1;
    const paths = new Map<number, string>();
    let cancels = 0;
    let given: Uint8Array | null = null;
    if (serve) mh.println(`garbage replies: ${mh.syscall(SYS_SCHEME_SERVE, [fd, buf.length], new Uint8Array(10)).result}`);
    for (;;) {
      let n: number;
      if (given) {
        const r = mh.syscall(SYS_SCHEME_SERVE, [fd, buf.length], given);
        given = null; // taken, even when the read part is interrupted
        if (r.result === -4) continue;
        if (r.result < 0) throw new mh.MhError(-r.result, 'scheme_serve');
        n = r.result;
        buf.set(r.out);
      } else n = mh.read(fd, buf);
      if (n === 0) return 0;
      const out: Uint8Array[] = [];
      for (const req of parseRequests(buf.subarray(0, n))) {
        if (req.opcode === 1) {
          const path = dec.decode(req.payload);
          if (path === 'crash') mh.exit(7);
          const h = nextHandle++;
          paths.set(h, path);
          const rep = reply(req.tag, h, 0, new Uint8Array(0));
          if (path.startsWith('hang')) held.push(rep);
          else {
            out.push(rep);
            out.push(...held.splice(0));
          }
        } else if (req.opcode === 2) {
          const text = enc.encode(`${paths.get(req.handle)} read by uid ${req.uid}${cancels ? ` after ${cancels} cancel(s)` : ''}\n`);
          out.push(reply(req.tag, req.arg0 >= text.length ? 0 : text.length - req.arg0, 0, req.arg0 >= text.length ? new Uint8Array(0) : text.subarray(req.arg0)));
        } else if (req.opcode === 8) {
          paths.delete(req.handle);
        } else if (req.opcode === 27) {
          // Cancelled by its caller: its held answer is dropped, and later ones say so.
          const i = held.findIndex((r) => new DataView(r.buffer, r.byteOffset).getUint32(0, true) === req.arg0);
          if (i >= 0) held.splice(i, 1);
          cancels++;
        } else {
          out.push(reply(req.tag, -95, 0, new Uint8Array(0)));
        }
      }
      if (serve && out.length > 0) {
        given = new Uint8Array(out.reduce((s, r) => s + r.length, 0));
        out.reduce((at, r) => (given!.set(r, at), at + r.length), 0);
      } else for (const r of out) mh.write(fd, r);
    }
  },

  /**
   * One file operation, as one process: `fsop stat|lstat PATH` prints what the stat saw (or the
   * errno); the others change a file and print ok or the errno.
   */
  fsop(a) {
    const [op, p, x, y] = a as [string, string, string?, string?];
    const show = (s: mh.Stat) => `size=${s.size} mode=${(s.mode & 0o7777).toString(8)} uid=${s.uid} gid=${s.gid} nlink=${s.nlink} ino=${s.ino} mtime=${s.mtimeMs}`;
    const ops: Record<string, () => string | void> = {
      stat: () => show(mh.stat(p)),
      lstat: () => show(mh.lstat(p)),
      append: () => void mh.appendFile(p, x!),
      create: () => void mh.writeFile(p, x ?? ''),
      truncate: () => {
        const fd = mh.open(p, mh.O.WRONLY);
        mh.ftruncate(fd, Number(x));
        mh.close(fd);
      },
      chmod: () => mh.chmod(p, parseInt(x!, 8)),
      chown: () => mh.chown(p, Number(x), Number(y)),
      utimens: () => mh.utimens(p, Number(x), Number(y)),
      rename: () => mh.rename(p, x!),
      unlink: () => mh.unlink(p),
      link: () => mh.link(p, x!),
      mkdir: () => mh.mkdir(p, parseInt(x ?? '777', 8)),
    };
    const f = ops[op];
    if (!f) {
      mh.eprintln(`fsop: unknown operation ${op}`);
      return 2;
    }
    try {
      mh.println(f() ?? 'ok');
    } catch (e) {
      mh.println(e instanceof mh.MhError ? e.code : String(e));
    }
    return 0;
  },

  /**
   * A daemon whose files change without any request: serves scheme a[0], where every stat
   * answers a size one larger than the last. With a[1] 'coherent' it registers SCHEME_COHERENT
   * (which this daemon has no right to, so that the kernel's cache shows).
   */
  drift(a) {
    const fd = mh.schemeCreate(a[0]!, a[1] === 'coherent' ? mh.SCHEME_COHERENT : 0);
    mh.println(`serving ${a[0]}`);
    let stats = 0;
    const server = new mh.SchemeServer(fd, {
      stat: () => ({ dev: 1, ino: 1, mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: ++stats, blksize: 4096, blocks: 0, atimeMs: 0, mtimeMs: 0, ctimeMs: 0, rdev: 0 }),
    });
    server.run();
    return 0;
  },

  client(a) {
    for (const path of a) {
      try {
        const fd = mh.open(path);
        mh.print(dec.decode(mh.readAll(fd)));
        mh.close(fd);
      } catch (e) {
        mh.println(`${path}: ${e instanceof mh.MhError ? e.code : String(e)}`);
      }
    }
    return 0;
  },

  /** A client whose call a signal interrupts while the daemon holds it: the call restarts. */
  intrclient(a) {
    mh.signal(mh.Sig.SIGUSR1, () => mh.println('handler ran'));
    return commands.client!(a);
  },

  /** Descriptor passing: a child sends us the read end of a pipe it fills. */
  chan() {
    const listener = mh.open('/scheme/chan/probe-test', mh.O.CREAT | mh.O.RDWR);
    const pid = mh.spawn(SELF, ['probe', 'chanchild'], {});
    const conn = mh.dup(listener, 'accept');
    const msg = new Uint8Array(100);
    const n = mh.read(conn, msg);
    const fd = mh.recvfd(conn);
    const data = dec.decode(mh.readAll(fd));
    mh.println(`message "${dec.decode(msg.subarray(0, n))}" fd data "${data}" child ${mh.wait(pid)}`);
    return 0;
  },

  chanchild() {
    const c = mh.open('/scheme/chan/probe-test', mh.O.RDWR);
    const [r, w] = mh.pipe();
    mh.write(c, 'here is a pipe');
    mh.sendfd(c, r);
    mh.close(r);
    mh.write(w, 'through the passed descriptor');
    mh.close(w);
    mh.close(c);
    return 0;
  },

  /** The event scheme: wait on two pipes at once; the second becomes readable. */
  event() {
    const [r1, w1] = mh.pipe();
    const [r2, w2] = mh.pipe();
    const ev = mh.open('/scheme/event', mh.O.RDWR);
    const rec = new Float64Array([r1, 1, 11, r2, 1, 22]);
    mh.write(ev, new Uint8Array(rec.buffer));
    const pid = mh.spawn(SELF, ['probe', 'gen', '5'], { fds: [[1, w2], [2, 2]] });
    mh.close(w2);
    const got = new Uint8Array(24 * 4);
    const n = mh.read(ev, got);
    const out = new Float64Array(got.buffer, 0, n / 8);
    mh.println(`events ${n / 24} first token ${out[2]} flags ${out[1]}`);
    mh.wait(pid);
    mh.close(w1);
    return 0;
  },

  /** Files through the file scheme: what a program does with a real filesystem. */
  files() {
    const say = (label: string, f: () => unknown) => {
      try {
        const v = f();
        mh.println(`${label}: ${v === undefined ? 'ok' : v}`);
      } catch (e) {
        mh.println(`${label}: ${e instanceof mh.MhError ? e.code : String(e)}`);
      }
    };
    say('mkdir', () => mh.mkdir('/tmp', 0o1777));
    say('chmod', () => mh.chmod('/tmp', 0o1777));
    say('write', () => mh.writeFile('/tmp/a.txt', 'hello world\n'));
    say('append', () => mh.appendFile('/tmp/a.txt', 'more\n'));
    say('read', () => JSON.stringify(mh.readText('/tmp/a.txt')));
    say('size', () => mh.stat('/tmp/a.txt').size);
    say('seek+read', () => {
      const fd = mh.open('/tmp/a.txt');
      mh.seek(fd, 6);
      const b = new Uint8Array(5);
      mh.read(fd, b);
      mh.close(fd);
      return new TextDecoder().decode(b);
    });
    say('pwrite', () => {
      const fd = mh.open('/tmp/a.txt', mh.O.RDWR);
      mh.write(fd, 'HELLO', 0);
      const end = mh.seek(fd, 0, mh.SEEK.END);
      mh.close(fd);
      return `${mh.readText('/tmp/a.txt').split('\n')[0]} end=${end}`;
    });
    say('symlink', () => mh.symlink('a.txt', '/tmp/link'));
    say('readlink', () => mh.readlink('/tmp/link'));
    say('via link', () => mh.readText('/tmp/link').length);
    say('lstat', () => (mh.lstat('/tmp/link').mode & mh.S.IFMT) === mh.S.IFLNK);
    say('rename', () => mh.rename('/tmp/a.txt', '/tmp/b.txt'));
    say('dangling', () => mh.readText('/tmp/link'));
    say('readdir', () => mh.readdir('/tmp').map((e) => e.name).join(','));
    say('chdir', () => mh.chdir('/tmp'));
    say('cwd', () => mh.getcwd());
    say('relative', () => mh.readText('b.txt').length);
    say('openat', () => {
      const dir = mh.open('/tmp', mh.O.RDONLY | mh.O.DIRECTORY);
      const fd = mh.openat(dir, 'b.txt');
      const n = mh.readAll(fd).length;
      mh.close(fd);
      mh.println(`escape: ${errnoOf(() => mh.openat(dir, '../etc'))}`);
      mh.close(dir);
      return n;
    });
    say('fpath', () => mh.fpath(mh.open('/tmp/b.txt')));
    say('exists', () => `${mh.exists('/tmp/b.txt')} ${mh.exists('/tmp/nope')}`);
    say('rmdir nonempty', () => mh.rmdir('/tmp'));
    say('unlink', () => mh.unlink('/tmp/b.txt'));
    say('as user 1000', () => mh.wait(mh.spawn(SELF, ['probe', 'asuser'], { uid: 1000, gid: 1000 })));
    say('setuid copy', () => {
      mh.writeFile('/tmp/suid-probe', mh.readFile(SELF), 0o755);
      mh.chmod('/tmp/suid-probe', 0o4755);
      return mh.wait(mh.spawn('/tmp/suid-probe', ['probe', 'euid'], { uid: 1000, gid: 1000 }));
    });
    return 0;
  },

  /**
   * Writes a[1] bytes of a pattern to a[0] in 1 MiB calls, fsyncs, reads it back in calls of
   * another size, and says whether every byte came back.
   */
  bigfile(a) {
    const size = Number(a[1]);
    const at = (i: number): number => (i * 13 + (i >>> 12) * 7) & 0xff;
    const chunk = new Uint8Array(1 << 20);
    const fd = mh.open(a[0]!, mh.O.RDWR | mh.O.CREAT | mh.O.TRUNC, 0o644);
    for (let off = 0; off < size; off += chunk.length) {
      const n = Math.min(chunk.length, size - off);
      for (let i = 0; i < n; i++) chunk[i] = at(off + i);
      mh.write(fd, chunk.subarray(0, n));
    }
    mh.fsync(fd);
    mh.seek(fd, 0);
    const buf = new Uint8Array(777_777);
    let total = 0;
    for (let n = mh.read(fd, buf); n > 0; n = mh.read(fd, buf)) {
      for (let i = 0; i < n; i++) {
        if (buf[i] !== at(total + i)) {
          mh.println(`bigfile: byte ${total + i} is ${buf[i]}, not ${at(total + i)}`);
          return 1;
        }
      }
      total += n;
    }
    mh.close(fd);
    mh.println(`bigfile: ${total} bytes ok`);
    return 0;
  },

  /** Prints the real and effective ids: run from a set-user-id copy, they differ. */
  euid() {
    mh.println(`uid ${mh.getuid()} euid ${mh.geteuid()}`);
    return 0;
  },

  asuser() {
    mh.writeFile('/tmp/mine', 'x');
    mh.println(`own file: ${mh.stat('/tmp/mine').uid}`);
    mh.println(`root dir: ${errnoOf(() => mh.writeFile('/rootfile', 'x'))}`);
    mh.println(`setuid: ${errnoOf(() => mh.setuid(0))}`);
    mh.println(`scheme: ${errnoOf(() => mh.schemeCreate('evil'))}`);
    return 0;
  },

  /** Shared memory: one process writes a region, a child maps it and reads it back. */
  async shm() {
    const fd = mh.open('/scheme/shm/probe-region', mh.O.CREAT | mh.O.RDWR, 0o600);
    mh.ftruncate(fd, 4096);
    mh.write(fd, 'written through the kernel');
    const buf = await mh.fmap(fd);
    const view = new Uint8Array(buf);
    const direct = new TextDecoder().decode(view.subarray(0, 26));
    view.set(new TextEncoder().encode('MAPPED'), 0);
    mh.seek(fd, 0);
    const back = new Uint8Array(6);
    mh.read(fd, back);
    mh.println(`mapped sees "${direct}"; kernel sees "${new TextDecoder().decode(back)}"; size ${mh.fstat(fd).size}`);
    mh.println(`resize after map: ${errnoOf(() => mh.ftruncate(fd, 8192))}`);
    return 0;
  },

  /** The time scheme as a timer: arm a deadline 50 ms ahead and wait for it with event. */
  timer() {
    const t = mh.open('/scheme/time/monotonic', mh.O.RDWR);
    const now = new Uint8Array(16);
    // Timed from before the clock read the deadline counts from: the calls that arm it may be
    // slow on a loaded machine, and that time is part of the 50 ms.
    const start = mh.now();
    mh.read(t, now);
    const v = new DataView(now.buffer);
    const ms = v.getFloat64(0, true) * 1000 + v.getFloat64(8, true) / 1e6 + 50;
    const when = new Uint8Array(16);
    new DataView(when.buffer).setFloat64(0, Math.floor(ms / 1000), true);
    new DataView(when.buffer).setFloat64(8, (ms % 1000) * 1e6, true);
    mh.write(t, when);
    const ev = mh.open('/scheme/event', mh.O.RDWR);
    mh.write(ev, new Uint8Array(new Float64Array([t, 1, 7]).buffer));
    const got = new Uint8Array(24);
    mh.read(ev, got);
    const waited = mh.now() - start;
    mh.println(`timer fired with token ${new Float64Array(got.buffer)[2]} after ${waited >= 45 ? 'about 50' : waited} ms`);
    return 0;
  },

  devices() {
    const z = mh.open('/scheme/zero');
    const b = new Uint8Array(8).fill(9);
    mh.read(z, b);
    const r = mh.open('rand:');
    const x = new Uint8Array(32);
    mh.read(r, x);
    const n = mh.open('null:', mh.O.WRONLY);
    const pooled = mh.randomBytes(5000);
    mh.println(`zero ${b.join('')} rand ${x.some((v) => v !== 0)} null ${mh.write(n, 'discard')} eof ${mh.read(mh.open('/scheme/null'), b)} pool ${pooled.length} ${new Set(pooled).size > 200}`);
    return 0;
  },

  /** Random frames from inside a sandbox: the kernel must answer each and keep running. */
  fuzz(a) {
    const allowed = ['open', 'openat', 'close', 'read', 'write', 'seek', 'fstat', 'fsync', 'ftruncate', 'getdents', 'dup', 'dup2', 'fcntl', 'fpath',
      'pipe', 'waitpid', 'sigtake', 'getpid', 'getppid', 'getuid', 'getpgid', 'getsid', 'chdir', 'getcwd', 'getns', 'stat', 'readlink', 'mkdir', 'unlink',
      'umask', 'getrusage', 'fchmod', 'statvfs', 'sendfd', 'recvfd', 'nanosleep', 'sigaction', 'symlink', 'rename'] as const;
    const nrs: Record<string, number> = { open: 1, openat: 2, close: 3, read: 4, write: 5, seek: 6, fstat: 7, fsync: 8, ftruncate: 9, getdents: 10, dup: 11, dup2: 12, fcntl: 13, fpath: 14, pipe: 15, waitpid: 19, sigtake: 22, getpid: 23, getppid: 24, getuid: 25, getpgid: 31, getsid: 33, chdir: 35, getcwd: 36, getns: 38, stat: 54, readlink: 50, mkdir: 44, unlink: 46, umask: 57, getrusage: 60, fchmod: 61, statvfs: 64, sendfd: 55, recvfd: 56, nanosleep: 41, sigaction: 21, symlink: 49, rename: 47 };
    mh.signal(mh.Sig.SIGPIPE, 'ignore');
    const out = mh.fcntl(1, 0 /* F_DUPFD */, 900); // random dup2s may replace fd 1
    const zero = mh.fcntl(mh.open('/scheme/zero', mh.O.RDWR), 0, 800); // reads here never block
    mh.mkns(['null', 'zero', 'rand', 'pipe', 'event', 'shm', 'chan', 'time', 'sys']);
    mh.setfilter([...allowed, 'exit', 'sigtake', 'write']);
    let seed = Number(a[0] ?? 1);
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const num = () => pick([0, 1, 2, 3, -1, 1e9, 2 ** 53, NaN, Infinity, -Infinity, 0.5, 65536, -(2 ** 31), Math.floor(rnd() * 64)]);
    let answered = 0;
    const n = Number(a[1] ?? 2000);
    for (let i = 0; i < n; i++) {
      const name = pick(allowed);
      if (name === 'nanosleep' || name === 'waitpid' || name === 'recvfd') continue; // these may rightly block forever
      const len = Math.floor(rnd() * 64);
      const payload = rnd() < 0.5
        ? new TextEncoder().encode(pick(['/scheme/null', '/scheme/sys/proc', 'zero:', '/scheme/event', '/scheme/shm/x', '../../..', '/scheme/pipe', '']))
        : new Uint8Array(len).map(() => Math.floor(rnd() * 256));
      const fd = pick([0, 3, 4, 5, 1023, -1]);
      const r = mh.syscall(nrs[name]!, [name === 'read' || name === 'write' ? zero : name === 'getdents' ? fd : num(), num(), num(), num()], payload, rnd() < 0.1 ? Math.floor(rnd() * 2 ** 20) : undefined);
      if (typeof r.result === 'number') answered++;
    }
    mh.write(out, `answered ${answered}\n`);
    return 0;
  },

  /** The proc scheme: a child's status and arguments, then ending it through its ctl file. */
  proc() {
    const pid = mh.spawn(SELF, ['probe', 'sleep', '100000'], {});
    mh.sleep(50);
    const status = mh.readText(`/scheme/proc/${pid}/status`);
    mh.println(status.split('\n').filter((l) => /^(Name|State|PPid):/.test(l)).join('; '));
    mh.println(`cmdline ${JSON.stringify(mh.readText(`proc:${pid}/cmdline`))}`);
    mh.println(`listed ${mh.readdir('/scheme/proc').some((e) => e.name === String(pid))}`);
    mh.println(`as another user: ${mh.wait(mh.spawn(SELF, ['probe', 'procctl', String(pid)], { uid: 1000, gid: 1000 }))}`);
    const ctl = mh.open(`/scheme/proc/${pid}/ctl`, mh.O.WRONLY);
    mh.println(`bad command: ${errnoOf(() => mh.write(ctl, 'explode'))}`);
    mh.write(ctl, 'kill TERM');
    mh.close(ctl);
    mh.println(`child ${mh.wait(pid)}`);
    mh.println(`gone: ${errnoOf(() => mh.readText(`/scheme/proc/${pid}/status`))}`);
    return 0;
  },

  procctl(a) {
    const ctl = mh.open(`/scheme/proc/${a[0]}/ctl`, mh.O.WRONLY);
    mh.println(errnoOf(() => mh.write(ctl, 'kill 9')));
    return 0;
  },

  execme() {
    mh.exec(SELF, ['probe', 'exit', '42']);
  },

  sys() {
    mh.print(mh.readText('/scheme/sys/proc'));
    mh.println(`uptime ${Number(mh.readText('sys:uptime')) >= 0}`);
    return 0;
  },

  ids() {
    mh.println(`pid ${mh.getpid()} ppid ${mh.getppid()} uid ${mh.getuid()} gid ${mh.getgid()} pgid ${mh.getpgid()} sid ${mh.getsid()}`);
    return 0;
  },

  throws() {
    throw new Error('deliberate failure');
  },

  /**
   * A signal that arrives while the program runs its own code (no call in flight): the next
   * blocking call must end with EINTR at once, or a loop that checks what the handler sets
   * (a daemon's `stopping`) never sees it.
   */
  sigbusy() {
    let caught = false;
    mh.signal(mh.Sig.SIGUSR1, () => void (caught = true));
    const [r, w] = mh.pipe(); // the test waits for these descriptors, then signals
    const until = Date.now() + 1000;
    while (Date.now() < until && !caught);
    // It came during a call after all (the pipe's own), and its handler ran as that returned.
    if (caught) {
      mh.println('early');
      return 0;
    }
    const slept = mh.syscall(41 /* nanosleep */, [3, 0]).result;
    mh.println(`sleep ${slept} handler ${caught}`);
    mh.close(r);
    mh.close(w);
    return 0;
  },

  /** Escape attempts from the sandbox context: each must find nothing. */
  async escape() {
    const g = globalThis as Record<string, unknown>;
    // A global that is an object of another realm (the worker's) is no instance of this
    // realm's Object; its constructor chain would lead to the worker's Function.
    const foreign = Object.getOwnPropertyNames(g).filter((n) => {
      const v = g[n];
      return (typeof v === 'object' || typeof v === 'function') && v !== null && !(v instanceof Object);
    });
    const hostNames = ['global', 'module', 'setTimeout', 'setImmediate', 'queueMicrotask', 'structuredClone', 'fetch', 'performance', 'navigator', 'MessageChannel', 'Worker', 'WebSocket'];
    const results = [
      typeof g.process,
      typeof g.require,
      typeof (g as { Buffer?: unknown }).Buffer,
      (() => {
        try {
          return String(new SharedArrayBuffer(8).constructor.constructor('return typeof process')());
        } catch (e) {
          return `threw ${String(e)}`;
        }
      })(),
      (() => {
        try {
          return String((mh.open.constructor as FunctionConstructor)('return typeof process')());
        } catch (e) {
          return `threw ${String(e)}`;
        }
      })(),
      foreign.length === 0 ? 'own-realm' : `foreign: ${foreign.join(',')}`,
      globalThis instanceof Object && Object.getPrototypeOf(Object.prototype) === null ? 'own-chain' : 'foreign-chain',
      hostNames.filter((n) => n in g).join(',') || 'no-host-globals',
      await (new Function('return import("node:fs")') as () => Promise<unknown>)().then(() => 'imported', () => 'no-import'),
    ];
    mh.println(results.join(' '));
    return 0;
  },
};

interface Req {
  tag: number;
  opcode: number;
  handle: number;
  uid: number;
  arg0: number;
  payload: Uint8Array;
}

function parseRequests(b: Uint8Array): Req[] {
  const out: Req[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let pos = 0; pos + 48 <= b.length; ) {
    const len = v.getUint32(pos + 28, true);
    out.push({ tag: v.getUint32(pos, true), opcode: v.getUint32(pos + 4, true), handle: v.getUint32(pos + 8, true), uid: v.getUint32(pos + 20, true), arg0: v.getFloat64(pos + 32, true), payload: b.slice(pos + 48, pos + 48 + len) });
    pos += (48 + len + 7) & ~7;
  }
  return out;
}

/** The combined reply-then-read call (src/abi/syscall.ts). */
const SYS_SCHEME_SERVE = 82;

function reply(tag: number, result: number, aux: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array((32 + payload.length + 7) & ~7);
  const v = new DataView(b.buffer);
  v.setUint32(0, tag, true);
  v.setUint32(8, payload.length, true);
  v.setFloat64(16, result, true);
  v.setFloat64(24, aux, true);
  b.set(payload, 32);
  return b;
}

export function main(argv: string[]): number | Promise<number> {
  const cmd = commands[argv[1] ?? ''];
  if (!cmd) {
    mh.eprintln(`usage: probe ${Object.keys(commands).join('|')} [args]`);
    return 2;
  }
  return cmd(argv.slice(2));
}
