/*
 * Memory mappings under MACROHARD: a private mapping of a file is a copy (wasi-libc's
 * emulation), a shared one is refused (ENOTSUP), since no other process could ever see it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/mman.dat";
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  write(fd, "mapped bytes", 12);
  char *p = mmap(0, 12, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("private: %.12s\n", p == MAP_FAILED ? strerror(errno) : p);
  p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("shared: %s\n", p == MAP_FAILED ? (errno == ENOTSUP ? "ENOTSUP" : strerror(errno)) : "mapped");
  p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  printf("anonymous shared: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
  close(fd);
  unlink(path);
  return 0;
}
