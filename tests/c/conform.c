/*
 * conform: WASI preview 1 called directly (wasi/api.h), one function family per argument:
 * fd, path, poll, proc, clock, sock. Each line is "what = result", errors as WASI errno
 * numbers, so the test compares the transcript with what the preview1 witx prescribes.
 * The fd and path families work under /tmp/conform (made here) beneath the root preopen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>
#include <macrohard.h>

#pragma clang diagnostic ignored "-Wunused-result"
#pragma clang diagnostic ignored "-Wformat"

#define R_RW (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | \
  __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | \
  __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_DATASYNC | \
  __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_POLL_FD_READWRITE)
#define R_DIR ((__wasi_rights_t)-1)

static const __wasi_fd_t ROOT = 3;

static void say(const char *what, long long v) { printf("%s = %lld\n", what, v); }

static __wasi_fd_t open_at(__wasi_fd_t dir, const char *p, __wasi_oflags_t o, __wasi_rights_t r, __wasi_fdflags_t f, __wasi_errno_t *e) {
  __wasi_fd_t fd = (__wasi_fd_t)-1;
  *e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, p, o, r, R_DIR, f, &fd);
  return fd;
}

static __wasi_filesize_t size_of(__wasi_fd_t fd) {
  __wasi_filestat_t st;
  return __wasi_fd_filestat_get(fd, &st) ? (__wasi_filesize_t)-1 : st.size;
}

static void fd_family(void) {
  __wasi_errno_t e;
  __wasi_fdstat_t fs;
  say("fdstat stdout", __wasi_fd_fdstat_get(1, &fs));
  say("stdout seekable", (fs.fs_rights_base & __WASI_RIGHTS_FD_SEEK) != 0);
  __wasi_path_create_directory(ROOT, "tmp");
  __wasi_path_create_directory(ROOT, "tmp/conform");
  __wasi_fd_t fd = open_at(ROOT, "tmp/conform/f", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, R_RW, 0, &e);
  say("open", e);
  __wasi_ciovec_t w[2] = {{(const uint8_t *)"abc", 3}, {(const uint8_t *)"defg", 4}};
  __wasi_size_t n = 0;
  say("write", __wasi_fd_write(fd, w, 2, &n));
  say("written", n);
  __wasi_filesize_t pos;
  __wasi_fd_tell(fd, &pos);
  say("tell", pos);
  say("seek -3 cur", __wasi_fd_seek(fd, -3, __WASI_WHENCE_CUR, &pos));
  say("pos", pos);
  uint8_t buf[32] = {0};
  __wasi_iovec_t r = {buf, 10};
  __wasi_fd_read(fd, &r, 1, &n);
  printf("read = %u %.*s\n", n, (int)n, buf);
  __wasi_fd_read(fd, &r, 1, &n);
  say("read at eof", n);
  __wasi_ciovec_t zz = {(const uint8_t *)"ZZ", 2};
  say("pwrite", __wasi_fd_pwrite(fd, &zz, 1, 1, &n));
  __wasi_fd_tell(fd, &pos);
  say("tell after pwrite", pos);
  memset(buf, 0, sizeof buf);
  __wasi_fd_pread(fd, &r, 1, 0, &n);
  printf("pread = %s\n", buf);
  __wasi_filestat_t st;
  __wasi_fd_filestat_get(fd, &st);
  say("filetype", st.filetype);
  say("size", st.size);
  say("set_size 3", __wasi_fd_filestat_set_size(fd, 3));
  say("size", size_of(fd));
  say("allocate 0+10", __wasi_fd_allocate(fd, 0, 10));
  say("size", size_of(fd));
  say("set_times", __wasi_fd_filestat_set_times(fd, 0, 1000000000000ull, __WASI_FSTFLAGS_MTIM));
  __wasi_fd_filestat_get(fd, &st);
  say("mtim", st.mtim);
  say("set_times both atim flags", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
  say("set append", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
  __wasi_fd_fdstat_get(fd, &fs);
  say("flags", fs.fs_flags);
  __wasi_ciovec_t x = {(const uint8_t *)"X", 1};
  __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos);
  __wasi_fd_write(fd, &x, 1, &n);
  say("size after append", size_of(fd));
  say("sync", __wasi_fd_sync(fd));
  say("datasync", __wasi_fd_datasync(fd));
  say("advise", __wasi_fd_advise(fd, 0, 10, __WASI_ADVICE_SEQUENTIAL));
  say("advise bad", __wasi_fd_advise(fd, 0, 10, 9));
  say("narrow rights", __wasi_fd_fdstat_set_rights(fd, R_RW & ~__WASI_RIGHTS_FD_WRITE, 0));
  say("write without the right", __wasi_fd_write(fd, &x, 1, &n));
  say("widen rights", __wasi_fd_fdstat_set_rights(fd, R_RW, 0));
  __wasi_fd_t fd2 = open_at(ROOT, "tmp/conform/g", __WASI_OFLAGS_CREAT, R_RW, 0, &e);
  say("renumber", __wasi_fd_renumber(fd, fd2));
  say("old fd closed", __wasi_fd_close(fd));
  say("renumbered size", size_of(fd2));
  say("close", __wasi_fd_close(fd2));
  say("close again", __wasi_fd_close(fd2));
  say("seek on a pipe", __wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &pos));
  say("read bad fd", __wasi_fd_read(99, &r, 1, &n));
  fd = open_at(ROOT, "tmp/conform/f", 0, __WASI_RIGHTS_FD_READ, 0, &e);
  say("write read-only", __wasi_fd_write(fd, &x, 1, &n));
  __wasi_fd_close(fd);
  __wasi_path_unlink_file(ROOT, "tmp/conform/f");
  __wasi_path_unlink_file(ROOT, "tmp/conform/g");
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void path_family(void) {
  __wasi_errno_t e;
  __wasi_path_create_directory(ROOT, "tmp");
  __wasi_path_create_directory(ROOT, "tmp/conform");
  say("mkdir", __wasi_path_create_directory(ROOT, "tmp/conform/d"));
  say("mkdir again", __wasi_path_create_directory(ROOT, "tmp/conform/d"));
  __wasi_fd_t f = open_at(ROOT, "tmp/conform/d/x", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, R_RW, 0, &e);
  say("create excl", e);
  __wasi_fd_close(f);
  open_at(ROOT, "tmp/conform/d/x", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, R_RW, 0, &e);
  say("create excl again", e);
  open_at(ROOT, "tmp/conform/d/x", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, 0, &e);
  say("file as directory", e);
  open_at(ROOT, "../etc", 0, __WASI_RIGHTS_FD_READ, 0, &e);
  say("climb out of the preopen", e);
  open_at(ROOT, "/etc", 0, __WASI_RIGHTS_FD_READ, 0, &e);
  say("absolute path", e);
  open_at(ROOT, "tmp/conform/missing", 0, __WASI_RIGHTS_FD_READ, 0, &e);
  say("missing", e);
  __wasi_fd_t d = open_at(ROOT, "tmp/conform/d", __WASI_OFLAGS_DIRECTORY, R_DIR, 0, &e);
  say("open dir", e);
  __wasi_fdstat_t fs;
  __wasi_fd_fdstat_get(d, &fs);
  say("dir filetype", fs.fs_filetype);
  f = open_at(d, "x", 0, __WASI_RIGHTS_FD_READ, 0, &e);
  say("open beneath dir", e);
  __wasi_fd_close(f);
  open_at(d, "../d/x", 0, __WASI_RIGHTS_FD_READ, 0, &e);
  say("climb out of dir", e);
  open_at(d, "sub/../x", 0, __WASI_RIGHTS_FD_READ, 0, &e);
  say("dot-dot that stays inside", e == __WASI_ERRNO_NOENT || e == 0 ? 0 : e);
  __wasi_filestat_t st;
  say("filestat", __wasi_path_filestat_get(d, 0, "x", &st));
  say("filetype", st.filetype);
  say("symlink", __wasi_path_symlink("x", d, "lnk"));
  char target[16] = {0};
  __wasi_size_t n = 0;
  say("readlink", __wasi_path_readlink(d, "lnk", (uint8_t *)target, sizeof target, &n));
  printf("target = %.*s\n", (int)n, target);
  __wasi_path_filestat_get(d, 0, "lnk", &st);
  say("lstat type", st.filetype);
  __wasi_path_filestat_get(d, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "lnk", &st);
  say("stat type", st.filetype);
  say("link", __wasi_path_link(d, 0, "x", d, "hard"));
  say("rename", __wasi_path_rename(d, "x", d, "y"));
  say("old name", __wasi_path_filestat_get(d, 0, "x", &st));
  say("set times", __wasi_path_filestat_set_times(d, 0, "y", 2000000000000ull, 3000000000000ull, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  __wasi_path_filestat_get(d, 0, "y", &st);
  say("mtim", st.mtim);
  for (int i = 0; i < 20; i++) {
    char name[16];
    snprintf(name, sizeof name, "n%02d", i);
    __wasi_fd_close(open_at(d, name, __WASI_OFLAGS_CREAT, R_RW, 0, &e));
  }
  /* fd_readdir with a small buffer, resuming from the last whole entry's cookie. */
  uint8_t buf[100];
  __wasi_dircookie_t cookie = 0;
  char *names[64];
  int count = 0, inos = 1, calls = 0;
  for (;;) {
    __wasi_size_t used;
    if (__wasi_fd_readdir(d, buf, sizeof buf, cookie, &used)) break;
    calls++;
    size_t off = 0;
    while (off + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t de;
      memcpy(&de, buf + off, sizeof de);
      if (off + sizeof de + de.d_namlen > used) break;
      char *name = strndup((char *)buf + off + sizeof de, de.d_namlen);
      __wasi_filestat_t s;
      cookie = de.d_next;
      off += sizeof de + de.d_namlen;
      if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
      if (__wasi_path_filestat_get(d, 0, name, &s) || s.ino != de.d_ino) inos = 0;
      names[count++] = name;
    }
    if (used < sizeof buf) break;
  }
  qsort(names, count, sizeof names[0], cmp);
  printf("readdir =");
  for (int i = 0; i < count; i++) printf(" %s", names[i]);
  printf("\n");
  say("readdir needed several calls", calls > 3);
  say("d_ino matches", inos);
  say("rmdir non-empty", __wasi_path_remove_directory(ROOT, "tmp/conform/d"));
  for (int i = 0; i < count; i++) __wasi_path_unlink_file(d, names[i]);
  say("unlink missing", __wasi_path_unlink_file(d, "y"));
  __wasi_fd_close(d);
  say("rmdir", __wasi_path_remove_directory(ROOT, "tmp/conform/d"));
}

