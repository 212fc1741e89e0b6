/*
 * Advisory locks for C programs on MACROHARD: fcntl's F_GETLK, F_SETLK and F_SETLKW, and
 * flock. The kernel keeps the locks (docs/locks.md). `macrohard cc` links with
 * --wrap=fcntl, so every fcntl call comes here first: the lock commands go to the kernel, the
 * rest to wasi-libc's fcntl unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/file.h>
#include "macrohard.h"

int __real_fcntl(int fd, int cmd, ...);

int __wrap_fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  /* Every fcntl argument is an int or a pointer: one 32-bit word on wasm32. */
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW) {
    int r = __mh_lock(fd, cmd, (struct flock *)arg);
    if (r < 0) {
      errno = -r;
      return -1;
    }
    return 0;
  }
  return __real_fcntl(fd, cmd, arg);
}

int flock(int fd, int op) {
  int r = __mh_flock(fd, op);
  if (r < 0) {
    errno = -r;
    return -1;
  }
  return 0;
}
