/*
 * Processes for C programs on MACROHARD: spawn, posix_spawn, exec, wait, kill and identity,
 * as thin wrappers over the `macrohard` imports. A child starts in the caller's working
 * directory as wasi-libc knows it (chdir() changes only that), so the two never disagree.
 */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "macrohard.h"

static int ret(int r) {
  if (r < 0) {
    errno = -r;
    return -1;
  }
  return r;
}

pid_t mh_spawn(const char *path, char *const argv[], char *const envp[], const int *fdmap, int nfds, const char *cwd, int flags) {
  char here[PATH_MAX];
  if (!cwd && getcwd(here, sizeof here)) cwd = here;
  return ret(__mh_spawn(path, argv, envp, fdmap, nfds, cwd, flags));
}

pid_t waitpid(pid_t pid, int *status, int options) { return ret(__mh_waitpid(pid, status, options)); }
pid_t wait(int *status) { return waitpid(-1, status, 0); }
int kill(pid_t pid, int sig) { return ret(__mh_kill(pid, sig)); }
pid_t getpid(void) { return __mh_getpid(); }
pid_t getppid(void) { return __mh_getppid(); }
uid_t getuid(void) { return (uid_t)__mh_getuid(); }
uid_t geteuid(void) { return (uid_t)__mh_geteuid(); }
gid_t getgid(void) { return (gid_t)__mh_getgid(); }
gid_t getegid(void) { return (gid_t)__mh_getegid(); }
pid_t getpgid(pid_t pid) { return ret(__mh_getpgid(pid)); }
pid_t getpgrp(void) { return __mh_getpgid(0); }
int setpgid(pid_t pid, pid_t pgid) { return ret(__mh_setpgid(pid, pgid)); }
pid_t setsid(void) { return ret(__mh_setsid()); }
mode_t umask(mode_t mask) { return (mode_t)__mh_umask((int)mask); }

int execve(const char *path, char *const argv[], char *const envp[]) { return ret(__mh_exec(path, argv, envp)); }
int execv(const char *path, char *const argv[]) { return ret(__mh_exec(path, argv, 0)); }

/* Tries each directory of PATH (or the name itself when it contains a slash). */
static int search(const char *file, char *out, size_t cap) {
  if (strchr(file, '/')) {
    if (strlen(file) >= cap) return -1;
    strcpy(out, file);
    return 0;
  }
  const char *path = getenv("PATH");
  if (!path) path = "/usr/bin:/bin";
  while (*path) {
    const char *end = strchr(path, ':');
    size_t n = end ? (size_t)(end - path) : strlen(path);
    if (n + 1 + strlen(file) < cap) {
      memcpy(out, path, n);
      out[n] = '/';
      strcpy(out + n + 1, file);
      if (access(out, X_OK) == 0) return 0;
    }
    path += n + (end ? 1 : 0);
  }
  errno = ENOENT;
  return -1;
}

int execvp(const char *file, char *const argv[]) {
  char full[PATH_MAX];
  if (search(file, full, sizeof full) < 0) return -1;
  return execv(full, argv);
}

/* ---- posix_spawn ---------------------------------------------------------------------------- */

enum { ACT_DUP2 = 1, ACT_CLOSE = 2 };

int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa) { fa->__count = 0; return 0; }
int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa) { (void)fa; return 0; }

static int add(posix_spawn_file_actions_t *fa, int kind, int fd, int newfd) {
  if (fd < 0 || newfd < 0) return EBADF;
  if (fa->__count >= __MH_SPAWN_MAX_ACTIONS) return ENOMEM;
  fa->__actions[fa->__count].__kind = kind;
  fa->__actions[fa->__count].__fd = fd;
  fa->__actions[fa->__count].__newfd = newfd;
  fa->__count++;
  return 0;
}
int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd) { return add(fa, ACT_DUP2, fd, newfd); }
int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd) { return add(fa, ACT_CLOSE, fd, fd); }

int posix_spawnattr_init(posix_spawnattr_t *a) { a->__flags = 0; a->__pgroup = 0; return 0; }
int posix_spawnattr_destroy(posix_spawnattr_t *a) { (void)a; return 0; }
int posix_spawnattr_setflags(posix_spawnattr_t *a, short flags) { a->__flags = flags; return 0; }
int posix_spawnattr_setpgroup(posix_spawnattr_t *a, pid_t pg) { a->__pgroup = pg; return 0; }

/*
 * The child's descriptor table is computed here from the actions, in order: it starts as the
 * parent's 0, 1, 2; dup2(fd, new) makes `new` refer to what `fd` refers to at that point.
 */
int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  enum { MAXFD = 64 };
  int src[MAXFD];
  for (int i = 0; i < MAXFD; i++) src[i] = i < 3 ? i : -1;
  for (int i = 0; fa && i < fa->__count; i++) {
    int fd = fa->__actions[i].__fd, nfd = fa->__actions[i].__newfd;
    if (nfd >= MAXFD) return EBADF;
    if (fa->__actions[i].__kind == ACT_CLOSE) src[fd] = -1;
    else src[nfd] = fd < MAXFD && src[fd] >= 0 ? src[fd] : fd;
  }
  int map[2 * MAXFD], n = 0;
  for (int i = 0; i < MAXFD; i++) {
    if (src[i] < 0) continue;
    map[2 * n] = i;
    map[2 * n + 1] = src[i];
    n++;
  }
  int flags = 0;
  if (attr && (attr->__flags & POSIX_SPAWN_SETSID)) flags |= MH_SPAWN_SETSID;
  if (attr && (attr->__flags & POSIX_SPAWN_SETPGROUP)) flags |= MH_SPAWN_SETPGROUP;
  char here[PATH_MAX];
  const char *cwd = getcwd(here, sizeof here) ? here : 0;
  int r = __mh_spawn(path, argv, envp, map, n, cwd, flags);
  if (r < 0) return -r;
  if (pid) *pid = r;
  return 0;
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  char full[PATH_MAX];
  if (search(file, full, sizeof full) < 0) return errno;
  return posix_spawn(pid, full, fa, attr, argv, envp);
}
