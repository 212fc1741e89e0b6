/*
 * What the lock tests (locks.c, lockfair.c) share: error names, a range lock in one call, a
 * pause, a wait for parked requests, and children that are the same program started with posix_spawn in a MODE, with a
 * pipe on their fd 9 where they say "w" before they wait (fd 3 and up would hide WASI
 * preopens). The including program sets `prog`, `self` and `path`.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *prog;
static const char *self;
static const char *path;

static const char *ename(int e) {
  switch (e) {
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    case EINTR: return "EINTR";
    case EDEADLK: return "EDEADLK";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    default: return strerror(e);
  }
}

static int lk(int fd, int cmd, int type, off_t start, off_t len) {
  struct flock fl = {0};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  return fcntl(fd, cmd, &fl);
}

static void pause_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static pid_t start(const char *mode, int *from) {
  int p[2];
  if (pipe(p) != 0) exit(90);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 9);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  char *argv[] = {(char *)prog, (char *)self, (char *)path, (char *)mode, NULL};
  pid_t pid;
  if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0) exit(91);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  *from = p[0];
  return pid;
}

static int finish(pid_t pid, int from) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  close(from);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run(const char *mode) {
  int from;
  pid_t pid = start(mode, &from);
  return finish(pid, from);
}

static void await_w(int from) {
  char c;
  if (read(from, &c, 1) != 1) exit(92);
}

/*
 * Waits until N requests are parked on locks: the kernel lists them in its locks file with
 * "->", as Linux's /proc/locks does (instead of sleeping and hoping they are by then).
 */
static void parked(int n) {
#ifdef __wasi__
  const char *file = "/scheme/sys/locks";
#else
  const char *file = "/proc/locks";
#endif
  for (int tries = 0; tries < 2000; tries++) {
    FILE *f = fopen(file, "r");
    char line[256];
    int seen = 0;
    if (!f) {
      /* A host without /proc: the old way, a pause the child is very likely parked after. */
      pause_ms(300);
      return;
    }
    while (fgets(line, sizeof line, f))
      if (strstr(line, "->")) seen++;
    fclose(f);
    if (seen >= n) return;
    pause_ms(5);
  }
  printf("no %d waiters in %s\n", n, file);
  exit(93);
}