static __wasi_timestamp_t mono(void) {
  __wasi_timestamp_t t;
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
  return t;
}

static void poll_family(void) {
  __wasi_subscription_t s[3];
  __wasi_event_t ev[3];
  __wasi_size_t n = 0;
  memset(s, 0, sizeof s);
  s[0].userdata = 11;
  s[0].u.tag = __WASI_EVENTTYPE_CLOCK;
  s[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  s[0].u.u.clock.timeout = 20000000;
  __wasi_timestamp_t t0 = mono();
  say("clock", __wasi_poll_oneoff(s, ev, 1, &n));
  printf("events = %u userdata %llu type %u waited %d\n", n, (unsigned long long)ev[0].userdata, ev[0].type, mono() - t0 >= 19000000);
  s[0].u.u.clock.timeout = mono() + 20000000;
  s[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  t0 = mono();
  __wasi_poll_oneoff(s, ev, 1, &n);
  printf("abstime events = %u waited %d\n", n, mono() - t0 >= 19000000);
  s[0].u.u.clock.flags = 0;
  s[0].u.u.clock.timeout = 30000000;
  s[1].userdata = 22;
  s[1].u.tag = __WASI_EVENTTYPE_FD_READ;
  int p[2];
  pipe(p);
  s[1].u.u.fd_read.file_descriptor = p[0];
  __wasi_poll_oneoff(s, ev, 2, &n);
  printf("empty pipe + clock = %u event(s), first userdata %llu\n", n, (unsigned long long)ev[0].userdata);
  __wasi_ciovec_t c = {(const uint8_t *)"!", 1};
  __wasi_fd_write(p[1], &c, 1, &n);
  __wasi_poll_oneoff(s, ev, 2, &n);
  printf("pipe with data + clock = %u event(s), first userdata %llu type %u\n", n, (unsigned long long)ev[0].userdata, ev[0].type);
  __wasi_fd_close(p[1]);
  uint8_t one;
  __wasi_iovec_t r = {&one, 1};
  __wasi_fd_read(p[0], &r, 1, &n);
  __wasi_poll_oneoff(s, ev, 2, &n);
  printf("pipe at eof = %u event(s), first userdata %llu\n", n, (unsigned long long)ev[0].userdata);
  s[1].u.u.fd_read.file_descriptor = 1;
  s[1].u.tag = __WASI_EVENTTYPE_FD_WRITE;
  __wasi_poll_oneoff(s, ev, 2, &n);
  printf("stdout writable = %u event(s), userdata %llu type %u\n", n, (unsigned long long)ev[0].userdata, ev[0].type);
  s[1].u.u.fd_read.file_descriptor = 77;
  __wasi_poll_oneoff(s, ev, 2, &n);
  printf("bad fd = %u event(s), error %u\n", n, ev[0].error);
  say("no subscriptions", __wasi_poll_oneoff(s, ev, 0, &n));
}

static void proc_family(int argc, char **argv) {
  __wasi_size_t count, size;
  say("args_sizes_get", __wasi_args_sizes_get(&count, &size));
  say("argc matches", (int)count == argc);
  char **av = malloc(count * sizeof(char *));
  char *ab = malloc(size);
  __wasi_args_get((uint8_t **)av, (uint8_t *)ab);
  printf("argv[2] = %s\n", av[2]);
  __wasi_environ_sizes_get(&count, &size);
  char **ev = malloc(count * sizeof(char *));
  char *eb = malloc(size);
  __wasi_environ_get((uint8_t **)ev, (uint8_t *)eb);
  for (__wasi_size_t i = 0; i < count; i++)
    if (!strncmp(ev[i], "CONFORM=", 8)) printf("env = %s\n", ev[i]);
  __wasi_prestat_t ps;
  say("prestat 3", __wasi_fd_prestat_get(3, &ps));
  char name[64] = {0};
  __wasi_fd_prestat_dir_name(3, (uint8_t *)name, ps.u.dir.pr_name_len);
  printf("preopen = %s\n", name);
  say("prestat 4", __wasi_fd_prestat_get(4, &ps));
  say("prestat stdout", __wasi_fd_prestat_get(1, &ps));
  say("sched_yield", __wasi_sched_yield());
  /* The preopen's directory itself: opened on first use by the runtime. */
  __wasi_filestat_t st;
  say("filestat of the preopen", __wasi_fd_filestat_get(3, &st));
  printf("preopen is a directory: %d\n", st.filetype == __WASI_FILETYPE_DIRECTORY);
  uint8_t dents[4096];
  __wasi_size_t used = 0;
  say("readdir of the preopen", __wasi_fd_readdir(3, dents, sizeof dents, 0, &used));
  printf("preopen lists entries: %d\n", used > 0);
  fflush(stdout);
  __wasi_proc_exit(7);
}

static void clock_family(void) {
  __wasi_timestamp_t t;
  for (int id = 0; id < 4; id++) {
    char what[32];
    snprintf(what, sizeof what, "res %d", id);
    say(what, __wasi_clock_res_get(id, &t));
    snprintf(what, sizeof what, "time %d", id);
    say(what, __wasi_clock_time_get(id, 1, &t));
  }
  say("bad clock", __wasi_clock_time_get(9, 1, &t));
  __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t);
  say("realtime after 2020", t > 1577836800000000000ull);
  __wasi_timestamp_t a = mono(), b = mono();
  say("monotonic", b >= a);
  uint8_t x[32], y[32];
  say("random", __wasi_random_get(x, 32));
  __wasi_random_get(y, 32);
  say("random differs", memcmp(x, y, 32) != 0);
  static uint8_t big[100000];
  say("random big", __wasi_random_get(big, sizeof big));
}

static void sock_family(void) {
  __wasi_fd_t fd;
  say("accept on a pipe", __wasi_sock_accept(1, 0, &fd));
  say("shutdown on a pipe", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
  __wasi_ciovec_t c = {(const uint8_t *)"sent\n", 5};
  __wasi_size_t n;
  say("send", __wasi_sock_send(1, &c, 1, 0, &n));
  say("sent", n);
  uint8_t buf[4];
  __wasi_iovec_t r = {buf, 4};
  __wasi_roflags_t ro;
  say("recv peek", __wasi_sock_recv(0, &r, 1, __WASI_RIFLAGS_RECV_PEEK, &n, &ro));
}

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  const char *f = argc > 1 ? argv[1] : "";
  if (!strcmp(f, "fd")) fd_family();
  else if (!strcmp(f, "path")) path_family();
  else if (!strcmp(f, "poll")) poll_family();
  else if (!strcmp(f, "proc")) proc_family(argc, argv);
  else if (!strcmp(f, "clock")) clock_family();
  else if (!strcmp(f, "sock")) sock_family();
  else return 2;
  return 0;
}
