/*
 * system, popen and pclose for C programs on MACROHARD, over spawn and pipes: the command runs
 * as `/bin/sh -c COMMAND` (wasi-libc declares these but cannot implement them), or with the
 * boot shell in initfs when the filesystem has no /bin/sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "macrohard.h"

static const char *shell(void) {
  int saved = errno; /* looking is not failing: callers such as Lua read errno afterwards */
  const char *sh = access("/bin/sh", X_OK) == 0 ? "/bin/sh" : "/scheme/initfs/bin/sh";
  errno = saved;
  return sh;
}

int system(const char *cmd) {
  if (!cmd) return access(shell(), X_OK) == 0;
  char *argv[] = {"sh", "-c", (char *)cmd, 0};
  pid_t pid = mh_spawn(shell(), argv, 0, 0, 0, 0, 0);
  if (pid < 0) return 127 << 8;
  int status;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return status;
}

struct child {
  FILE *f;
  pid_t pid;
  struct child *next;
};
static struct child *children;

FILE *popen(const char *cmd, const char *mode) {
  int reading = mode[0] == 'r';
  if (!reading && mode[0] != 'w') {
    errno = EINVAL;
    return 0;
  }
  int p[2];
  if (pipe(p) < 0) return 0;
  int map[6] = {0, 0, 1, 1, 2, 2};
  if (reading) map[3] = p[1];
  else map[1] = p[0];
  char *argv[] = {"sh", "-c", (char *)cmd, 0};
  pid_t pid = mh_spawn(shell(), argv, 0, map, 3, 0, 0);
  close(reading ? p[1] : p[0]);
  if (pid < 0) {
    close(reading ? p[0] : p[1]);
    return 0;
  }
  struct child *c = malloc(sizeof *c);
  FILE *f = c ? fdopen(reading ? p[0] : p[1], reading ? "r" : "w") : 0;
  if (!f) {
    free(c);
    close(reading ? p[0] : p[1]);
    return 0;
  }
  c->f = f;
  c->pid = pid;
  c->next = children;
  children = c;
  return f;
}

int pclose(FILE *f) {
  struct child **pp = &children;
  while (*pp && (*pp)->f != f) pp = &(*pp)->next;
  if (!*pp) {
    errno = ECHILD;
    return -1;
  }
  struct child *c = *pp;
  *pp = c->next;
  pid_t pid = c->pid;
  free(c);
  fclose(f);
  int status;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return status;
}
