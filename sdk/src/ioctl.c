/*
 * ioctl for C programs on MACROHARD, replacing wasi-libc's, whose FIONREAD answers 1 for
 * anything readable (the nbytes its poll reports). FIONREAD: on a socket the bytes a read
 * would return now (netd's count; for a datagram socket the next datagram's size, as on
 * Linux), on a regular file the bytes from the offset to the end, on anything else 1 when a
 * read would not wait and 0 when it would. FIONBIO sets or clears O_NONBLOCK.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

int __mh_socket_nread(int fd);

static int nread(int fd) {
  __wasi_fdstat_t st;
  __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
  if (e != 0) {
    errno = e;
    return -1;
  }
  if (st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM || st.fs_filetype == __WASI_FILETYPE_SOCKET_DGRAM) return __mh_socket_nread(fd);
  if (st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE) {
    struct stat sb;
    off_t at = lseek(fd, 0, SEEK_CUR);
    if (at < 0 || fstat(fd, &sb) < 0) return -1;
    /* FIONREAD answers an int: a larger rest of the file is reported as INT_MAX, not wrapped. */
    off_t rest = sb.st_size > at ? sb.st_size - at : 0;
    return rest > INT_MAX ? INT_MAX : (int)rest;
  }
  struct pollfd p = {fd, POLLIN, 0};
  int n = poll(&p, 1, 0);
  return n < 0 ? -1 : n > 0 && (p.revents & POLLIN) ? 1 : 0;
}

int ioctl(int fd, int request, ...) {
  va_list ap;
  va_start(ap, request);
  int *arg = va_arg(ap, int *);
  va_end(ap);
  if (request == FIONREAD) {
    int n = nread(fd);
    if (n < 0) return -1;
    *arg = n;
    return 0;
  }
  if (request == FIONBIO) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return -1;
    return fcntl(fd, F_SETFL, *arg ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
  }
  errno = EINVAL;
  return -1;
}
