/*
 * Advisory locks between two processes: fcntl record locks (F_GETLK, F_SETLK, F_SETLKW on
 * byte ranges), their release on close and exit, a wait that a signal interrupts, deadlock
 * detection, and flock. The parent holds locks; a child (this program again, started with
 * posix_spawn) probes them. The transcript is the same natively on the host.
 *
 *   locks SELF FILE            the parent
 *   locks SELF FILE MODE       a child (fd 9: a pipe to the parent, where it says "w"; fd 3
 *                            and up would hide WASI preopens)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lockkit.h"
#ifdef __wasi__
#include <macrohard.h>
#endif

static void say(const char *what, int r) {
  if (r == 0) printf("%s: ok\n", what);
  else printf("%s: %d %s\n", what, r, ename(errno));
  fflush(stdout);
}

/* What a probe sees at one byte: "unlocked" or the lock's type, range and whether the parent holds it. */
static void probe(int fd, off_t at) {
  struct flock fl = {0};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = at;
  fl.l_len = 1;
  if (fcntl(fd, F_GETLK, &fl) != 0) {
    printf("getlk %lld: %s\n", (long long)at, ename(errno));
    return;
  }
  if (fl.l_type == F_UNLCK) printf("getlk %lld: unlocked\n", (long long)at);
  else
    printf("getlk %lld: %s start %lld len %lld, held by the parent: %d\n", (long long)at, fl.l_type == F_WRLCK ? "write" : "read",
           (long long)fl.l_start, (long long)fl.l_len, fl.l_pid == getppid());
  fflush(stdout);
}

static volatile int handled;
static void on_usr1(int sig) {
  (void)sig;
  handled++;
}

static int child(const char *file, const char *mode) {
  int fd = open(file, O_RDWR);
  if (fd < 0) {
    perror("child open");
    return 99;
  }
  if (!strcmp(mode, "probe")) {
    probe(fd, 0);
    say("child write-locks byte 5 (F_SETLK)", lk(fd, F_SETLK, F_WRLCK, 5, 1));
    say("child read-locks 10..19", lk(fd, F_SETLK, F_RDLCK, 10, 10));
  } else if (!strcmp(mode, "split")) {
    probe(fd, 0);
    probe(fd, 4);
    probe(fd, 6);
  } else if (!strcmp(mode, "shared")) {
    say("child read-locks 0..9 beside the parent's read lock", lk(fd, F_SETLK, F_RDLCK, 0, 10));
    say("child write-locks 0..9", lk(fd, F_SETLK, F_WRLCK, 0, 10));
  } else if (!strcmp(mode, "wait")) {
    write(9, "w", 1);
    int r = lk(fd, F_SETLKW, F_WRLCK, 0, 1);
    char c = 0;
    pread(fd, &c, 1, 50);
    printf("child F_SETLKW: %s, then byte 50 is '%c'\n", r == 0 ? "ok" : ename(errno), c);
  } else if (!strcmp(mode, "intr")) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    write(9, "w", 1);
    int r = lk(fd, F_SETLKW, F_WRLCK, 0, 1);
    printf("child F_SETLKW under signals: %s, handler ran: %d\n", r == 0 ? "ok" : ename(errno), handled > 0);
  } else if (!strcmp(mode, "deadlock")) {
    if (lk(fd, F_SETLK, F_WRLCK, 1, 1) != 0) return 98;
    write(9, "w", 1);
    int r = lk(fd, F_SETLKW, F_WRLCK, 0, 1);
    return r == 0 ? 0 : errno == EDEADLK ? 35 : 97;
  } else if (!strcmp(mode, "hold")) {
    say("child write-locks 0..9 and exits", lk(fd, F_SETLK, F_WRLCK, 0, 10));
  } else if (!strcmp(mode, "flock")) {
    say("child flock LOCK_EX|LOCK_NB", flock(fd, LOCK_EX | LOCK_NB));
    say("child flock LOCK_SH|LOCK_NB", flock(fd, LOCK_SH | LOCK_NB));
  }
  fflush(stdout);
  return 0;
}

/* Starts a child in MODE with a pipe on its fd 3; returns its pid and the pipe's read end. */

int main(int argc, char **argv) {
  if (argc == 4) return child(argv[2], argv[3]);
  if (argc != 3) {
    fprintf(stderr, "usage: locks SELF FILE\n");
    return 2;
  }
  prog = "locks";
  self = argv[1];
  path = argv[2];
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    perror(path);
    return 1;
  }
  char zeros[100];
  memset(zeros, '.', sizeof zeros);
  write(fd, zeros, sizeof zeros);

  say("parent write-locks 0..9", lk(fd, F_SETLK, F_WRLCK, 0, 10));
  run("probe");
  say("parent unlocks 3..5", lk(fd, F_SETLK, F_UNLCK, 3, 3));
  run("split");
  say("parent turns 0..9 into a read lock", lk(fd, F_SETLK, F_RDLCK, 0, 10));
  run("shared");
  say("parent write-locks 0..end (len 0)", lk(fd, F_SETLK, F_WRLCK, 0, 0));

  int from;
  pid_t pid = start("wait", &from);
  await_w(from);
  parked(1);
  pwrite(fd, "X", 1, 50);
  int unlocked = lk(fd, F_SETLK, F_UNLCK, 0, 0);
  finish(pid, from); /* the child reports first: the transcript keeps one order */
  say("parent unlocked everything", unlocked);

  say("parent write-locks byte 0 again", lk(fd, F_SETLK, F_WRLCK, 0, 1));
  pid = start("intr", &from);
  await_w(from);
  int st;
  /* Until the child reports: a signal sent before it starts waiting only runs its handler. */
  while (waitpid(pid, &st, WNOHANG) == 0) {
    kill(pid, SIGUSR1);
    pause_ms(50);
  }
  close(from);

  pid = start("deadlock", &from);
  await_w(from);
  parked(1);
  int r = lk(fd, F_SETLKW, F_WRLCK, 1, 1);
  int parent_dl = r != 0 && errno == EDEADLK;
  if (parent_dl) lk(fd, F_SETLK, F_UNLCK, 0, 1);
  int child_dl = finish(pid, from) == 35;
  printf("deadlock: exactly one of the two was refused with EDEADLK: %d\n", parent_dl + child_dl == 1);
  fflush(stdout);
  lk(fd, F_SETLK, F_UNLCK, 0, 0);

  say("parent write-locks 0..9", lk(fd, F_SETLK, F_WRLCK, 0, 10));
  int fd2 = open(path, O_RDONLY);
  close(fd2);
  printf("after closing another descriptor of the file:\n");
  fflush(stdout);
  run("split");

  run("hold");
  say("parent write-locks 0..9 after that child exited", lk(fd, F_SETLK, F_WRLCK, 0, 10));

  say("parent flock LOCK_EX", flock(fd, LOCK_EX));
  run("flock");
  say("parent flock LOCK_UN", flock(fd, LOCK_UN));
  run("flock");

  /* flock belongs to the open file description: two opens in one process are two owners. A
   * conversion that cannot be granted gives up the lock it had, so the other one can upgrade. */
  int a = open(path, O_RDWR), b = open(path, O_RDWR);
  say("description A flock LOCK_SH", flock(a, LOCK_SH));
  say("description B flock LOCK_SH", flock(b, LOCK_SH));
  say("A upgrades with LOCK_EX|LOCK_NB", flock(a, LOCK_EX | LOCK_NB));
  say("B upgrades with LOCK_EX|LOCK_NB", flock(b, LOCK_EX | LOCK_NB));
  close(a);
  close(b);
  return 0;
}
