/*
 * Lock waiters served in order, and flock deadlocks refused: MACROHARD's own promises beyond
 * what Linux gives (there a reader goes ahead of a waiting writer, and a flock cycle waits
 * forever), so this transcript is not compared with the host's.
 *
 *   lockfair SELF FILE           the parent
 *   lockfair SELF FILE MODE      a child (fd 9: a pipe to the parent, where it says "w" before
 *                                it waits; the parent then waits until the kernel lists it
 *                                as parked)
 */
#include <signal.h>
#include <sys/file.h>
#include "lockkit.h"

static void say(const char *what, int r) {
  if (r == 0) printf("%s: ok\n", what);
  else printf("%s: %s\n", what, ename(errno));
  fflush(stdout);
}

static char *other(void) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s.2", path);
  return buf;
}

static int child(const char *mode) {
  int fd = open(path, O_RDWR);
  if (fd < 0) return 99;
  if (!strcmp(mode, "writer")) {
    write(9, "w", 1);
    int r = lk(fd, F_SETLKW, F_WRLCK, 0, 10);
    say("writer F_SETLKW 0..9", r);
    printf("writer unlocks\n");
    fflush(stdout);
    lk(fd, F_SETLK, F_UNLCK, 0, 10);
  } else if (!strcmp(mode, "reader")) {
    say("reader F_SETLK 0..9 behind the waiting writer", lk(fd, F_SETLK, F_RDLCK, 0, 10));
    say("reader F_SETLK 20..29, clear of the writer", lk(fd, F_SETLK, F_RDLCK, 20, 10));
    write(9, "w", 1);
    say("reader F_SETLKW 0..9 (after the writer)", lk(fd, F_SETLKW, F_RDLCK, 0, 10));
  } else if (!strcmp(mode, "probe")) {
    say("a later reader's F_SETLK 0..9", lk(fd, F_SETLK, F_RDLCK, 0, 10));
  } else if (!strcmp(mode, "flockwriter")) {
    write(9, "w", 1);
    say("flock writer LOCK_EX", flock(fd, LOCK_EX));
    flock(fd, LOCK_UN);
  } else if (!strcmp(mode, "flockprobe")) {
    say("a later LOCK_SH|LOCK_NB behind the waiting LOCK_EX", flock(fd, LOCK_SH | LOCK_NB));
  } else if (!strcmp(mode, "cycle")) {
    int fd2 = open(other(), O_RDWR);
    if (fd2 < 0 || flock(fd2, LOCK_EX) != 0) return 98;
    write(9, "w", 1);
    parked(1);
    say("child LOCK_EX on the file the parent holds, while the parent waits for the child's", flock(fd, LOCK_EX));
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: lockfair SELF FILE\n");
    return 2;
  }
  prog = "lockfair";
  self = argv[1];
  path = argv[2];
  if (argc == 4) return child(argv[3]);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  int fd2 = open(other(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || fd2 < 0) {
    perror(path);
    return 1;
  }

  /* A writer waits behind the parent's read lock; a reader that comes later waits behind the
   * writer, though its lock would share with the parent's. */
  say("parent read-locks 0..9", lk(fd, F_SETLK, F_RDLCK, 0, 10));
  int wfrom, rfrom;
  pid_t w = start("writer", &wfrom);
  await_w(wfrom);
  parked(1);
  /* The writer waits for the parent: the parent's own read locks are not held back by it. */
  say("parent read-locks 5..14 beside the writer that waits for it", lk(fd, F_SETLK, F_RDLCK, 5, 10));
  pid_t r = start("reader", &rfrom);
  await_w(rfrom);
  parked(2);
  /* The children report first: the transcript keeps one order. */
  int u = lk(fd, F_SETLK, F_UNLCK, 0, 0);
  finish(w, wfrom);
  finish(r, rfrom);
  say("parent unlocked", u);

  /* A waiting writer that is killed holds nobody back any more. */
  say("parent read-locks 0..9 again", lk(fd, F_SETLK, F_RDLCK, 0, 10));
  w = start("writer", &wfrom);
  await_w(wfrom);
  parked(1);
  run("probe");
  kill(w, SIGKILL);
  printf("writer killed: %d\n", finish(w, wfrom) == 128 + SIGKILL);
  fflush(stdout);
  run("probe");
  lk(fd, F_SETLK, F_UNLCK, 0, 0);

  /* flock waiters are served in order too. */
  say("parent flock LOCK_SH", flock(fd, LOCK_SH));
  w = start("flockwriter", &wfrom);
  await_w(wfrom);
  parked(1);
  run("flockprobe");
  u = flock(fd, LOCK_UN);
  finish(w, wfrom);
  say("parent flock LOCK_UN", u);

  /* One process, two descriptions: the second waits for the first, which only it can unlock. */
  int a = open(path, O_RDWR), b = open(path, O_RDWR);
  say("description A flock LOCK_EX", flock(a, LOCK_EX));
  say("description B flock LOCK_EX (would wait for A, held by the same process)", flock(b, LOCK_EX));
  close(a);
  close(b);

  /* Two processes, two files, each waiting for the other's flock lock. */
  say("parent flock LOCK_EX on the first file", flock(fd, LOCK_EX));
  int cfrom;
  pid_t c = start("cycle", &cfrom);
  await_w(cfrom);
  int got = flock(fd2, LOCK_EX);
  finish(c, cfrom);
  say("parent LOCK_EX on the second file once the child is gone", got);
  close(fd);
  close(fd2);
  return 0;
}
