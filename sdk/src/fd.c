/*
 * Descriptors and modes for C programs on MACROHARD: pipe, pipe2, dup, dup2, close-on-exec,
 * fchmod, fchown and chmod. The
 * runtime maps pipe ends for direct transfers and keeps its table in step with dup2.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include "macrohard.h"

static int ret(int r) {
  if (r < 0) {
    errno = -r;
    return -1;
  }
  return r;
}

int pipe(int fds[2]) { return ret(__mh_pipe(fds, 0)); }

/* Accepts wasi-libc's O_NONBLOCK and the SDK's MH_PIPE_* flags. */
int pipe2(int fds[2], int flags) {
  int f = flags & (MH_PIPE_CLOEXEC | MH_PIPE_NONBLOCK);
  if (flags & O_NONBLOCK) f |= MH_PIPE_NONBLOCK;
  return ret(__mh_pipe(fds, f));
}

int dup(int fd) { return ret(__mh_dup(fd)); }
int dup2(int fd, int to) { return ret(__mh_dup2(fd, to)); }
int mh_set_cloexec(int fd, int on) { return ret(__mh_set_cloexec(fd, on)); }

int fchmod(int fd, mode_t mode) { return ret(__mh_fchmod(fd, (int)mode)); }
int fchown(int fd, uid_t uid, gid_t gid) { return ret(__mh_fchown(fd, (int)uid, (int)gid)); }

/* The kernel resolves relative paths against its own directory; wasi-libc's may differ. */
int chmod(const char *path, mode_t mode) {
  char full[PATH_MAX];
  if (path[0] != '/') {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return -1;
    snprintf(full, sizeof full, "%s/%s", cwd, path);
    path = full;
  }
  return ret(__mh_chmod(path, (int)mode));
}
