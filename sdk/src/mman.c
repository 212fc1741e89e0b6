/*
 * mmap for C programs on MACROHARD: wasi-libc's emulation copies a file into the program's own
 * memory, which is right for MAP_PRIVATE and wrong for MAP_SHARED — another process would never
 * see the writes, nor this one theirs. `macrohard cc` links with --wrap=mmap, and a shared
 * mapping of a file is refused here with ENOTSUP rather than made private in silence (SQLite,
 * for one, then reads with read() instead, and would otherwise corrupt a WAL index).
 */
#include <errno.h>
#include <sys/mman.h>

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  if ((flags & MAP_SHARED) && !(flags & MAP_ANONYMOUS)) {
    errno = ENOTSUP;
    return MAP_FAILED;
  }
  return __real_mmap(addr, len, prot, flags, fd, off);
}
