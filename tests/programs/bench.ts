// Measurements taken inside a MACROHARD process, printed as one number each (bench/ reads it).
import * as mh from 'libmh';

const TRUE = '/scheme/initfs/bin/true';

const commands: Record<string, (a: string[]) => number> = {
  /** Nanoseconds per getppid round trip through the kernel. */
  syscalls(a) {
    const n = Number(a[0] ?? 1e6);
    for (let i = 0; i < 1000; i++) mh.getppid();
    const t0 = Date.now();
    for (let i = 0; i < n; i++) mh.getppid();
    mh.println(((Date.now() - t0) * 1e6) / n);
    return 0;
  },

  /** Microseconds from spawn to reaped exit of a trivial program. */
  spawn(a) {
    const n = Number(a[0] ?? 200);
    for (let i = 0; i < 10; i++) mh.wait(mh.spawn(TRUE, ['true']));
    const t0 = Date.now();
    for (let i = 0; i < n; i++) mh.wait(mh.spawn(TRUE, ['true']));
    mh.println(((Date.now() - t0) * 1000) / n);
    return 0;
  },

  /** GB/s through a pipe between two processes, 64 KiB writes. */
  pipe(a) {
    const mb = Number(a[0] ?? 2048);
    const [r, w] = mh.pipe();
    const t0 = Date.now();
    const pid = mh.spawn('/scheme/initfs/bin/bench', ['bench', 'writer', String(mb)], { fds: [[1, w], [2, 2]] });
    mh.close(w);
    const buf = new Uint8Array(256 * 1024);
    let total = 0;
    for (let n = mh.read(r, buf); n > 0; n = mh.read(r, buf)) total += n;
    const ms = Date.now() - t0;
    mh.wait(pid);
    if (total !== mb * 1024 * 1024) return 1;
    mh.println(total / ms / 1e6);
    return 0;
  },

  /** MB/s writing a[1] MiB to a[0] in 1 MiB calls, fsync included. */
  fswrite(a) {
    const mb = Number(a[1] ?? 256);
    const chunk = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    const t0 = Date.now();
    const fd = mh.open(a[0]!, mh.O.WRONLY | mh.O.CREAT | mh.O.TRUNC, 0o644);
    for (let i = 0; i < mb; i++) mh.write(fd, chunk);
    mh.fsync(fd);
    mh.close(fd);
    mh.println((mb * 1.048576) / ((Date.now() - t0) / 1000));
    return 0;
  },

  /** MB/s reading a[0] in 1 MiB calls. */
  fsread(a) {
    const buf = new Uint8Array(1 << 20);
    const t0 = Date.now();
    const fd = mh.open(a[0]!);
    let total = 0;
    for (let n = mh.read(fd, buf); n > 0; n = mh.read(fd, buf)) total += n;
    mh.close(fd);
    mh.println(total / 1e6 / ((Date.now() - t0) / 1000));
    return 0;
  },

  /** Milliseconds to create, stat and delete a[1] small files in directory a[0]. */
  smallfiles(a) {
    const dir = a[0]!;
    const n = Number(a[1] ?? 10000);
    const data = new TextEncoder().encode('small file\n');
    const t0 = Date.now();
    mh.mkdir(dir, 0o755);
    for (let i = 0; i < n; i++) {
      const fd = mh.open(`${dir}/f${i}`, mh.O.WRONLY | mh.O.CREAT, 0o644);
      mh.write(fd, data);
      mh.close(fd);
    }
    for (let i = 0; i < n; i++) mh.stat(`${dir}/f${i}`);
    for (let i = 0; i < n; i++) mh.unlink(`${dir}/f${i}`);
    mh.rmdir(dir);
    mh.println(Date.now() - t0);
    return 0;
  },

  writer(a) {
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const n = (Number(a[0]) * 1024 * 1024) / chunk.length;
    for (let i = 0; i < n; i++) mh.write(1, chunk);
    return 0;
  },
};

export function main(argv: string[]): number {
  const cmd = commands[argv[1] ?? ''];
  if (!cmd) {
    mh.eprintln(`usage: bench ${Object.keys(commands).join('|')} [n]`);
    return 2;
  }
  return cmd(argv.slice(2));
}
